using System.Buffers.Binary;
using MiniDns.Wire;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Resolution;

/// <summary>Replies built record by record, for servers that lie: the query's ID and question, then whatever the test says.</summary>
public static class CraftedReply
{
    public sealed record Record(string Owner, ushort Type, uint Ttl, byte[] Data);

    public static byte[] Build(byte[] query, ResponseCode rcode, ushort flags, Record[] answer, Record[] authority, Record[] additional)
    {
        var message = new List<byte>();
        message.AddRange(query.AsSpan(0, 2).ToArray());
        Add16(message, (ushort)(HeaderFlags.QR | flags | (ushort)rcode));
        Add16(message, 1);
        Add16(message, (ushort)answer.Length);
        Add16(message, (ushort)authority.Length);
        Add16(message, (ushort)additional.Length);
        int questionEnd = HeaderFlags.HeaderLength;
        while (query[questionEnd] != 0)
            questionEnd += 1 + query[questionEnd];
        message.AddRange(query.AsSpan(HeaderFlags.HeaderLength, questionEnd + 5 - HeaderFlags.HeaderLength).ToArray());
        foreach (var record in answer.Concat(authority).Concat(additional))
        {
            message.AddRange(Name(record.Owner));
            Add16(message, record.Type);
            Add16(message, DnsClass.IN);
            message.AddRange([(byte)(record.Ttl >> 24), (byte)(record.Ttl >> 16), (byte)(record.Ttl >> 8), (byte)record.Ttl]);
            Add16(message, (ushort)record.Data.Length);
            message.AddRange(record.Data);
        }
        return [.. message];
    }

    public static Record A(string owner, string address, uint ttl = 300) => new(owner, RecordType.A, ttl, System.Net.IPAddress.Parse(address).GetAddressBytes());

    public static Record NS(string owner, string target, uint ttl = 300) => new(owner, RecordType.NS, ttl, Name(target));

    public static Record Cname(string owner, string target, uint ttl = 300) => new(owner, RecordType.CNAME, ttl, Name(target));

    public static Record Dname(string owner, string target, uint ttl = 300) => new(owner, RecordType.DNAME, ttl, Name(target));

    private static void Add16(List<byte> message, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        message.AddRange(bytes.ToArray());
    }
}
