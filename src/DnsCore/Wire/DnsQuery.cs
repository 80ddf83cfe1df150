namespace MiniDns.Wire;

/// <summary>
/// A query as read from the receive buffer. The question name is kept twice: as received (for the byte-exact
/// echo, RFC 1035 4.1.2) and lowercased (for lookups). Reused per receive loop: reading overwrites it.
/// </summary>
public sealed class DnsQuery
{
    public ushort Id { get; internal set; }
    public ushort Flags { get; internal set; }
    public int Opcode => (Flags & HeaderFlags.OpcodeMask) >> HeaderFlags.OpcodeShift;
    public bool RecursionDesired => (Flags & HeaderFlags.RD) != 0;

    /// <summary>Offset and length of the whole question entry (name, type, class) in the received message.</summary>
    public int QuestionOffset { get; internal set; }
    public int QuestionLength { get; internal set; }

    internal readonly byte[] NameBuffer = new byte[DnsName.MaxLength];
    public int NameLength { get; internal set; }

    /// <summary>The question name, lowercased, in uncompressed wire form.</summary>
    public ReadOnlySpan<byte> Name => NameBuffer.AsSpan(0, NameLength);
    public ushort Type { get; internal set; }
    public ushort Class { get; internal set; }

    /// <summary>True when the query carried an OPT record (RFC 6891).</summary>
    public bool HasEdns { get; internal set; }
    public ushort EdnsPayloadSize { get; internal set; }
    public byte EdnsVersion { get; internal set; }
    public bool DnssecOk { get; internal set; }

    /// <summary>The COOKIE option (RFC 7873) as received: 8 octets of client cookie, then 0 or 8 to 32 of server cookie; 0 when absent.</summary>
    internal readonly byte[] CookieBuffer = new byte[40];
    public int CookieLength { get; internal set; }
    public ReadOnlySpan<byte> ClientCookie => CookieBuffer.AsSpan(0, Math.Min(CookieLength, ServerCookies.ClientCookieLength));
    public ReadOnlySpan<byte> ServerCookie => CookieLength > ServerCookies.ClientCookieLength ? CookieBuffer.AsSpan(ServerCookies.ClientCookieLength, CookieLength - ServerCookies.ClientCookieLength) : [];

    /// <summary>True when the query's server cookie is one we made for this client (RFC 9018): it has talked to us before.</summary>
    public bool HasValidServerCookie { get; internal set; }

    /// <summary>The COOKIE option to answer with (client cookie and a fresh server cookie), 0 octets for none.</summary>
    /// <summary>Why the reader answered FORMERR; <see cref="ResponseReason.None"/> for a query it read.</summary>
    public ResponseReason Malformed { get; internal set; }

    internal readonly byte[] ResponseCookie = new byte[ServerCookies.ClientCookieLength + ServerCookies.ServerCookieLength];
    public int ResponseCookieLength { get; internal set; }
}
