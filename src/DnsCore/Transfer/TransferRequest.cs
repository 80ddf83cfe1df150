using System.Buffers.Binary;
using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Transfer;

/// <summary>
/// A zone transfer asked for: AXFR (RFC 5936) or IXFR (RFC 1995, with the serial the client holds, from the
/// SOA in its authority section), and what the answer to it is. Read with the full message reader: transfers
/// are rare, and their requests are hostile input like any other.
/// </summary>
public sealed class TransferRequest
{
    private TransferRequest(ushort id, ushort flags, ushort type, byte[] zone, byte[] question, uint? clientSerial)
    {
        Id = id;
        Flags = flags;
        Type = type;
        Zone = zone;
        Question = question;
        ClientSerial = clientSerial;
    }

    public ushort Id { get; }
    public ushort Flags { get; }
    public ushort Type { get; }
    /// <summary>The zone asked for, lower-cased.</summary>
    public byte[] Zone { get; }
    /// <summary>The question section as the client wrote it, to echo.</summary>
    public byte[] Question { get; }
    /// <summary>IXFR: the serial the client has, when it sent its SOA.</summary>
    public uint? ClientSerial { get; }

    /// <summary>The request as a transfer: one question of type AXFR or IXFR, class IN, opcode QUERY; else null.</summary>
    public static TransferRequest? Read(ReadOnlySpan<byte> request)
    {
        if (!MessageReader.TryRead(request, out var message, out _) || message.Has(HeaderFlags.QR)
            || (message.Flags & HeaderFlags.OpcodeMask) != 0 || message.Questions is not [var question]
            || question.Type is not (RecordType.AXFR or RecordType.IXFR) || question.Class != DnsClass.IN)
            return null;
        int nameLength = DnsName.MeasureUncompressed(request[HeaderFlags.HeaderLength..]);
        if (nameLength <= 0)
            return null; // a compressed question name: no client writes one
        uint? serial = null;
        if (question.Type == RecordType.IXFR && message.Authority.FirstOrDefault(r => r.Type == RecordType.SOA) is { Data.Length: >= 22 } soa
            && DnsName.EqualsIgnoreCase(soa.Owner, question.Name))
            serial = SoaSerial.Read(soa.Data);
        return new TransferRequest(message.Id, message.Flags, question.Type, DnsName.ToLowerCopy(question.Name),
            request.Slice(HeaderFlags.HeaderLength, nameLength + 4).ToArray(), serial);
    }

    /// <summary>
    /// True when the client already holds this serial or a newer one (RFC 1995 2: then the answer is our
    /// SOA alone). RFC 1982 arithmetic; a serial 2^31 away counts as not current.
    /// </summary>
    public bool IsCurrent(Zone zone) => ClientSerial is { } serial && (serial == zone.Serial || SoaSerial.IsAfter(serial, zone.Serial));

    /// <summary>A response with the question and no records: an error, or an empty TC=1 reply.</summary>
    public int WriteEmpty(Span<byte> buffer, ResponseCode rcode, bool truncated = false)
    {
        if (buffer.Length < HeaderFlags.HeaderLength + Question.Length)
            return 0;
        buffer[..HeaderFlags.HeaderLength].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(buffer, Id);
        ushort flags = (ushort)(HeaderFlags.QR | (Flags & HeaderFlags.RD) | (ushort)rcode | (truncated ? HeaderFlags.TC : 0));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], 1);
        Question.CopyTo(buffer[HeaderFlags.HeaderLength..]);
        return HeaderFlags.HeaderLength + Question.Length;
    }

    /// <summary>
    /// The writer of the answer from <paramref name="zone"/>. AXFR: the whole zone. IXFR: the SOA alone when the
    /// client is current, the differences when the <paramref name="journal"/> leads from its serial to the
    /// zone's, else the whole zone (RFC 1995 4). <paramref name="kind"/> says which.
    /// </summary>
    public TransferWriter Writer(Zone zone, Func<IReadOnlyList<JournalEntry>> journal, out string kind, int reserve = 0)
    {
        IEnumerable<TransferRecord> records;
        if (Type == RecordType.IXFR && IsCurrent(zone))
            (records, kind) = (TransferRecords.SoaOnly(zone), "current");
        else if (Type == RecordType.IXFR && ClientSerial is { } from && TransferRecords.Ixfr(zone, journal(), from) is { } differences)
            (records, kind) = (differences, $"incremental from {from}");
        else
            (records, kind) = (TransferRecords.Axfr(zone), "whole zone");
        return new TransferWriter(records, Id, Flags, Question, reserve);
    }
}
