using System.Buffers.Binary;

namespace MiniDns.Wire;

/// <summary>
/// Writes a planned response into a send buffer within the client's size limit. The answer and authority
/// sections go whole or not at all: if they do not fit, the response carries only the question and TC
/// (RFC 2181 9, RFC 1035 4.2.1). Additional RRsets that do not fit are left out without TC.
/// </summary>
public static class ResponseWriter
{
    /// <summary>Our EDNS payload size, the DNS Flag Day 2020 value.</summary>
    public const ushort EdnsPayloadSize = 1232;
    public const int ClassicUdpLimit = 512;
    private const int OptLength = 11;

    /// <summary>The largest response the client accepts over UDP (RFC 1035 4.2.1, RFC 6891 6.2.5).</summary>
    public static int UdpLimit(DnsQuery query) =>
        query.HasEdns ? Math.Clamp((int)query.EdnsPayloadSize, ClassicUdpLimit, EdnsPayloadSize) : ClassicUdpLimit;

    public static int Write(ReadOnlySpan<byte> request, DnsQuery query, ResponsePlan plan, int limit, Span<byte> buffer, NameCompressor compressor)
    {
        bool edns = query.HasEdns;
        int optLength = OptLength + (query.ResponseCookieLength > 0 ? 4 + query.ResponseCookieLength : 0) + (plan.ExtendedError?.OptionLength ?? 0);
        var writer = new MessageWriter(buffer, edns ? limit - optLength : limit, compressor);
        ushort flags = (ushort)(HeaderFlags.QR | (query.Flags & (HeaderFlags.OpcodeMask | HeaderFlags.RD)));
        if (plan.Authoritative)
            flags |= HeaderFlags.AA;
        if (plan.RecursionAvailable)
            flags |= HeaderFlags.RA;
        flags |= (ushort)((ushort)plan.Rcode & HeaderFlags.RcodeMask);

        writer.WriteU16(query.Id);
        writer.WriteU16(flags);
        writer.WriteU16(query.QuestionLength > 0 ? (ushort)1 : (ushort)0);
        writer.WriteU32(0);
        writer.WriteU16(0);
        if (query.QuestionLength > 0)
        {
            // The question is echoed as the client wrote it (its letter case kept, RFC 4343 and 0x20 clients);
            // it was read uncompressed, so the decoded name has the same label offsets and is what we register.
            writer.WriteBytes(request.Slice(query.QuestionOffset, query.QuestionLength));
            writer.RememberName(query.QuestionOffset, query.NameBuffer.AsSpan(0, query.NameLength));
        }
        if (writer.Overflowed)
            return 0;
        int afterQuestion = writer.Position;

        int answers = WriteSection(plan.Answer, ref writer, out bool answerFits);
        int authorities = answerFits ? WriteSection(plan.Authority, ref writer, out answerFits) : 0;
        int additionals = 0;
        if (!answerFits)
        {
            writer.RollBack(afterQuestion);
            answers = authorities = 0;
            flags |= HeaderFlags.TC;
        }
        else
        {
            additionals = WriteSection(plan.Additional, ref writer, out _);
        }

        if (edns)
        {
            additionals++;
            writer.Limit += optLength;
            WriteOpt(ref writer, query, plan.Rcode, plan.ExtendedError);
        }
        writer.PatchU16(2, flags);
        writer.PatchU16(6, (ushort)answers);
        writer.PatchU16(8, (ushort)authorities);
        writer.PatchU16(10, (ushort)additionals);
        return writer.Position;
    }

    /// <summary>A response with no question, for messages whose question could not be read.</summary>
    public static int WriteHeaderOnly(ReadOnlySpan<byte> request, ResponseCode rcode, Span<byte> buffer)
    {
        ushort requestFlags = BinaryPrimitives.ReadUInt16BigEndian(request[2..]);
        buffer[..HeaderFlags.HeaderLength].Clear();
        request[..2].CopyTo(buffer);
        ushort flags = (ushort)(HeaderFlags.QR | (requestFlags & (HeaderFlags.OpcodeMask | HeaderFlags.RD)) | (ushort)rcode);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], flags);
        return HeaderFlags.HeaderLength;
    }

    // Writes whole RRsets while they fit; returns the records written and whether every RRset fitted.
    private static int WriteSection(ResponseSection section, ref MessageWriter writer, out bool allFit)
    {
        int records = 0;
        for (int i = 0; i < section.Count; i++)
        {
            ref readonly var entry = ref section[i];
            int mark = writer.Position;
            int count = WriteEntry(in entry, ref writer);
            if (writer.Overflowed)
            {
                writer.RollBack(mark);
                allFit = false;
                return records;
            }
            records += count;
        }
        allFit = true;
        return records;
    }

    private static int WriteEntry(in SectionEntry entry, ref MessageWriter writer)
    {
        foreach (var rdata in entry.Records)
            WriteRecord(ref writer, entry.Owner.Span, entry.Type, entry.Ttl, rdata);
        return entry.Records.Count;
    }

    /// <summary>One record of class IN, its owner (and names in its data where RFC 3597 allows) compressed.</summary>
    internal static void WriteRecord(ref MessageWriter writer, ReadOnlySpan<byte> owner, ushort type, uint ttl, ReadOnlySpan<byte> rdata)
    {
        writer.WriteName(owner, compress: true);
        writer.WriteU16(type);
        writer.WriteU16(DnsClass.IN);
        writer.WriteU32(ttl);
        int lengthAt = writer.Position;
        writer.WriteU16(0);
        RdataCodec.WriteToMessage(type, rdata, ref writer);
        if (!writer.Overflowed)
            writer.PatchU16(lengthAt, (ushort)(writer.Position - lengthAt - 2));
    }

    // RFC 6891 6.1.2: root owner, TYPE 41, CLASS = our payload size, TTL = extended RCODE | version | DO,
    // RDLENGTH, then our COOKIE option when the client sent one (RFC 7873 5.2) and an Extended DNS Error
    // when there is one (RFC 8914).
    private static void WriteOpt(ref MessageWriter writer, DnsQuery query, ResponseCode rcode, ExtendedError? error)
    {
        writer.WriteU8(0);
        writer.WriteU16(RecordType.OPT);
        writer.WriteU16(EdnsPayloadSize);
        writer.WriteU8((byte)((ushort)rcode >> 4));
        writer.WriteU8(0);
        writer.WriteU16(query.DnssecOk ? (ushort)0x8000 : (ushort)0);
        int cookie = query.ResponseCookieLength;
        writer.WriteU16((ushort)((cookie > 0 ? 4 + cookie : 0) + (error?.OptionLength ?? 0)));
        if (cookie > 0)
        {
            writer.WriteU16(QueryReader.CookieOption);
            writer.WriteU16((ushort)cookie);
            writer.WriteBytes(query.ResponseCookie.AsSpan(0, cookie));
        }
        error?.Write(ref writer);
    }
}
