using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace MiniDns;

/// <summary>
/// Networks a client's address is matched against (<c>--recursion-allow</c>, <c>--allow-transfer</c>), on
/// the address octets, so a check on a receive loop allocates nothing.
/// </summary>
public sealed class NetworkList
{
    private readonly (byte[] Prefix, int Bits)[] _v4, _v6;

    public NetworkList(IReadOnlyList<IPNetwork> networks)
    {
        Networks = networks;
        _v4 = networks.Where(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetwork).Select(n => (n.BaseAddress.GetAddressBytes(), n.PrefixLength)).ToArray();
        _v6 = networks.Where(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6).Select(n => (n.BaseAddress.GetAddressBytes(), n.PrefixLength)).ToArray();
    }

    public IReadOnlyList<IPNetwork> Networks { get; }

    /// <summary>True when the address (4 or 16 octets; an IPv4-mapped IPv6 address counts as IPv4) is on the list.</summary>
    public bool Contains(ReadOnlySpan<byte> address)
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
