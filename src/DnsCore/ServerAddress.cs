using System.Net;
using System.Net.Sockets;

namespace MiniDns;

/// <summary>
/// The address of a server we send to (a primary, a forwarder, a secondary to NOTIFY, a name server found by
/// resolution), as users write it and as the DNS hands it to us: never one no single server can have.
/// </summary>
public static class ServerAddress
{
    /// <summary>
    /// "ADDRESS", "ADDRESS:PORT", "[IPv6]" or "[IPv6]:PORT", port 53 when not given; an IPv4-mapped address as
    /// the IPv4 one it is; false for a port 0, an IPv4 address not written as four decimal numbers (127.1,
    /// 2130706433 and 0x7f.0.0.1 are addresses to the system's parser, and a typo's to us: found by attack),
    /// or an address that is not <see cref="IsUsable"/>.
    /// </summary>
    public static bool TryParse(string text, out IPEndPoint server)
    {
        // A bare IPv6 address is all colons; "[…]:PORT" carries a port, which IPAddress would drop.
        string bracketed = text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text;
        if ((bracketed != text || !text.StartsWith('[')) && IPAddress.TryParse(bracketed, out var bare)
            && (bare.AddressFamily == AddressFamily.InterNetworkV6 || !text.Contains(':')))
            server = new IPEndPoint(bare, 53);
        else if (!IPEndPoint.TryParse(text, out server!) || server.Port == 0)
            return false;
        if (server.AddressFamily == AddressFamily.InterNetwork && !IsDottedQuad(text.Split(':')[0]))
            return false;
        var address = server.Address.IsIPv4MappedToIPv6 ? server.Address.MapToIPv4() : server.Address;
        server = new IPEndPoint(address, server.Port);
        return IsUsable(address);
    }

    private static bool IsDottedQuad(string text)
    {
        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
    }

    /// <summary>
    /// False for what no single server has: "this network" (0.0.0.0/8) and :: (sent to, they reach this
    /// machine), the IPv4 broadcast address and multicast (found by attack: a primary, and NS addresses a
    /// zone may hold).
    /// </summary>
    public static bool IsUsable(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return !address.Equals(IPAddress.IPv6Any) && !address.IsIPv6Multicast;
        Span<byte> octets = stackalloc byte[4];
        address.TryWriteBytes(octets, out _);
        return octets[0] != 0 && octets[0] is < 224 or > 239 && !address.Equals(IPAddress.Broadcast);
    }
}
