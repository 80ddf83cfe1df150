using MiniDns.Zones;

namespace MiniDns.Storage;

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
                if (change.AllRecords is not { } records)
                    continue;
                if (change.Unavailable && records.Count == 0)
                    zones.Add(ZoneBuilder.Placeholder(change.Origin));
                else if (change.Unavailable)
                    zones.Add(ZoneBuilder.Build(change.Origin, records).AsUnavailable());
                else
                    zones.Add(ZoneBuilder.Build(change.Origin, records));
                continue;
            }
            var old = current.Zones.FirstOrDefault(z => z.Origin.AsSpan().SequenceEqual(change.Origin))
                ?? throw new ZoneDataException([$"zone {Wire.NameText.Format(change.Origin)} changed but is not loaded"]);
            // A zone's availability changes only with the whole zone touched; anything else is read again in full.
            if (old.Unavailable || change.Unavailable)
                throw new ZoneDataException([$"zone {Wire.NameText.Format(change.Origin)} changed availability by names"]);
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

    /// <summary>A secondary zone not transferred yet or expired: served as SERVFAIL.</summary>
    public bool Unavailable { get; set; }
    public IReadOnlyList<ZoneRecord>? AllRecords { get; set; }
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

    /// <summary>The records each touched name has now; an empty list when the name is gone.</summary>
    public Dictionary<byte[], IReadOnlyList<ZoneRecord>> NameRecords { get; } = new(Wire.NameComparer.Instance);
}
