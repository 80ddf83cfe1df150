using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace MiniDns.Resolution;

/// <summary>
/// Who may recurse here (<c>--recursion-allow</c>), and the cache their questions are answered from on the
/// receive loop. The allow list is matched on the client's address octets, so the check allocates nothing.
/// </summary>
public sealed class RecursionAccess
{
    private readonly (byte[] Prefix, int Bits)[] _v4, _v6;

    public RecursionAccess(IReadOnlyList<IPNetwork> allowed, ResolverCache cache, int maxRestarts)
    {
        Allowed = allowed;
        Cache = cache;
        MaxRestarts = maxRestarts;
        _v4 = allowed.Where(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetwork).Select(n => (n.BaseAddress.GetAddressBytes(), n.PrefixLength)).ToArray();
        _v6 = allowed.Where(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6).Select(n => (n.BaseAddress.GetAddressBytes(), n.PrefixLength)).ToArray();
    }

    public IReadOnlyList<IPNetwork> Allowed { get; }
    public ResolverCache Cache { get; }
    public int MaxRestarts { get; }

    /// <summary>True when the address (4 or 16 octets; an IPv4-mapped IPv6 address counts as IPv4) is on the list.</summary>
    public bool Allows(ReadOnlySpan<byte> address)
    {
        if (address.Length == 16 && BinaryPrimitives.ReadUInt64BigEndian(address) == 0 && BinaryPrimitives.ReadUInt32BigEndian(address[8..]) == 0xFFFF)
            address = address[12..];
        var networks = address.Length == 4 ? _v4 : address.Length == 16 ? _v6 : [];
        foreach (var (prefix, bits) in networks)
        {
            if (Matches(address, prefix, bits))
                return true;
        }
        return false;
    }

    private static bool Matches(ReadOnlySpan<byte> address, byte[] prefix, int bits)
    {
        int whole = bits / 8;
        if (!address[..whole].SequenceEqual(prefix.AsSpan(0, whole)))
            return false;
        int rest = bits % 8;
        if (rest == 0)
            return true;
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (address[whole] & mask) == (prefix[whole] & mask);
    }
}
