using System.Buffers.Binary;
using MiniDns.Wire;

namespace MiniDns.Tests.Support;

/// <summary>Builds query messages field by field for tests.</summary>
public static class QueryBytes
{
    public static byte[] Build(string name, ushort type, ushort id = 0x1234, ushort flags = 0, int? ednsPayload = null,
        byte ednsVersion = 0, ushort qclass = DnsClass.IN)
    {
        Assert.True(NameText.TryParse(name, [], out var wire, out var error), error);
        var message = new List<byte>();
        AddU16(message, id);
        AddU16(message, flags);
        AddU16(message, 1); // QDCOUNT
        AddU16(message, 0); // ANCOUNT
        AddU16(message, 0); // NSCOUNT
        AddU16(message, (ushort)(ednsPayload is null ? 0 : 1)); // ARCOUNT
        message.AddRange(wire);
        AddU16(message, type);
        AddU16(message, qclass);
        if (ednsPayload is not null)
        {
            message.Add(0);                          // root owner
            AddU16(message, RecordType.OPT);
            AddU16(message, (ushort)ednsPayload);    // CLASS: UDP payload size
            message.Add(0);                          // extended RCODE
            message.Add(ednsVersion);                // version
            AddU16(message, 0);                      // DO and Z
            AddU16(message, 0);                      // RDLENGTH
        }
        return [.. message];
    }

    /// <summary>An IXFR query for <paramref name="zone"/> with the client's SOA, of <paramref name="serial"/>, in the authority section (RFC 1995 3).</summary>
    public static byte[] Ixfr(string zone, uint serial, ushort id = 0x1234)
    {
        var message = new List<byte>(Build(zone, RecordType.IXFR, id));
        message[9] = 1; // NSCOUNT
        message.AddRange([0xC0, 12]); // the zone's name, as in the question
        AddU16(message, RecordType.SOA);
        AddU16(message, DnsClass.IN);
        message.AddRange([0, 0, 0, 0]);
        AddU16(message, 22);
        message.AddRange([0, 0]); // MNAME and RNAME: the root
        message.AddRange([(byte)(serial >> 24), (byte)(serial >> 16), (byte)(serial >> 8), (byte)serial]);
        message.AddRange(new byte[16]);
        return [.. message];
    }

    private static void AddU16(List<byte> message, ushort value)
    {
        Span<byte> two = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(two, value);
        message.AddRange(two);
    }
}
