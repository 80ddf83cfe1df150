using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Transfer;

/// <summary>The records of the transfers we send: a whole zone (AXFR, RFC 5936 2.2), its SOA, or its differences (IXFR, RFC 1995 4).</summary>
public static class TransferRecords
{
    /// <summary>The SOA, every other record of the zone in node order, and the SOA again; read from one immutable snapshot of it.</summary>
    public static IEnumerable<TransferRecord> Axfr(Zone zone)
    {
        var soa = Soa(zone);
        yield return soa;
        foreach (var node in CanonicalOrder.Nodes(zone))
        {
            bool apex = node.Name.Length == zone.Origin.Length;
            foreach (var set in node.Sets)
            {
                if (apex && set.Type == RecordType.SOA)
                    continue; // sent first and last
                var records = set.Records;
                int offset = 0;
                var packed = records.Packed;
                for (int i = 0; i < records.Count; i++)
                {
                    int length = packed.Span[offset] << 8 | packed.Span[offset + 1];
                    yield return new TransferRecord(node.Name, set.Type, set.Ttl, packed.Slice(offset + 2, length));
                    offset += 2 + length;
                }
            }
        }
        yield return soa;
    }

    /// <summary>The SOA alone: the answer to a secondary that is current (RFC 1995 2).</summary>
    public static IEnumerable<TransferRecord> SoaOnly(Zone zone) => [Soa(zone)];

    /// <summary>
    /// The differences from <paramref name="from"/> to the zone's serial, condensed into one sequence (the
    /// old SOA, what went, the new SOA, what came; RFC 1995 4 allows it), between two copies of the current
    /// SOA; null when the journal does not lead from that serial to exactly this one, or when the differences
    /// would be larger than the zone (the caller sends the whole zone).
    /// </summary>
    public static IEnumerable<TransferRecord>? Ixfr(Zone zone, IReadOnlyList<JournalEntry> journal, uint from)
    {
        // Back from the newest entry, which must end at the zone's serial, along an unbroken chain to the
        // client's serial: a serial that came round again (RFC 1982 wrap) is met on the newest chain first
        // (found by attack: walking forward from its first appearance sent an old chain's changes).
        int start = journal.Count - 1;
        if (start < 0 || journal[start].To != zone.Serial)
            return null;
        while (journal[start].From != from)
        {
            if (start == 0 || journal[start - 1].To != journal[start].From)
                return null;
            start--;
        }
        var removed = new HashSet<ZoneRecord>();
        var added = new HashSet<ZoneRecord>();
        for (int i = start; i < journal.Count; i++)
        {
            var entry = journal[i];
            // Net effect: a record added then removed again was never there for the client, and the reverse.
            foreach (var record in entry.Removed.Skip(1))
            {
                if (!added.Remove(record))
                    removed.Add(record);
            }
            foreach (var record in entry.Added.Skip(1))
            {
                if (!removed.Remove(record))
                    added.Add(record);
            }
        }
        if (removed.Count + added.Count > zone.RecordCount)
            return null;
        var soa = Soa(zone);
        return [soa, From(journal[start].Removed[0]), .. removed.Select(From), soa, .. added.Select(From), soa];
    }

    private static TransferRecord Soa(Zone zone) => new(zone.Origin, RecordType.SOA, zone.Soa.Ttl, zone.Soa.Records.Packed[2..]);

    private static TransferRecord From(ZoneRecord record) => new(record.Owner, record.Type, record.Ttl, record.Data);
}
