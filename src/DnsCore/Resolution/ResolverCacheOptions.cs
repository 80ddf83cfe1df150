namespace MiniDns.Resolution;

/// <summary>
/// The cache's bounds: its size in bytes (users of entry-count limits cannot tell what a count costs), and
/// the floor and ceilings of the TTLs it keeps (Unbound's cache-min-ttl, cache-max-ttl, cache-max-negative-ttl).
/// </summary>
public sealed record ResolverCacheOptions
{
    public long MaxBytes { get; init; } = 64L << 20;
    public uint MaxTtl { get; init; } = 86400;
    public uint MaxNegativeTtl { get; init; } = 3600;
    public uint MinTtl { get; init; }

    /// <summary>How long past its TTL an entry is kept to answer when resolution fails (RFC 8767); zero: not at all.</summary>
    public TimeSpan StaleWindow { get; init; }
}
