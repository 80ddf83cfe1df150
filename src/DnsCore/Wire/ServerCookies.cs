using System.Buffers.Binary;

namespace MiniDns.Wire;

/// <summary>
/// DNS cookies (RFC 7873) with interoperable server cookies (RFC 9018): Version 1, three reserved octets,
/// a 32-bit timestamp (seconds since the epoch) and SipHash-2-4, under the server secret, of the client
/// cookie, those eight octets and the client's address. A cookie is accepted when made under the current
/// secret or the previous one (rotation: every server of an anycast set is given the new secret, the old
/// one kept as previous until cookies made with it have aged out) and is at most an hour old and at most
/// five minutes in the future (RFC 9018 4.3).
/// </summary>
public sealed class ServerCookies(byte[] secret, byte[]? previousSecret = null)
{
    public const int ClientCookieLength = 8;
    public const int ServerCookieLength = 16;
    private const byte Version = 1;
    private const long MaxAge = 3600, MaxSkew = 300;

    private readonly byte[] _secret = secret.Length == SipHash.KeyLength ? secret : throw new ArgumentException("a cookie secret is 16 octets");
    private readonly byte[]? _previous = previousSecret is null || previousSecret.Length == SipHash.KeyLength
        ? previousSecret : throw new ArgumentException("a cookie secret is 16 octets");

    /// <summary>Writes a fresh 16-octet server cookie for this client cookie and address into <paramref name="dest"/>.</summary>
    public void Write(Span<byte> dest, ReadOnlySpan<byte> clientCookie, ReadOnlySpan<byte> clientAddress, long now)
    {
        dest[0] = Version;
        dest[1] = dest[2] = dest[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(dest[4..], (uint)now);
        BinaryPrimitives.WriteUInt64BigEndian(dest[8..], Hash(_secret, clientCookie, dest[..8], clientAddress));
    }

    public bool IsValid(ReadOnlySpan<byte> serverCookie, ReadOnlySpan<byte> clientCookie, ReadOnlySpan<byte> clientAddress, long now)
    {
        if (serverCookie.Length != ServerCookieLength || serverCookie[0] != Version)
            return false;
        // Serial-number arithmetic on the 32-bit timestamp (RFC 9018 4.3), so 2106 is not a cliff.
        long age = (int)((uint)now - BinaryPrimitives.ReadUInt32BigEndian(serverCookie[4..]));
        if (age > MaxAge || age < -MaxSkew)
            return false;
        ulong hash = BinaryPrimitives.ReadUInt64BigEndian(serverCookie[8..]);
        return hash == Hash(_secret, clientCookie, serverCookie[..8], clientAddress)
            || (_previous is not null && hash == Hash(_previous, clientCookie, serverCookie[..8], clientAddress));
    }

    private static ulong Hash(byte[] secret, ReadOnlySpan<byte> clientCookie, ReadOnlySpan<byte> header, ReadOnlySpan<byte> clientAddress)
    {
        Span<byte> input = stackalloc byte[ClientCookieLength + 8 + 16];
        clientCookie.CopyTo(input);
        header.CopyTo(input[ClientCookieLength..]);
        clientAddress.CopyTo(input[(ClientCookieLength + 8)..]);
        // The hash's eight octets go on the wire in the order SipHash produces them (little-endian).
        return BinaryPrimitives.ReverseEndianness(SipHash.Hash24(secret, input[..(ClientCookieLength + 8 + clientAddress.Length)]));
    }
}
