using System.Net;

namespace MiniDns.Resolution;

/// <summary>
/// How the resolver finds answers and where it stops. The limits against loops and amplification
/// (NXNSAttack) have BIND's and Unbound's defaults; past one the answer is SERVFAIL with an Extended DNS Error.
/// </summary>
public sealed record ResolverOptions
{
    /// <summary>Forward every question to these, in order of measured response time; empty: iterate from the root.</summary>
    public IReadOnlyList<IPEndPoint> Forwarders { get; init; } = [];

    /// <summary>Names at or below a domain go to its forwarders (the longest domain wins), iterating or not.</summary>
    public IReadOnlyList<(byte[] Domain, IReadOnlyList<IPEndPoint> Servers)> ForwardZones { get; init; } = [];

    /// <summary>The root servers' names and addresses to start from; null: the IANA root servers.</summary>
    public IReadOnlyList<(byte[] Name, IPAddress Address)>? RootHints { get; init; }

    /// <summary>The port asked on servers found by iteration (53; tests run a hierarchy on another).</summary>
    public int UpstreamPort { get; init; } = 53;

    /// <summary>Ask each zone's servers only for the next label (RFC 9156), relaxed: fall back to the full name.</summary>
    public bool QnameMinimisation { get; init; } = true;

    /// <summary>Random letter case in upstream questions, and the reply must echo it (draft-vixie-dnsext-dns0x20).</summary>
    public bool Use0x20 { get; init; }

    public int MaxDependencyDepth { get; init; } = 7;
    public int MaxReferrals { get; init; } = 30;
    public int MaxRestarts { get; init; } = 11;
    public int MaxUpstreamQueries { get; init; } = 50;
    public int MaxNsNames { get; init; } = 13;
    public TimeSpan TryTimeout { get; init; } = TimeSpan.FromMilliseconds(1500);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
