using MiniDns.Wire;

namespace MiniDns.Transfer;

/// <summary>One record of a transfer, as views into a zone or a journal entry.</summary>
public readonly record struct TransferRecord(ReadOnlyMemory<byte> Owner, ushort Type, uint Ttl, ReadOnlyMemory<byte> Data);

/// <summary>
/// Writes a transfer's records (<see cref="TransferRecords"/>: AXFR, IXFR) in as many messages as they take,
/// with their names compressed (RFC 5936 2.2). A message ends once it has passed <see cref="FullMessage"/>
/// bytes, as NSD's do: a pointer reaches only the first 16 KB of a message, so a name further on could point
/// only to what came before it there. A record larger than that still goes, in a message of up to 65,535
/// bytes. The first message carries the question as asked; the rest carry none (RFC 5936 2.2.1 allows
/// either). <paramref name="reserve"/>: bytes each message leaves free, for a TSIG record.
/// </summary>
public sealed class TransferWriter(IEnumerable<TransferRecord> records, ushort id, ushort requestFlags, byte[] question, int reserve = 0)
{
    public const int MaxMessage = 65535;

    /// <summary>The size past which a message takes no more records: what compression pointers reach (0x3FFF).</summary>
    public const int FullMessage = 0x4000;

    // The suffixes 16 KB of names can hold (at least 2 bytes a label), as any of them may be pointed to.
    private const int Suffixes = FullMessage / 2;

    private readonly IEnumerator<TransferRecord> _records = records.GetEnumerator();
    private readonly NameCompressor _compressor = new(Suffixes);
    // The record that did not fit in the last message, sent first in the next.
    private TransferRecord? _next;
    private bool _done;

    public int Messages { get; private set; }
    public long Records { get; private set; }

    /// <summary>
    /// Writes the next message into <paramref name="buffer"/> (up to <see cref="MaxMessage"/> bytes of it) and
    /// returns its length; 0 once every record is sent; -1 when a record cannot fit even alone in a message
    /// (the transfer cannot be made, and the caller says SERVFAIL, or over UDP sets TC).
    /// </summary>
    public int WriteNext(Span<byte> buffer)
    {
        if (_done && _next is null)
            return 0;
        _compressor.Reset();
        var writer = new MessageWriter(buffer, Math.Min(MaxMessage, buffer.Length) - reserve, _compressor);
        writer.WriteU16(id);
        writer.WriteU16((ushort)(HeaderFlags.QR | HeaderFlags.AA | (requestFlags & HeaderFlags.RD)));
        bool first = Messages == 0;
        writer.WriteU16(first ? (ushort)1 : (ushort)0);
        writer.WriteU16(0);
        writer.WriteU32(0);
        if (first)
            writer.WriteBytes(question);
        int written = 0;
        while (writer.Position < FullMessage && Take() is { } record)
        {
            int mark = writer.Position;
            ResponseWriter.WriteRecord(ref writer, record.Owner.Span, record.Type, record.Ttl, record.Data.Span);
            if (writer.Overflowed)
            {
                writer.RollBack(mark);
                _next = record;
                if (written == 0)
                    return -1;
                break;
            }
            written++;
        }
        if (written == 0 && !first)
            return 0;
        writer.PatchU16(6, (ushort)written);
        Messages++;
        Records += written;
        return writer.Position;
    }

    private TransferRecord? Take()
    {
        if (_next is { } held)
        {
            _next = null;
            return held;
        }
        if (_done || !_records.MoveNext())
        {
            _done = true;
            return null;
        }
        return _records.Current;
    }
}
