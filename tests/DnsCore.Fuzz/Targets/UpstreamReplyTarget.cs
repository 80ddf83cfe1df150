using System.Net;
using MiniDns.Resolution;
using MiniDns.Wire;

namespace MiniDns.Fuzz.Targets;

/// <summary>
/// What the resolver does with a hostile upstream: every server it asks answers with the input, its ID set
/// to the query's and, when the input's first octet is even, the query's question spliced in after the
/// header (so the fuzzer reaches the referral, answer and negative-answer code, not only the match check).
/// A resolution must end, within its limits, in an answer whose RRsets follow the CNAME and DNAME chain from
/// the name asked, and never throw.
/// </summary>
public sealed class UpstreamReplyTarget : IFuzzTarget
{
    public string Name => "upstream";

    private static readonly byte[] Asked = [3, (byte)'w', (byte)'w', (byte)'w', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 3, (byte)'c', (byte)'o', (byte)'m', 0];

    public void Run(ReadOnlySpan<byte> input)
    {
        var reply = input.ToArray();
        var upstream = new ReplayUpstream(reply);
        var resolver = new Resolver(new ResolverCache(new ResolverCacheOptions { MaxBytes = 1 << 20 }), upstream, new ResolverOptions
        {
            RootHints = [(Asked[4..], IPAddress.Parse("192.0.2.1"))],
        });
        var answer = resolver.ResolveAsync(Asked, RecordType.A).GetAwaiter().GetResult();
        if (answer.Rcode is not (ResponseCode.NoError or ResponseCode.NxDomain or ResponseCode.YxDomain or ResponseCode.ServFail))
            throw new FuzzInvariantException($"the resolution ended in {answer.Rcode}");
        if (upstream.Queries > new ResolverOptions().MaxUpstreamQueries + 3)
            throw new FuzzInvariantException($"{upstream.Queries} upstream queries for one question");
        var name = DnsName.ToLowerCopy(Asked);
        foreach (var set in answer.Answer)
        {
            // A DNAME stands above the name it redirects; the CNAME made from it comes next, for the name.
            bool fits = set.Type == RecordType.DNAME
                ? set.Owner.Length < name.Length && DnsName.IsSubdomainOf(name, set.Owner.Span)
                : set.Owner.Span.SequenceEqual(name);
            if (!fits)
                throw new FuzzInvariantException($"an answer for {NameText.Format(set.Owner.Span)} where {NameText.Format(name)} was next in the chain");
            if (set.Type == RecordType.CNAME)
                name = DnsName.ToLowerCopy(set.First.Span);
        }
    }

    private sealed class ReplayUpstream(byte[] reply) : IUpstream
    {
        public int Queries { get; private set; }

        public Task<byte[]?> ExchangeAsync(IPEndPoint server, ReadOnlyMemory<byte> query, bool tcp, TimeSpan timeout, Func<byte[], bool> accept, CancellationToken cancel)
        {
            Queries++;
            if (reply.Length < HeaderFlags.HeaderLength)
                return Task.FromResult<byte[]?>(accept(reply) ? reply : null);
            var q = query.Span;
            int questionEnd = HeaderFlags.HeaderLength;
            while (q[questionEnd] != 0)
                questionEnd += 1 + q[questionEnd];
            questionEnd += 5;
            byte[] message = (reply[0] & 1) == 0
                ? [.. reply.AsSpan(0, HeaderFlags.HeaderLength), .. q[HeaderFlags.HeaderLength..questionEnd], .. reply.AsSpan(HeaderFlags.HeaderLength)]
                : (byte[])reply.Clone();
            message[0] = q[0];
            message[1] = q[1];
            return Task.FromResult<byte[]?>(accept(message) ? message : null);
        }
    }
}
