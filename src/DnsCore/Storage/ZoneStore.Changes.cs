using LiteDB;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// The change log: every committed edit records, under its change-counter value, the names (or whole
/// zones) it touched, so a reader that is a few edits behind re-reads those names instead of the store.
/// Only the last <see cref="KeptChanges"/> entries are kept; a reader further behind loads everything.
/// </summary>
public sealed partial class ZoneStore
{
    private const int KeptChanges = 256;

    private void TouchName(string zone, string name) => _touched.Add((zone, name));

    private void TouchZone(string zone) => _touched.Add((zone, null));

    private void LogChanges(long counter)
    {
        var items = new BsonArray(_touched.Distinct().Select(t => new BsonDocument { ["z"] = t.Zone, ["n"] = t.Name is null ? BsonValue.Null : t.Name }));
        _changes.Insert(new BsonDocument { ["_id"] = counter, ["c"] = items });
        _changes.DeleteMany(Query.LTE("_id", counter - KeptChanges));
    }

    /// <summary>
    /// What changed after <paramref name="version"/>, read in one transaction with the content of every
    /// touched name, or null when the log no longer covers that far back (the caller loads everything).
    /// </summary>
    public StoreChanges? ReadChangesSince(long version) => Guard(() =>
    {
        _db.BeginTrans();
        try
        {
            long current = ReadChangeCounter();
            var entries = _changes.Find(Query.GT("_id", version)).ToList();
            if (entries.Count != current - version || entries.Any(e => e["_id"].AsInt64 > current))
                return null;
            var zones = new Dictionary<string, ZoneChange>(StringComparer.Ordinal);
            foreach (var item in entries.SelectMany(e => e["c"].AsArray).Select(i => i.AsDocument))
            {
                string zone = item["z"].AsString;
                if (!zones.TryGetValue(zone, out var change))
                    zones[zone] = change = new ZoneChange(ParseName(zone));
                if (item["n"].IsNull)
                    change.Whole = true;
                else
                    change.Names.Add(item["n"].AsString);
            }
            foreach (var (key, change) in zones)
            {
                bool exists = _zones.FindById(key) is not null;
                if (change.Whole)
                    change.AllRecords = exists ? ZoneRecords(key) : null;
                else
                    foreach (var name in change.Names)
                    {
                        var wire = ParseName(name);
                        change.NameRecords[wire] = ReadName(key, wire);
                    }
            }
            return new StoreChanges(current, zones);
        }
        finally
        {
            _db.Rollback();
        }
    });
}

/// <summary>The edits a reader has not seen yet, by zone.</summary>
public sealed record StoreChanges(long Version, IReadOnlyDictionary<string, ZoneChange> Zones)
{
    /// <summary>
    /// A new snapshot: zones nobody touched are reused as they are; a zone with a few changed names is
    /// rebuilt from the old zone and those names' records (<see cref="ZoneBuilder.Rebuild"/>), without reading
    /// the rest of the store.
    /// </summary>
    public ZoneSnapshot ApplyTo(ZoneSnapshot current)
    {
        var zones = new List<Zone>();
        foreach (var zone in current.Zones)
        {
            if (!Zones.ContainsKey(Wire.NameText.Format(zone.Origin)))
                zones.Add(zone);
        }
        foreach (var change in Zones.Values)
        {
            if (change.Whole)
            {
                if (change.AllRecords is not null)
                    zones.Add(ZoneBuilder.Build(change.Origin, change.AllRecords));
                continue;
            }
            var old = current.Zones.FirstOrDefault(z => z.Origin.AsSpan().SequenceEqual(change.Origin))
                ?? throw new ZoneDataException([$"zone {Wire.NameText.Format(change.Origin)} changed but is not loaded"]);
            zones.Add(ZoneBuilder.Rebuild(old, change.NameRecords));
        }
        return new ZoneSnapshot(zones, Version);
    }
}

/// <summary>One zone's part of <see cref="StoreChanges"/>: either the whole zone, or some of its names.</summary>
public sealed class ZoneChange(byte[] origin)
{
    public byte[] Origin { get; } = origin;

    /// <summary>The zone was imported, replaced, added or removed: <see cref="AllRecords"/> is its content (null: removed).</summary>
    public bool Whole { get; set; }
    public IReadOnlyList<ZoneRecord>? AllRecords { get; set; }
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

    /// <summary>The records each touched name has now; an empty list when the name is gone.</summary>
    public Dictionary<byte[], IReadOnlyList<ZoneRecord>> NameRecords { get; } = new(Wire.NameComparer.Instance);
}
