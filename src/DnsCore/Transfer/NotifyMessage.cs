using System.Buffers.Binary;
using MiniDns.Tsig;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Transfer;

/// <summary>
/// NOTIFY (RFC 1996): the message a primary sends its secondaries when a zone changed, the check that a
/// reply acknowledges it, and, on the secondary's side, reading one and writing the reply.
/// </summary>
public static class NotifyMessage
{
    public const ushort Opcode = 4 << 11;

    /// <summary>
    /// NOTIFY for the zone, AA set, with its SOA in the answer section (RFC 1996 3.7) so a secondary may skip its
    /// SOA query; signed with <paramref name="key"/> when given (<paramref name="mac"/>: what the reply's MAC chains on).
    /// </summary>
    public static byte[] Build(ushort id, Zone zone, TsigKey? key, long now, out byte[] mac)
    {
        var soa = zone.Soa.Records[0];
        var origin = zone.Origin;
        var message = new byte[HeaderFlags.HeaderLength + origin.Length + 4 + 2 + 10 + soa.Length];
        var span = message.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, id);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], Opcode | HeaderFlags.AA);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], 1);
        int at = HeaderFlags.HeaderLength;
        origin.CopyTo(span[at..]);
        at += origin.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], RecordType.SOA);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 2)..], DnsClass.IN);
        at += 4;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], 0xC000 | HeaderFlags.HeaderLength); // the zone's name, as in the question
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 2)..], RecordType.SOA);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 4)..], DnsClass.IN);
        BinaryPrimitives.WriteUInt32BigEndian(span[(at + 6)..], zone.Soa.Ttl);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 10)..], (ushort)soa.Length);
        soa.CopyTo(span[(at + 12)..]);
        if (key is null)
        {
            mac = [];
            return message;
        }
        return TsigMessage.SignRequest(message, key, now, out mac);
    }

    /// <summary>
    /// The reply's rcode when it answers our NOTIFY (QR, opcode NOTIFY, our ID, our zone), else null. For a
    /// NOTIFY signed with <paramref name="key"/>, <paramref name="problem"/> says when the reply's signature
    /// does not hold (RFC 8945 5.3: signed by the key over our <paramref name="mac"/>, in time), or what TSIG
    /// error it carries: such a reply acknowledges nothing, and the sender discards it (RFC 8945 5.3.2).
    /// </summary>
    public static ResponseCode? Acknowledgement(ReadOnlySpan<byte> reply, ushort id, ReadOnlySpan<byte> zone, TsigKey? key, ReadOnlySpan<byte> mac, long now,
        out string? problem)
    {
        problem = null;
        if (!MessageReader.TryRead(reply, out var message, out _) || message.Id != id || !message.Has(HeaderFlags.QR)
            || (message.Flags & HeaderFlags.OpcodeMask) != Opcode)
            return null;
        // RFC 1996 4.7: the reply echoes the question; an empty one (some servers) is taken as it stands.
        if (message.Questions is [var question] && !DnsName.EqualsIgnoreCase(question.Name, zone))
            return null;
        if (key is not null)
        {
            bool signed = TsigMessage.TryFind(reply, out var tsig, out bool malformed);
            problem = malformed ? "a malformed TSIG record"
                : !signed ? "not signed"
                : tsig.Error != 0 ? $"TSIG error {(TsigError)tsig.Error}"
                : TsigMessage.VerifyResponse(reply, tsig, key, mac, timersOnly: false, now) is var error and not TsigError.NoError ? $"a signature that does not verify ({error})"
                : null;
        }
        return message.Rcode;
    }

    /// <summary>True when the message's opcode is NOTIFY (the query reader turns such messages away as NOTIMP).</summary>
    public static bool HasOpcode(ReadOnlySpan<byte> message) =>
        message.Length > 2 && (BinaryPrimitives.ReadUInt16BigEndian(message[2..]) & HeaderFlags.OpcodeMask) == Opcode;

    /// <summary>
    /// The zone a NOTIFY request names (lower-cased): one question, type SOA, class IN, opcode NOTIFY, not a
    /// response; else null. <paramref name="questionEnd"/>: where the question ends, to echo it.
    /// </summary>
    public static byte[]? ReadRequest(ReadOnlySpan<byte> request, out int questionEnd)
    {
        questionEnd = 0;
        if (!MessageReader.TryRead(request, out var message, out _) || message.Has(HeaderFlags.QR)
            || (message.Flags & HeaderFlags.OpcodeMask) != Opcode || message.Questions is not [var question]
            || question.Type != RecordType.SOA || question.Class != DnsClass.IN)
            return null;
        int nameLength = DnsName.MeasureUncompressed(request[HeaderFlags.HeaderLength..]);
        if (nameLength <= 0)
            return null;
        questionEnd = HeaderFlags.HeaderLength + nameLength + 4;
        return DnsName.ToLowerCopy(question.Name);
    }

    /// <summary>The reply to a NOTIFY read by <see cref="ReadRequest"/>: its ID and question, QR, AA, the rcode (RFC 1996 4.7).</summary>
    public static int WriteReply(ReadOnlySpan<byte> request, int questionEnd, ResponseCode rcode, Span<byte> response)
    {
        if (response.Length < questionEnd)
            return 0;
        request[..questionEnd].CopyTo(response);
        BinaryPrimitives.WriteUInt16BigEndian(response[2..], (ushort)(HeaderFlags.QR | Opcode | HeaderFlags.AA | (ushort)rcode));
        response[6..HeaderFlags.HeaderLength].Clear();
        return questionEnd;
    }
}
