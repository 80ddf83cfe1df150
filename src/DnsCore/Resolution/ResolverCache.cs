using System.Diagnostics.CodeAnalysis;
using MiniDns.Wire;

namespace MiniDns.Resolution;

/// <summary>
/// The resolver's cache of RRsets and negative answers, bounded by bytes and evicting the least recently
/// used. Keyed by type and lower-cased name, looked up by span: a hit on a receive loop allocates nothing.
/// TTLs count down from the moment of storing; an expired entry is a miss. A TTL of 0 is never cached
/// (RFC 1035 3.2.1). Safe for any number of readers and writers: calls run one at a time, and each is short.
/// </summary>
public sealed class ResolverCache
{
    // One entry per name and type, the NXDOMAIN of a name under type 0. The fields are ordered by size, so
    // the object takes 80 bytes: with the set, about 200 bytes per cached A record in all.
    private sealed class Entry
    {
        public RRsetData? Set;
        public RRsetData? Soa;
        // A negative entry's name; a positive one's is its set's owner, not kept twice.
        public byte[]? NegativeName;
        public Entry? Newer, Older;
        public long ExpiresMs;
        public uint Ttl;
        public ushort Type;
        public CacheHitKind Kind;
        public CacheRank Rank;
        public bool Refreshing;

        public ReadOnlySpan<byte> Name => Set is { } set ? set.Owner.Span : NegativeName;

        // What the entry keeps alive, for the byte bound: itself, its share of the table, its sets or name.
        public int Size => 100 + (Set?.Size ?? NegativeName!.Length + 24) + (Soa?.Size ?? 0);
    }

    // Entries are their own keys (name and type), looked up by a span of the name: a hit allocates nothing.
    private readonly HashSet<Entry> _entries = new(KeyComparer.Instance);
    private readonly HashSet<Entry>.AlternateLookup<EntryKey> _byKey;
    private readonly Func<long> _clockMs;
    private readonly Lock _gate = new();
    private Entry? _newest, _oldest;

    public ResolverCache(ResolverCacheOptions options, Func<long>? clockMs = null)
    {
        Options = options;
        _clockMs = clockMs ?? (() => Environment.TickCount64);
        _byKey = _entries.GetAlternateLookup<EntryKey>();
    }

    private readonly ref struct EntryKey(ReadOnlySpan<byte> name, ushort type)
    {
        public ReadOnlySpan<byte> Name { get; } = name;
        public ushort Type { get; } = type;

        // HashCode is seeded per process, which blunts hash flooding.
        public static int Hash(ReadOnlySpan<byte> name, ushort type)
        {
            var hash = new HashCode();
            hash.AddBytes(name);
            hash.Add(type);
            return hash.ToHashCode();
        }
    }

