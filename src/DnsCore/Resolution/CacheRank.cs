namespace MiniDns.Resolution;

/// <summary>
/// How far the cache trusts a set, by where it came from (RFC 2181 5.4.1): data of a lower rank never
/// replaces live data of a higher one, so a referral's glue cannot overwrite an authoritative answer.
/// </summary>
public enum CacheRank : byte
{
    /// <summary>An additional section's address records (glue).</summary>
    Additional = 1,
    /// <summary>The NS set of a referral, from the parent's side of the cut.</summary>
    Referral = 2,
    /// <summary>An answer from a server that did not set AA.</summary>
    Answer = 3,
    /// <summary>An answer or negative answer from the zone's own servers (AA set).</summary>
    Authoritative = 4,
}
