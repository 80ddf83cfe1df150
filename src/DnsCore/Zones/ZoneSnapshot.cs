using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// Every zone served, immutable. A new snapshot replaces the old one with one reference swap, so a query
/// sees the old zones or the new ones, never a mix.
/// </summary>
public sealed class ZoneSnapshot
{
    private readonly Dictionary<byte[], Zone>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public ZoneSnapshot(IEnumerable<Zone> zones, long version = 0)
    {
        var byOrigin = new Dictionary<byte[], Zone>(NameComparer.Instance);
        foreach (var zone in zones)
            byOrigin[zone.Origin] = zone;
        Zones = byOrigin.Values.ToArray();
        _lookup = byOrigin.GetAlternateLookup<ReadOnlySpan<byte>>();
        Version = version;
        RecordCount = Zones.Sum(z => z.RecordCount);
    }

    public static ZoneSnapshot Empty { get; } = new([]);

    public IReadOnlyList<Zone> Zones { get; }

    /// <summary>The store's change counter this snapshot was built from.</summary>
    public long Version { get; }
    public int RecordCount { get; }

    /// <summary>The zone with the longest origin that is <paramref name="name"/> or an ancestor of it.</summary>
    public Zone? FindZone(ReadOnlySpan<byte> lowercaseName)
    {
        int p = 0;
        while (true)
        {
            if (_lookup.TryGetValue(lowercaseName[p..], out var zone))
                return zone;
            if (lowercaseName[p] == 0)
                return null;
            p += 1 + lowercaseName[p];
        }
    }
}
