using LiteDB;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// The IXFR journal (RFC 1995) in the store's <c>ixfr</c> collection: for each committed change of a zone,
/// the serial before and after and the records removed and added, written in the same transaction as the
/// change, so a secondary holding an earlier serial is sent the differences instead of the zone. At least
/// the last <c>keep</c> versions of each zone are kept (at most a quarter more). A change of more than <see cref="MaxEntryRecords"/> records (a
/// zone swapped whole) ends the zone's journal, as does removing or re-importing the zone without its old
/// content: secondaries behind that point transfer the whole zone. Used inside the store's transactions only.
/// </summary>
internal sealed class TransferJournal(ILiteCollection<BsonDocument> entries, int keep)
{
    /// <summary>The most records one journal entry holds (removed and added together).</summary>
    public const int MaxEntryRecords = 100_000;

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
        if (removed.Count + added.Count > MaxEntryRecords || !SoaSerial.IsAfter(SoaSerial.Read(newSoa.Data), SoaSerial.Read(oldSoa.Data)))
        {
            Drop(zone);
            return;
        }
        entries.Insert(new BsonDocument
        {
            ["z"] = zone,
            ["f"] = (long)SoaSerial.Read(oldSoa.Data),
            ["t"] = (long)SoaSerial.Read(newSoa.Data),
            ["r"] = Records(removed.Where(r => r.Type != RecordType.SOA).Prepend(oldSoa)),
            ["a"] = Records(added.Where(r => r.Type != RecordType.SOA).Prepend(newSoa)),
        });
        // Trimmed a quarter past the bound at a time: finding the oldest reads the entries, counting does not.
        int count = entries.Count(Query.EQ("z", zone));
        if (count <= keep + keep / 4)
            return;
        var ids = entries.Find(Query.EQ("z", zone)).Select(e => e["_id"].AsObjectId).Order().ToList();
        foreach (var old in ids.Take(ids.Count - keep))
            entries.Delete(old);
    }

    private void Drop(string zone) => entries.DeleteMany(Query.EQ("z", zone));

    private static BsonArray Records(IEnumerable<ZoneRecord> records) =>
        new(records.Select(r => (BsonValue)new BsonDocument { ["o"] = r.Owner, ["y"] = (int)r.Type, ["l"] = (long)r.Ttl, ["d"] = r.Data }));

    private static List<ZoneRecord> Records(BsonValue array) =>
        array.AsArray.Select(v => v.AsDocument).Select(d => new ZoneRecord(d["o"].AsBinary, (ushort)d["y"].AsInt32, (uint)d["l"].AsInt64, d["d"].AsBinary)).ToList();

    /// <summary>The zone's entries, oldest first.</summary>
    public List<JournalEntry> Read(string zone) =>
        [.. entries.Find(Query.EQ("z", zone)).OrderBy(e => e["_id"].AsObjectId).Select(e => new JournalEntry((uint)e["f"].AsInt64, (uint)e["t"].AsInt64, Records(e["r"]), Records(e["a"])))];
}

/// <summary>
/// One version step of a zone: from serial <paramref name="From"/> to <paramref name="To"/>, the records
/// removed (the old SOA first) and added (the new SOA first), as an IXFR difference sequence has them.
/// </summary>
public sealed record JournalEntry(uint From, uint To, IReadOnlyList<ZoneRecord> Removed, IReadOnlyList<ZoneRecord> Added);
