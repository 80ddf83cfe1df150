using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Transfer;

/// <summary>
/// A zone as an AXFR response (RFC 5936 2.2): its SOA, every other record, then the SOA again, in as many
/// messages as it takes, each at most 65,535 bytes with its names compressed. It reads one immutable
/// snapshot of the zone, so an edit committed during the transfer never mixes in. The first message carries
/// the question as asked; the rest carry none (RFC 5936 2.2.1 allows either). Also the full-zone form of
/// an IXFR response (RFC 1995 4), which differs only in the question, and (<paramref name="soaOnly"/>) of the
/// IXFR answer to a client that is current: the SOA alone.
/// </summary>
public sealed class AxfrWriter(Zone zone, ushort id, ushort requestFlags, byte[] question, bool soaOnly = false)
{
    public const int MaxMessage = 65535;

    private readonly NameCompressor _compressor = new();
    // Where the walk stands: the phase, then the node, the set within it and the record within that.
    private int _phase = soaOnly ? 2 : 0; // 0: the first SOA; 1: the records; 2: the last SOA; 3: done
    private int _node, _set, _record;

    public int Messages { get; private set; }
    public long Records { get; private set; }

    /// <summary>
    /// Writes the next message into <paramref name="buffer"/> (up to <see cref="MaxMessage"/> bytes of it) and
    /// returns its length; 0 once the transfer is complete; -1 when a record cannot fit even alone in a
    /// message (the transfer cannot be made, and the caller says SERVFAIL, or over UDP sets TC).
    /// </summary>
    public int WriteNext(Span<byte> buffer)
    {
        if (_phase == 3)
            return 0;
        _compressor.Reset();
        var writer = new MessageWriter(buffer, Math.Min(MaxMessage, buffer.Length), _compressor);
        writer.WriteU16(id);
        writer.WriteU16((ushort)(HeaderFlags.QR | HeaderFlags.AA | (requestFlags & HeaderFlags.RD)));
        bool first = Messages == 0;
        writer.WriteU16(first ? (ushort)1 : (ushort)0);
        writer.WriteU16(0);
        writer.WriteU32(0);
        if (first)
        {
            writer.WriteBytes(question);
            writer.RememberName(HeaderFlags.HeaderLength, zone.Origin);
        }
        int written = 0;
        while (_phase < 3)
        {
            int mark = writer.Position;
            WriteCurrent(ref writer);
            if (writer.Overflowed)
            {
                writer.RollBack(mark);
                if (written == 0)
                    return -1;
                break;
            }
            written++;
            Advance();
        }
        writer.PatchU16(6, (ushort)written);
        Messages++;
        Records += written;
        return writer.Position;
    }

    private void WriteCurrent(ref MessageWriter writer)
    {
        if (_phase != 1)
        {
            var soa = zone.Soa;
            ResponseWriter.WriteRecord(ref writer, soa.Owner.Span, RecordType.SOA, soa.Ttl, soa.Records[0]);
            return;
        }
        var node = new ZoneNode(zone, _node);
        var set = node.Sets[_set];
        ResponseWriter.WriteRecord(ref writer, node.Name.Span, set.Type, set.Ttl, set.Records[_record]);
    }

    // Moves to the next record to send: through the nodes in order, skipping the apex SOA and empty nodes.
    private void Advance()
    {
        if (_phase != 1)
        {
            _phase++;
            if (_phase == 1)
                SkipToRecord(fromStart: true);
            return;
        }
        _record++;
        SkipToRecord(fromStart: false);
    }

    private void SkipToRecord(bool fromStart)
    {
        if (fromStart)
            (_node, _set, _record) = (0, 0, 0);
        for (; _node < zone.NodeCount; _node++, _set = 0, _record = 0)
        {
            var sets = new ZoneNode(zone, _node).Sets;
            for (; _set < sets.Count; _set++, _record = 0)
            {
                var set = sets[_set];
                if (set.Type == RecordType.SOA && IsApex(_node))
                    continue; // sent first and last
                if (_record < set.Records.Count)
                    return;
            }
        }
        _phase = 2;
    }

    private bool IsApex(int node) => new ZoneNode(zone, node).Name.Length == zone.Origin.Length;
}
