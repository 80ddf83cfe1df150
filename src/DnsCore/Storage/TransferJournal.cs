using LiteDB;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// The IXFR journal (RFC 1995) in the store's <c>ixfr</c> collection: for each committed change of a zone,
/// the serial before and after and the records removed and added, written in the same transaction as the
/// change, so a secondary holding an earlier serial is sent the differences instead of the zone. Entries are
/// numbered in the order written (by whichever process owns the store then), and each zone's count and bytes
/// are kept in <c>ixfr_zones</c>, so trimming reads no entry it keeps. At least the last <c>keep</c> versions
/// of a zone are kept (a quarter more at most), and no more than <see cref="MaxZoneBytes"/> of them; a change
/// of more than <see cref="MaxEntryBytes"/> (a zone swapped whole), or removing or re-importing the zone without
/// its old content, ends the zone's journal: secondaries behind that point transfer the whole zone. Used
/// inside the store's transactions only.
/// </summary>
internal sealed class TransferJournal(ILiteCollection<BsonDocument> entries, ILiteCollection<BsonDocument> zones, int keep)
{
    /// <summary>The largest change one entry holds, in bytes of records (found by attack: LiteDB refuses a document past 16 MB).</summary>
    public const int MaxEntryBytes = 1 << 20;

    /// <summary>The most a zone's journal holds, in bytes of records; the oldest versions go first.</summary>
    public const long MaxZoneBytes = 16L << 20;

    // Per transaction: each touched name's records as they were before it (the first time it was touched),
    // and the zones replaced whole (null: no old content to diff against).
    private readonly Dictionary<string, Dictionary<byte[], IReadOnlyList<ZoneRecord>>> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ZoneRecord>?> _zones = new(StringComparer.Ordinal);

    public void Begin()
    {
        _names.Clear();
        _zones.Clear();
    }

    /// <summary>The records of a name before the transaction writes it.</summary>
    public void Before(string zone, byte[] name, IReadOnlyList<ZoneRecord> existing)
    {
        if (!_names.TryGetValue(zone, out var names))
            _names[zone] = names = new Dictionary<byte[], IReadOnlyList<ZoneRecord>>(NameComparer.Instance);
        names.TryAdd(name, existing);
    }

    /// <summary>The whole zone before the transaction replaces it; null when it is new or goes away (the journal ends).</summary>
    public void BeforeZone(string zone, IReadOnlyList<ZoneRecord>? existing) => _zones.TryAdd(zone, existing);

    /// <summary>Writes one entry per zone the transaction changed, reading what the names and zones hold now.</summary>
    public void Commit(Func<string, byte[], IReadOnlyList<ZoneRecord>> readName, Func<string, IReadOnlyList<ZoneRecord>?> readZone)
    {
        foreach (var (zone, before) in _zones)
        {
            if (before is null || readZone(zone) is not { } after)
                Drop(zone);
            else
                Write(zone, before, after);
        }
        foreach (var (zone, names) in _names)
        {
            if (_zones.ContainsKey(zone))
                continue;
            Write(zone, names.Values.SelectMany(r => r).ToList(), names.Keys.SelectMany(n => readName(zone, n)).ToList());
        }
    }

