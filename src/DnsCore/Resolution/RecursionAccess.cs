using System.Net;

namespace MiniDns.Resolution;

/// <summary>
/// Who may recurse here (<c>--recursion-allow</c>), and the cache their questions are answered from on the
/// receive loop. The allow list is matched on the client's address octets, so the check allocates nothing.
/// </summary>
public sealed class RecursionAccess(IReadOnlyList<IPNetwork> allowed, ResolverCache cache, int maxRestarts)
{
    private readonly NetworkList _allowed = new(allowed);

    public IReadOnlyList<IPNetwork> Allowed => allowed;
    public ResolverCache Cache { get; } = cache;
    public int MaxRestarts { get; } = maxRestarts;

    /// <summary>True when the address (4 or 16 octets; an IPv4-mapped IPv6 address counts as IPv4) is on the list.</summary>
    public bool Allows(ReadOnlySpan<byte> address) => _allowed.Contains(address);
}
