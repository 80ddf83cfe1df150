using MiniDns.Wire;

namespace MiniDns;

/// <summary>The reusable per-loop state of query processing, so the steady state allocates nothing.</summary>
public sealed class QueryContext
{
    public DnsQuery Query { get; } = new();
    public ResponsePlan Plan { get; } = new();
    public NameCompressor Compressor { get; } = new();

    /// <summary>Who may recurse, and the cache for them; null: no recursion here, names outside our zones are REFUSED.</summary>
    public Resolution.RecursionAccess? Recursion { get; set; }

    /// <summary>The last message is a cache miss of a client allowed to recurse: nothing was written, the resolver answers it.</summary>
    public bool LastNeedsResolution { get; internal set; }

    /// <summary>The last message was answered from the cache, and a set of it is due for prefetch: the resolver fetches it again.</summary>
    public bool LastNeedsRefresh { get; internal set; }

    /// <summary>The server's cookie secrets; null answers no cookies (RFC 7873: a server may not support them).</summary>
    public ServerCookies? Cookies { get; set; }

    private readonly byte[] _clientAddress = new byte[16];
    private int _clientAddressLength;

    /// <summary>The client's address octets (4 or 16), which server cookies are bound to.</summary>
    public ReadOnlySpan<byte> ClientAddress => _clientAddress.AsSpan(0, _clientAddressLength);

    /// <summary>Takes the client's address as its octets (4 or 16).</summary>
    public void SetClientAddress(ReadOnlySpan<byte> octets)
    {
        _clientAddressLength = octets.Length is 4 or 16 ? octets.Length : 0;
        octets[.._clientAddressLength].CopyTo(_clientAddress);
    }

    /// <summary>Takes the client's address from a native sockaddr_in or sockaddr_in6, without allocating.</summary>
    public void SetClient(ReadOnlySpan<byte> sockaddr)
    {
        int family = sockaddr.Length >= 2 ? sockaddr[0] | sockaddr[1] << 8 : 0; // sa_family_t in host order (Linux)
        if (family == 2 && sockaddr.Length >= 8)
        {
            sockaddr.Slice(4, 4).CopyTo(_clientAddress);
            _clientAddressLength = 4;
        }
        else if (family == 10 && sockaddr.Length >= 24)
        {
            sockaddr.Slice(8, 16).CopyTo(_clientAddress);
            _clientAddressLength = 16;
        }
        else
            _clientAddressLength = 0;
    }

    /// <summary>How the last message was read and answered, for counters and debug logs.</summary>
    public QueryParseResult LastResult { get; internal set; }
    public ResponseCode LastRcode { get; internal set; }
    public ResponseReason LastReason { get; internal set; }

    /// <summary>The last answer did not fit and went with TC=1 (RFC 2181 9).</summary>
    public bool LastTruncated { get; internal set; }
}