    private void Write(string zone, IReadOnlyList<ZoneRecord> before, IReadOnlyList<ZoneRecord> after)
    {
        var kept = new HashSet<ZoneRecord>(after);
        var removed = before.Where(r => !kept.Remove(r)).ToList();
        var added = kept.ToList();
        var oldSoa = removed.FirstOrDefault(r => r.Type == RecordType.SOA);
        var newSoa = added.FirstOrDefault(r => r.Type == RecordType.SOA);
        if (oldSoa is null || newSoa is null)
            return; // no serial change: nothing a secondary could ask for
        long bytes = removed.Concat(added).Sum(r => (long)r.Owner.Length + r.Data.Length + 10);
        if (bytes > MaxEntryBytes || !SoaSerial.IsAfter(SoaSerial.Read(newSoa.Data), SoaSerial.Read(oldSoa.Data)))
        {
            Drop(zone);
            return;
        }
        // Numbered in the order written: ObjectIds order by second and then by process, so entries two minidns
        // runs wrote in one second came back out of order (found by attack) and broke every chain through them.
        long id = NextId();
        entries.Insert(new BsonDocument
        {
            ["_id"] = id,
            ["z"] = zone,
            ["f"] = (long)SoaSerial.Read(oldSoa.Data),
            ["t"] = (long)SoaSerial.Read(newSoa.Data),
            ["b"] = bytes,
            ["r"] = Records(removed.Where(r => r.Type != RecordType.SOA).Prepend(oldSoa)),
            ["a"] = Records(added.Where(r => r.Type != RecordType.SOA).Prepend(newSoa)),
        });
        var summary = zones.FindById(zone) ?? new BsonDocument { ["_id"] = zone, ["n"] = 0, ["b"] = 0L };
        summary["n"] = summary["n"].AsInt32 + 1;
        summary["b"] = summary["b"].AsInt64 + bytes;
        // Trimmed a quarter past the bound at a time, to three quarters of the byte bound: finding the oldest
        // reads the zone's entries, which the summary spares every other edit.
        if (summary["n"].AsInt32 > keep + keep / 4 || summary["b"].AsInt64 > MaxZoneBytes)
        {
            var versions = entries.Find(Query.EQ("z", zone)).Select(e => (Id: e["_id"].AsInt64, Bytes: e["b"].AsInt64)).OrderBy(e => e.Id).ToList();
            long total = versions.Sum(e => e.Bytes);
            int drop = 0;
            while (drop < versions.Count - 1 && (versions.Count - drop > keep || total > MaxZoneBytes * 3 / 4))
                total -= versions[drop++].Bytes;
            foreach (var (old, _) in versions.Take(drop))
                entries.Delete(old);
            summary["n"] = versions.Count - drop;
            summary["b"] = total;
        }
        zones.Upsert(summary);
    }

    // One more than the last entry's number. A journal numbered otherwise (written by an earlier build) is
    // not ours to trust: it is dropped whole, and secondaries transfer whole zones until it fills again.
    private long NextId()
    {
        if (entries.Count() == 0)
            return 1;
        if (entries.Max("_id") is { IsInt64: true } last && entries.Min("_id").IsInt64)
            return last.AsInt64 + 1;
        entries.DeleteAll();
        zones.DeleteAll();
        return 1;
    }

    private void Drop(string zone)
    {
        entries.DeleteMany(Query.EQ("z", zone));
        zones.Delete(zone);
    }

    private static BsonArray Records(IEnumerable<ZoneRecord> records) =>
        new(records.Select(r => (BsonValue)new BsonDocument { ["o"] = r.Owner, ["y"] = (int)r.Type, ["l"] = (long)r.Ttl, ["d"] = r.Data }));

    private static List<ZoneRecord> Records(BsonValue array) =>
        array.AsArray.Select(v => v.AsDocument).Select(d => new ZoneRecord(d["o"].AsBinary, (ushort)d["y"].AsInt32, (uint)d["l"].AsInt64, d["d"].AsBinary)).ToList();

    /// <summary>The zone's entries, oldest first.</summary>
    public List<JournalEntry> Read(string zone) =>
        [.. entries.Find(Query.EQ("z", zone)).Where(e => e["_id"].IsInt64).OrderBy(e => e["_id"].AsInt64).Select(e => new JournalEntry((uint)e["f"].AsInt64, (uint)e["t"].AsInt64, Records(e["r"]), Records(e["a"])))];
}

/// <summary>
/// One version step of a zone: from serial <paramref name="From"/> to <paramref name="To"/>, the records
/// removed (the old SOA first) and added (the new SOA first), as an IXFR difference sequence has them.
/// </summary>
public sealed record JournalEntry(uint From, uint To, IReadOnlyList<ZoneRecord> Removed, IReadOnlyList<ZoneRecord> Added);