    private sealed class KeyComparer : IEqualityComparer<Entry>, IAlternateEqualityComparer<EntryKey, Entry>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(Entry? x, Entry? y) => x is null ? y is null : y is not null && x.Type == y.Type && x.Name.SequenceEqual(y.Name);
        public int GetHashCode(Entry entry) => EntryKey.Hash(entry.Name, entry.Type);
        public bool Equals(EntryKey key, Entry entry) => key.Type == entry.Type && key.Name.SequenceEqual(entry.Name);
        public int GetHashCode(EntryKey key) => EntryKey.Hash(key.Name, key.Type);
        public Entry Create(EntryKey key) => throw new NotSupportedException("entries are added whole");
    }

    public ResolverCacheOptions Options { get; }

    public long Bytes { get; private set; }
    public int Count { get { lock (_gate) return _entries.Count; } }
    public long Hits { get; private set; }
    public long Misses { get; private set; }
    public long Evictions { get; private set; }

    /// <summary>
    /// The live entry for the name and type: the set, a NODATA for the type, or an NXDOMAIN for the name.
    /// <paramref name="counted"/> false for a probe (is there a CNAME?) that should not count as a hit or miss.
    /// </summary>
    public bool TryGet(ReadOnlySpan<byte> name, ushort type, out CacheHit hit, bool counted = true) =>
        TryGet(name, type, out hit, counted, stale: false);

    /// <summary>
    /// As <see cref="TryGet(ReadOnlySpan{byte}, ushort, out CacheHit, bool)"/>, but an entry expired less than the stale
    /// window ago counts too, with a TTL of <see cref="StaleTtl"/> (RFC 8767 4): for when resolving failed.
    /// </summary>
    public bool TryGetStale(ReadOnlySpan<byte> name, ushort type, out CacheHit hit) => TryGet(name, type, out hit, counted: false, stale: true);

    /// <summary>The TTL of a stale answer (RFC 8767 4: 30 seconds).</summary>
    public const uint StaleTtl = 30;

    private bool TryGet(ReadOnlySpan<byte> name, ushort type, out CacheHit hit, bool counted, bool stale)
    {
        Span<byte> lower = stackalloc byte[DnsName.MaxLength];
        var key = Lower(name, lower);
        long now = _clockMs();
        lock (_gate)
        {
            if ((Live(key, type, now, stale) ?? Live(key, NxDomainType, now, stale)) is { } entry)
            {
                if (counted)
                    Hits++;
                Touch(entry);
                uint left = entry.ExpiresMs > now ? TtlLeft(entry, now) : StaleTtl;
                hit = new CacheHit(entry.Kind, entry.Set, entry.Soa, left, Refresh: ShouldRefresh(entry, left));
                return true;
            }
            if (counted)
                Misses++;
        }
        hit = default;
        return false;
    }

    /// <summary>A live positive set, for the resolver's own use (NS and addresses of servers); not counted as a hit.</summary>
    public RRsetData? GetSet(ReadOnlySpan<byte> name, ushort type)
    {
        Span<byte> lower = stackalloc byte[DnsName.MaxLength];
        var key = Lower(name, lower);
        lock (_gate)
            return Live(key, type, _clockMs()) is { Kind: CacheHitKind.Positive } entry ? entry.Set!.WithTtl(TtlLeft(entry, _clockMs())) : null;
    }

    /// <summary>
    /// Keeps a set for its TTL (<see cref="Clamp"/>) unless a live set of a higher rank is there; returns the set
    /// with that TTL, which is what the client is told too.
    /// </summary>
    public RRsetData Store(RRsetData set, CacheRank rank)
    {
        uint ttl = set.Ttl == 0 ? 0 : Clamp(set.Ttl);
        var kept = set.WithTtl(ttl);
        if (ttl == 0 || set.Count == 0 || RecordType.IsQuestionOnly(set.Type) || set.Type == NxDomainType)
            return kept;
        Put(set.Owner.Span, set.Type, CacheHitKind.Positive, kept, null, rank, ttl);
        return kept;
    }

    /// <summary>
    /// Keeps a negative answer (RFC 2308 5): NXDOMAIN for the name, whatever the type, or NODATA for
    /// <paramref name="type"/>, for <paramref name="ttl"/> (the SOA's TTL or MINIMUM, the lower) within the
    /// negative ceiling. NXDOMAIN is kept under type 0, which no NODATA may take: found by attack, a NODATA
    /// for a question of TYPE0 was read back as NXDOMAIN for every type of the name.
    /// </summary>
    public void StoreNegative(ReadOnlySpan<byte> name, ushort type, bool nxDomain, RRsetData? soa, uint ttl)
    {
        ttl = Math.Min(Math.Max(ttl, Options.MinTtl), Options.MaxNegativeTtl);
        if (ttl == 0 || !nxDomain && (type == NxDomainType || RecordType.IsQuestionOnly(type)))
            return;
        Span<byte> lower = stackalloc byte[DnsName.MaxLength];
        Put(Lower(name, lower), nxDomain ? NxDomainType : type, nxDomain ? CacheHitKind.NxDomain : CacheHitKind.NoData, null, soa?.WithTtl(ttl), CacheRank.Authoritative, ttl);
    }

    // The key type of an NXDOMAIN entry: 0, a type no record has (RFC 6895 3.1).
    private const ushort NxDomainType = 0;

    /// <summary>The TTL a set is kept and answered with: RFC 2181 8 (a TTL with the top bit set is 0), then the floor and ceiling.</summary>
    public uint Clamp(uint ttl) => ttl > int.MaxValue ? 0 : Math.Clamp(ttl, Options.MinTtl, Options.MaxTtl);

    /// <summary>Drops every entry, or those of one name, or of a name and everything below it; returns how many.</summary>
    public int Flush(ReadOnlySpan<byte> name = default, bool subtree = false)
    {
        var lower = name.IsEmpty ? null : DnsName.ToLowerCopy(name);
        lock (_gate)
        {
            var doomed = _entries.Where(e => lower is null || Matches(e.Name, lower, subtree)).ToList();
            foreach (var entry in doomed)
                Remove(entry);
            return doomed.Count;
        }
    }

    /// <summary>The live entries (of one name, or below it), for <c>minidns cache dump</c>: "name TTL type data" lines.</summary>
    public IReadOnlyList<string> Dump(ReadOnlySpan<byte> name = default, bool subtree = false)
    {
        var lower = name.IsEmpty ? null : DnsName.ToLowerCopy(name);
        long now = _clockMs();
        var lines = new List<string>();
        lock (_gate)
        {
            foreach (var entry in _entries)
            {
                if (entry.ExpiresMs <= now || lower is not null && !Matches(entry.Name, lower, subtree))
                    continue;
                uint left = TtlLeft(entry, now);
                string owner = NameText.Format(entry.Name);
                ushort type = entry.Type;
                if (entry.Kind == CacheHitKind.Positive)
                    foreach (var data in entry.Set!.Records)
                        lines.Add($"{owner} {left} IN {RecordType.ToText(type)} {RdataText.Format(type, data)}");
                else
                    lines.Add($"{owner} {left} IN {(type == NxDomainType ? "ANY" : RecordType.ToText(type))} ; {(entry.Kind == CacheHitKind.NxDomain ? "NXDOMAIN" : "NODATA")}");
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    // The owner is lower case already.
    private void Put(ReadOnlySpan<byte> owner, ushort type, CacheHitKind kind, RRsetData? set, RRsetData? soa, CacheRank rank, uint ttl)
    {
        long now = _clockMs();
        lock (_gate)
        {
            if (_byKey.TryGetValue(new EntryKey(owner, type), out var entry))
            {
                if (entry.ExpiresMs > now && entry.Rank > rank)
                    return;
                Bytes -= entry.Size;
                Unlink(entry);
                // The name stays the same bytes whichever field holds it, so the entry keeps its place in the table.
                entry.NegativeName = set is null ? entry.NegativeName ?? owner.ToArray() : null;
            }
            else
            {
                entry = new Entry { Type = type, NegativeName = set is null ? owner.ToArray() : null, Set = set };
                _entries.Add(entry);
            }
            entry.Kind = kind;
            entry.Set = set;
            entry.Soa = soa;
            entry.Rank = rank;
            entry.ExpiresMs = now + ttl * 1000L;
            entry.Ttl = ttl;
            entry.Refreshing = false;
            Bytes += entry.Size;
            LinkNewest(entry);
            while (Bytes > Options.MaxBytes && _oldest is { } oldest && oldest != entry)
            {
                Remove(oldest);
                Evictions++;
            }
        }
    }

    // The entry if it lives (or, for a stale lookup, expired within the stale window). An expired one is
    // dropped once it is past the window too.
    private Entry? Live(ReadOnlySpan<byte> name, ushort type, long now, bool stale = false)
    {
        if (!_byKey.TryGetValue(new EntryKey(name, type), out var entry))
            return null;
        if (entry.ExpiresMs > now)
            return entry;
        if (entry.ExpiresMs + (long)Options.StaleWindow.TotalMilliseconds > now)
            return stale ? entry : null;
        Remove(entry);
        return null;
    }

    private static uint TtlLeft(Entry entry, long now) => (uint)((entry.ExpiresMs - now + 999) / 1000);

    // Prefetch (as Unbound's prefetch: yes): a set asked for in the last tenth of its TTL is fetched again
    // before it expires, once, so a popular name never goes missing from the cache. Short TTLs are left to
    // expire: refreshing them would double the upstream traffic for little.
    private static bool ShouldRefresh(Entry entry, uint left)
    {
        if (entry.Refreshing || entry.Kind != CacheHitKind.Positive || entry.Ttl < MinRefreshTtl || left * 10 > entry.Ttl)
            return false;
        entry.Refreshing = true;
        return true;
    }

    /// <summary>The shortest TTL that is prefetched.</summary>
    public const uint MinRefreshTtl = 10;

    private static ReadOnlySpan<byte> Lower(ReadOnlySpan<byte> name, Span<byte> buffer)
    {
        var lower = buffer[..name.Length];
        name.CopyTo(lower);
        DnsName.ToLower(lower);
        return lower;
    }

    private static bool Matches(ReadOnlySpan<byte> entryName, byte[] name, bool subtree) =>
        subtree ? DnsName.IsSubdomainOf(entryName, name) : entryName.SequenceEqual(name);

    private void Touch(Entry entry)
    {
        if (entry == _newest)
            return;
        Unlink(entry);
        LinkNewest(entry);
    }

    private void Remove(Entry entry)
    {
        Unlink(entry);
        _entries.Remove(entry);
        Bytes -= entry.Size;
    }

    private void LinkNewest(Entry entry)
    {
        entry.Older = _newest;
        entry.Newer = null;
        if (_newest is not null)
            _newest.Newer = entry;
        _newest = entry;
        _oldest ??= entry;
    }

    private void Unlink(Entry entry)
    {
        if (entry.Newer is not null)
            entry.Newer.Older = entry.Older;
        else if (_newest == entry)
            _newest = entry.Older;
        if (entry.Older is not null)
            entry.Older.Newer = entry.Newer;
        else if (_oldest == entry)
            _oldest = entry.Newer;
        entry.Newer = entry.Older = null;
    }
}
