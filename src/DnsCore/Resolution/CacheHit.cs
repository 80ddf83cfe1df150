namespace MiniDns.Resolution;

/// <summary>What the cache holds for a name and type.</summary>
public enum CacheHitKind : byte
{
    Positive,
    /// <summary>The name exists but has no data of the type (RFC 2308 2.2).</summary>
    NoData,
    /// <summary>The name does not exist (RFC 2308 2.1), whatever the type.</summary>
    NxDomain,
}

/// <summary>
/// A live cache entry: the set (positive) or the zone's SOA (negative; may be absent), with the TTL left.
/// <see cref="Refresh"/>: the set is in the last tenth of its TTL, and this caller is the one to fetch it
/// again. A struct over immutable sets, so a hit on the receive loop allocates nothing.
/// </summary>
public readonly record struct CacheHit(CacheHitKind Kind, RRsetData? Set, RRsetData? Soa, uint TtlLeft, bool Refresh = false);
