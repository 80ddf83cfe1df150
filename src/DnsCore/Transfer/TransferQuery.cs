using System.Buffers.Binary;
using MiniDns.Tsig;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Transfer;

/// <summary>
/// The request a secondary sends its primary: AXFR for the whole zone, or IXFR with the SOA it holds in the
/// authority section (RFC 1995 3), signed with the zone's TSIG key when it has one.
/// </summary>
public static class TransferQuery
{
    /// <summary>The request, and the MAC its signature carries (empty when unsigned), which the answer's first message chains on.</summary>
    public static byte[] Build(ushort id, byte[] origin, ushort type, ZoneRecord? heldSoa, TsigKey? key, long now, out byte[] mac)
    {
        int soaLength = type == RecordType.IXFR && heldSoa is not null ? 2 + 10 + heldSoa.Data.Length : 0;
        int length = HeaderFlags.HeaderLength + origin.Length + 4 + soaLength;
        var message = new byte[length];
        var span = message.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, id);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(span[8..], (ushort)(soaLength > 0 ? 1 : 0));
        int at = HeaderFlags.HeaderLength;
        origin.CopyTo(span[at..]);
        at += origin.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], type);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 2)..], DnsClass.IN);
        at += 4;
        if (soaLength > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], 0xC000 | HeaderFlags.HeaderLength); // the zone's name, as in the question
            BinaryPrimitives.WriteUInt16BigEndian(span[(at + 2)..], RecordType.SOA);
            BinaryPrimitives.WriteUInt16BigEndian(span[(at + 4)..], DnsClass.IN);
            BinaryPrimitives.WriteUInt32BigEndian(span[(at + 6)..], heldSoa!.Ttl);
            BinaryPrimitives.WriteUInt16BigEndian(span[(at + 10)..], (ushort)heldSoa.Data.Length);
            heldSoa.Data.CopyTo(span[(at + 12)..]);
        }
        if (key is null)
        {
            mac = [];
            return message;
        }
        return TsigMessage.SignRequest(message, key, now, out mac);
    }
}
