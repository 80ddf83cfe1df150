using System.Buffers.Binary;

namespace MiniDns.Wire;

/// <summary>
/// Reads a query in place from the receive buffer. Every length and pointer is checked against the buffer;
/// a malformed message is a result, never an exception.
/// </summary>
public static class QueryReader
{
    public static QueryParseResult Read(ReadOnlySpan<byte> message, DnsQuery query)
    {
        if (message.Length < HeaderFlags.HeaderLength)
            return QueryParseResult.Drop;
        query.Id = BinaryPrimitives.ReadUInt16BigEndian(message);
        query.Flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        query.NameLength = 0;
        query.QuestionLength = 0;
        query.HasEdns = false;
        query.CookieLength = 0;
        query.HasValidServerCookie = false;
        query.ResponseCookieLength = 0;
        query.Malformed = ResponseReason.None;
        if ((query.Flags & HeaderFlags.QR) != 0)
            return QueryParseResult.Drop;
        if (query.Opcode != HeaderFlags.OpcodeQuery)
            return QueryParseResult.NotImp;

        int qdCount = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int anCount = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        int nsCount = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        int arCount = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        if (qdCount != 1)
            return FormErr(query, ResponseReason.QuestionCount);

        int pos = HeaderFlags.HeaderLength;
        // The question is the message's first name: nothing precedes it to point to, so any pointer is FORMERR.
        if (!DnsName.TryReadUncompressed(message, ref pos, query.NameBuffer, out int nameLength) || pos + 4 > message.Length)
            return FormErr(query, ResponseReason.BadQuestion);
        query.NameLength = nameLength;
        DnsName.ToLower(query.NameBuffer.AsSpan(0, nameLength));
        query.Type = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
        query.Class = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 2)..]);
        pos += 4;
        query.QuestionOffset = HeaderFlags.HeaderLength;
        query.QuestionLength = pos - HeaderFlags.HeaderLength;

        Span<byte> scratch = stackalloc byte[DnsName.MaxLength];
        for (int i = 0; i < anCount + nsCount; i++)
        {
            if (!TrySkipRecord(message, ref pos, scratch, out _, out _))
                return FormErr(query, ResponseReason.BadRecord);
        }
        for (int i = 0; i < arCount; i++)
        {
            int recordStart = pos;
            if (!TrySkipRecord(message, ref pos, scratch, out ushort type, out int ownerLength))
                return FormErr(query, ResponseReason.BadRecord);
            if (type != RecordType.OPT)
                continue;
            // RFC 6891 6.1.1: one OPT at most, owned by the root.
            if (query.HasEdns || ownerLength != 1 || !ReadOpt(message, recordStart, pos, query))
                return FormErr(query, ResponseReason.BadOpt);
        }
        // Octets after the last record are ignored, as NSD and Knot do.
        return QueryParseResult.Ok;
    }

    private static QueryParseResult FormErr(DnsQuery query, ResponseReason reason)
    {
        query.Malformed = reason;
        return QueryParseResult.FormErr;
    }

    // OPT: root owner (1 octet), TYPE, CLASS = payload size, TTL = extended RCODE, version, DO bit, then
    // options as code, length, data (RFC 6891 6.1.2). False when an option overruns the record or a COOKIE
    // has a length no cookie can have (RFC 7873 5.2.2: FORMERR).
    private static bool ReadOpt(ReadOnlySpan<byte> message, int recordStart, int recordEnd, DnsQuery query)
    {
        int p = recordStart + 1;
        query.HasEdns = true;
        query.EdnsPayloadSize = BinaryPrimitives.ReadUInt16BigEndian(message[(p + 2)..]);
        query.EdnsVersion = message[p + 5];
        query.DnssecOk = (message[p + 6] & 0x80) != 0;
        for (int o = p + 10; o < recordEnd;)
        {
            if (o + 4 > recordEnd)
                return false;
            int code = BinaryPrimitives.ReadUInt16BigEndian(message[o..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(o + 2)..]);
            o += 4;
            if (o + length > recordEnd)
                return false;
            if (code == CookieOption)
            {
                if (length < 8 || (length > 8 && length < 16) || length > 40 || query.CookieLength > 0)
                    return false;
                message.Slice(o, length).CopyTo(query.CookieBuffer);
                query.CookieLength = length;
            }
            o += length;
        }
        return true;
    }

    /// <summary>The EDNS option code of DNS cookies (RFC 7873 4).</summary>
    public const ushort CookieOption = 10;

    private static bool TrySkipRecord(ReadOnlySpan<byte> message, ref int pos, Span<byte> scratch, out ushort type, out int ownerLength)
    {
        type = 0;
        if (!DnsName.TryRead(message, ref pos, scratch, out ownerLength) || pos + 10 > message.Length)
            return false;
        type = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
        int rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
        pos += 10 + rdLength;
        return pos <= message.Length;
    }
}
