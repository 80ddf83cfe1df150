using System.Buffers.Binary;

namespace MiniDns.Wire;

/// <summary>Reads a complete message, every section, with the same bounds checks as the query path.</summary>
public static class MessageReader
{
    public static bool TryRead(ReadOnlySpan<byte> message, out DnsMessage result, out string error)
    {
        result = null!;
        if (message.Length < HeaderFlags.HeaderLength)
            return Fail("shorter than a header", out error);
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(message);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        Span<int> counts = stackalloc int[4];
        for (int i = 0; i < 4; i++)
            counts[i] = BinaryPrimitives.ReadUInt16BigEndian(message[(4 + 2 * i)..]);

        int pos = HeaderFlags.HeaderLength;
        Span<byte> name = stackalloc byte[DnsName.MaxLength];
        var questions = new List<DnsQuestion>();
        for (int i = 0; i < counts[0]; i++)
        {
            if (!DnsName.TryRead(message, ref pos, name, out int length) || pos + 4 > message.Length)
                return Fail($"question {i + 1} is malformed", out error);
            questions.Add(new DnsQuestion(name[..length].ToArray(),
                BinaryPrimitives.ReadUInt16BigEndian(message[pos..]), BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 2)..])));
            pos += 4;
        }
        var sections = new List<DnsRecord>[3];
        int rcode = flags & HeaderFlags.RcodeMask;
        for (int s = 0; s < 3; s++)
        {
            sections[s] = [];
            for (int i = 0; i < counts[s + 1]; i++)
            {
                if (!DnsName.TryRead(message, ref pos, name, out int length) || pos + 10 > message.Length)
                    return Fail($"record {i + 1} of section {s + 1} is malformed", out error);
                ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
                ushort cls = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 2)..]);
                uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(pos + 4)..]);
                int rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
                pos += 10;
                if (!RdataCodec.TryReadFromMessage(type, message, pos, rdLength, out var data))
                    return Fail($"{RecordType.ToText(type)} record data of {NameText.Format(name[..length])} is malformed", out error);
                pos += rdLength;
                if (type == RecordType.OPT)
                    rcode |= (int)(ttl >> 24) << 4; // RFC 6891 6.1.3: the upper 8 bits of the extended RCODE
                sections[s].Add(new DnsRecord(name[..length].ToArray(), type, cls, ttl, data));
            }
        }
        result = new DnsMessage(id, flags, (ResponseCode)rcode, questions, sections[0], sections[1], sections[2]);
        error = "";
        return true;
    }

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }
}
