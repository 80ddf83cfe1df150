using System.Net;
using System.Net.Sockets;
using MiniDns.Wire;

namespace MiniDns.Server;

/// <summary>
/// Response rate limiting (RRL) for UDP, as NSD, Knot and BIND do it, against reflection and amplification
/// with spoofed sources: responses are counted in buckets keyed by the client's prefix (/24 IPv4, /56 IPv6)
/// and by what the response is: the same answer (name, or the wildcard it came from, and type), NXDOMAIN or NODATA of one zone, a referral to
/// one delegation, or an error. A bucket earns <c>rate</c> responses a second and spends one per response; it
/// can go into debt down to <c>rate × window</c>, so a source that keeps flooding stays limited (the average
/// over the window, as BIND counts) while a client that asks at a normal pace never notices. A limited
/// response is dropped, except every <c>slip</c>-th, which goes out as an empty TC=1 reply so a real client
/// behind the prefix retries over TCP, which is never limited. A query with a valid server cookie (RFC 7873,
/// 9018) comes from a real address and is never limited.
/// <para>
/// The table is fixed-size and direct-mapped: a bucket whose slot is taken by another key reuses it, so memory
/// is bounded whatever the sources. It is shared by the receive loops without locks: a lost update between two
/// cores only makes a limit briefly more lenient. Deciding allocates nothing.
/// </para>
/// </summary>
public sealed class ResponseRateLimiter
{
    private readonly Bucket[] _table;
    private readonly int _rate;
    private readonly int _slip;
    private readonly int _floor;
    private readonly IPNetwork[] _exempt;

    public ResponseRateLimiter(int rate, int slip, int windowSeconds, IReadOnlyList<IPNetwork> exempt, int tableSize = 1 << 16)
    {
        _rate = rate;
        _slip = slip;
        _floor = -rate * windowSeconds;
        _exempt = [.. exempt];
        _table = new Bucket[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)tableSize)];
    }

    public bool Enabled => _rate > 0;

    /// <summary>
    /// What to do with the response to <paramref name="context"/>'s message, from the client the context was
    /// given (<see cref="QueryContext.SetClient"/>). <paramref name="nowSeconds"/> is a monotonic clock.
    /// </summary>
    public RateDecision Decide(QueryContext context, long nowSeconds)
    {
        // A valid server cookie proves the source is not spoofed (RFC 7873): exempt, as BIND does.
        var address = context.ClientAddress;
        if (!Enabled || context.Query.HasValidServerCookie || address.Length == 0)
            return RateDecision.Send;
        if (_exempt.Length > 0 && IsExempt(address))
            return RateDecision.Send;
        ulong key = Key(address, context);
        ref var bucket = ref _table[(int)(key & (ulong)(_table.Length - 1))];
        int now = (int)nowSeconds;
        if (bucket.Key != key)
            bucket = new Bucket { Key = key, Second = now, Credit = _rate };
        else if (now != bucket.Second)
        {
            long earned = (long)(now - bucket.Second) * _rate;
            bucket.Credit = (int)Math.Min(_rate, bucket.Credit + earned);
            bucket.Second = now;
        }
        if (bucket.Credit > _floor)
            bucket.Credit--;
        if (bucket.Credit >= 0)
            return RateDecision.Send;
        if (_slip > 0 && ++bucket.Slipped >= _slip)
        {
            bucket.Slipped = 0;
            return RateDecision.Slip;
        }
        return RateDecision.Drop;
    }

    /// <summary>Rewrites a response in place as an empty truncated one: header and question, TC=1, no records.</summary>
    public static int WriteSlip(Span<byte> response, QueryContext context)
    {
        // Only an answered query's response carries the question; after a FORMERR or NOTIMP the buffer past
        // the header holds an earlier client's response, which must never go out.
        int question = context.LastResult == QueryParseResult.Ok ? context.Query.QuestionLength : 0;
        int length = HeaderFlags.HeaderLength + question;
        response[2] |= (byte)(HeaderFlags.TC >> 8);
        response.Slice(6, 6).Clear(); // ANCOUNT, NSCOUNT, ARCOUNT
        return length;
    }

    private bool IsExempt(ReadOnlySpan<byte> address)
    {
        foreach (var network in _exempt)
        {
            if (Contains(network, address))
                return true;
        }
        return false;
    }

    // IPNetwork.Contains would need an IPAddress, an allocation per datagram: compare the octets instead.
    private static bool Contains(IPNetwork network, ReadOnlySpan<byte> address)
    {
        Span<byte> base_ = stackalloc byte[16];
        if (!network.BaseAddress.TryWriteBytes(base_, out int length) || length != address.Length)
            return false;
        int bits = network.PrefixLength, whole = bits / 8;
        if (!address[..whole].SequenceEqual(base_[..whole]))
            return false;
        int rest = bits % 8;
        return rest == 0 || ((address[whole] ^ base_[whole]) & (0xFF << (8 - rest)) & 0xFF) == 0;
    }

    // The bucket a response falls in: the client's network (the first 3 octets of IPv4, the first 7 of
    // IPv6: NSD's rrl-ipv4/6-prefix-length), the kind, and the name that kind is counted by.
    private static ulong Key(ReadOnlySpan<byte> address, QueryContext context)
    {
        ulong hash = 14695981039346656037UL; // FNV-1a, 64-bit
        hash = (hash ^ (byte)address.Length) * 1099511628211UL;
        foreach (byte b in address[..(address.Length == 4 ? 3 : 7)])
            hash = (hash ^ b) * 1099511628211UL;
        var kind = Classify(context, out var name, out ushort type);
        hash = (hash ^ (byte)kind) * 1099511628211UL;
        hash = (hash ^ type) * 1099511628211UL;
        foreach (byte b in name)
            hash = (hash ^ DnsName.LowerAscii(b)) * 1099511628211UL;
        return hash | 1; // never 0, the key of an unused bucket
    }

    private static ResponseKind Classify(QueryContext context, out ReadOnlySpan<byte> name, out ushort type)
    {
        name = [];
        type = (ushort)context.LastRcode;
        if (context.LastResult != QueryParseResult.Ok)
            return ResponseKind.Error;
        var plan = context.Plan;
        var query = context.Query;
        switch (plan.Rcode)
        {
            case ResponseCode.NoError when plan.Answer.Count > 0:
                // Random names under a wildcard share the wildcard's bucket (as NSD counts them).
                name = plan.WildcardSource.IsEmpty ? query.Name : plan.WildcardSource.Span;
                type = query.Type;
                return ResponseKind.Answer;
            case ResponseCode.NoError when !plan.Authoritative && plan.Authority.Count > 0:
                name = plan.Authority[0].Owner.Span; // the delegation
                return ResponseKind.Referral;
            case ResponseCode.NoError or ResponseCode.NxDomain:
                // Counted per zone (the SOA's owner), so random names under one zone share one bucket.
                name = plan.Authority.Count > 0 ? plan.Authority[0].Owner.Span : query.Name;
                return plan.Rcode == ResponseCode.NxDomain ? ResponseKind.NxDomain : ResponseKind.NoData;
            default:
                return ResponseKind.Error;
        }
    }

    private enum ResponseKind : byte
    {
        Answer = 1,
        NxDomain,
        NoData,
        Referral,
        Error,
    }

    private struct Bucket
    {
        public ulong Key;
        public int Second;
        public int Credit;
        public int Slipped;
    }
}

public enum RateDecision
{
    Send,
    Slip,
    Drop,
}
