using System.Net;
using MiniDns.Resolution;
using MiniDns.Wire;
using static MiniDns.Tests.Resolution.CraftedReply;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Resolution;

/// <summary>What an attack on the DNAME and chain handling found, each kept as the case that showed it.</summary>
public sealed class ResolverAttackTests
{
    private readonly long _nowMs = 1_000_000;
    private readonly FakeUpstream _upstream = Hierarchy.Build();
    private readonly ResolverCache _cache;

    public ResolverAttackTests() => _cache = new ResolverCache(new ResolverCacheOptions(), () => _nowMs);

    private Resolver NewResolver(bool minimise = true, IReadOnlyList<(byte[] Domain, IReadOnlyList<IPEndPoint> Servers)>? forwardZones = null) =>
        new(_cache, _upstream, new ResolverOptions { RootHints = Hierarchy.Hints, QnameMinimisation = minimise, ForwardZones = forwardZones ?? [] },
            new ServerSelection(() => _nowMs));

    private static Task<ResolverAnswer> Resolve(Resolver resolver, string name, ushort type) =>
        resolver.ResolveAsync(Name(name), type, TestContext.Current.CancellationToken);

    private static string Answer(ResolverAnswer resolution) =>
        string.Join("\n", resolution.Answer.SelectMany(set => set.Records.ToArrays().Select(d => $"{NameText.Format(set.Owner.Span)} {RecordType.ToText(set.Type)} {RdataText.Format(set.Type, d)}")));

    private static string QuestionName(byte[] query)
    {
        MessageReader.TryRead(query, out var message, out _);
        return NameText.Format(message.Questions[0].Name);
    }

    [Fact]
    public async Task A_dname_in_the_public_parent_does_not_redirect_a_forward_zone_s_names()
    {
        _upstream.Handle("10.0.0.9", (query, _) => Build(query, ResponseCode.NoError, HeaderFlags.AA, [A(QuestionName(query), "10.9.9.9")], [], []));
        _upstream.Handle(Hierarchy.Cctv, (query, _) => QuestionName(query).EndsWith("baidu.com.", StringComparison.Ordinal)
            ? Build(query, ResponseCode.NoError, HeaderFlags.AA, [A(QuestionName(query), "203.0.113.66")], [], [])
            : Build(query, ResponseCode.NoError, HeaderFlags.AA,
                [Dname("cctv.com.", "baidu.com."), Cname("host.internal.cctv.com.", "host.internal.baidu.com.", 3600)], [], []));
        var resolver = NewResolver(minimise: false, [(Name("internal.cctv.com."), [new IPEndPoint(IPAddress.Parse("10.0.0.9"), 53)])]);

        await Resolve(resolver, "www.cctv.com.", RecordType.A); // the public zone answers with a DNAME at its apex (and a CNAME for the forward zone)
        var after = await Resolve(resolver, "host.internal.cctv.com.", RecordType.A);

        Assert.Equal("host.internal.cctv.com. A 10.9.9.9", Answer(after));
        Assert.DoesNotContain(_cache.Dump(Name("internal.cctv.com."), subtree: true), l => l.Contains("CNAME", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_chain_split_over_two_zones_is_limited_as_a_whole()
    {
        // cctv.com.: c1..c11 lead to d1.baidu.com.; baidu.com.: d1..d11 lead to an A. 22 CNAMEs, eleven allowed.
        _upstream.Handle(Hierarchy.Cctv, (query, _) => QuestionName(query) switch
        {
            "c1.cctv.com." => Build(query, ResponseCode.NoError, HeaderFlags.AA,
                [.. Enumerable.Range(1, 11).Select(i => Cname($"c{i}.cctv.com.", i == 11 ? "d1.baidu.com." : $"c{i + 1}.cctv.com."))], [], []),
            "d1.baidu.com." => Build(query, ResponseCode.NoError, HeaderFlags.AA,
                [.. Enumerable.Range(1, 11).Select(i => Cname($"d{i}.baidu.com.", i == 11 ? "www.a.shifen.baidu.com." : $"d{i + 1}.baidu.com.")),
                    A("www.a.shifen.baidu.com.", "192.0.2.20")], [], []),
            _ => Build(query, ResponseCode.NoError, HeaderFlags.AA, [], [], []),
        });

        var result = await Resolve(NewResolver(minimise: false), "c1.cctv.com.", RecordType.A);

        Assert.Equal(ResponseCode.ServFail, result.Rcode);
        Assert.Equal("CNAME/DNAME chain longer than the limit", result.Error!.Text);
    }

    [Fact]
    public async Task A_long_chain_ending_in_nxdomain_in_one_reply_is_servfail_and_caches_no_nxdomain()
    {
        _upstream.Handle(Hierarchy.Cctv, (query, _) => Build(query, ResponseCode.NxDomain, HeaderFlags.AA,
            [.. Enumerable.Range(1, 40).Select(i => Cname($"c{i}.cctv.com.", $"c{i + 1}.cctv.com."))], [], []));

        var result = await Resolve(NewResolver(minimise: false), "c1.cctv.com.", RecordType.A);

        Assert.Equal(ResponseCode.ServFail, result.Rcode);
        Assert.DoesNotContain(_cache.Dump(Name("cctv.com."), subtree: true), l => l.Contains("NXDOMAIN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dname_whose_target_is_its_own_owner_s_name_is_followed_not_taken_for_a_loop()
    {
        // tv.tv.cctv.com. -> tv.cctv.com. by the DNAME at tv.cctv.com., which has an A of its own.
        _upstream.Handle(Hierarchy.Cctv, (query, _) => Build(query, ResponseCode.NoError, HeaderFlags.AA,
            QuestionName(query) == "tv.tv.cctv.com."
                ? [Dname("tv.cctv.com.", "cctv.com."), Cname("tv.tv.cctv.com.", "tv.cctv.com."), A("tv.cctv.com.", "192.0.2.99")]
                : [A("tv.cctv.com.", "192.0.2.99")], [], []));

        var result = await Resolve(NewResolver(minimise: false), "tv.tv.cctv.com.", RecordType.A);

        Assert.Equal(ResponseCode.NoError, result.Rcode);
        Assert.Equal("tv.cctv.com. DNAME cctv.com.\ntv.tv.cctv.com. CNAME tv.cctv.com.\ntv.cctv.com. A 192.0.2.99", Answer(result));
    }

    [Fact]
    public async Task A_yxdomain_is_believed_only_when_our_own_substitution_is_too_long()
    {
        // The server says YXDOMAIN, but the name its DNAME makes fits: we follow it ourselves.
        _upstream.Handle(Hierarchy.Cctv, (query, _) => QuestionName(query) switch
        {
            "q.tv.cctv.com." => Build(query, ResponseCode.YxDomain, HeaderFlags.AA, [Dname("tv.cctv.com.", "news.cctv.com.")], [], []),
            "bare.cctv.com." => Build(query, ResponseCode.YxDomain, HeaderFlags.AA, [], [], []),
            _ => Build(query, ResponseCode.NoError, HeaderFlags.AA, [A("q.news.cctv.com.", "192.0.2.5")], [], []),
        });
        var resolver = NewResolver(minimise: false);

        var followed = await Resolve(resolver, "q.tv.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.NoError, followed.Rcode);
        Assert.EndsWith("q.news.cctv.com. A 192.0.2.5", Answer(followed));

        var bogus = await Resolve(resolver, "bare.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.ServFail, bogus.Rcode);
    }

    [Fact]
    public async Task A_dname_question_below_a_dname_gets_the_cname_we_make_and_the_server_s_is_not_cached()
    {
        _upstream.Handle(Hierarchy.Cctv, (query, _) => Build(query, ResponseCode.NoError, HeaderFlags.AA,
            QuestionName(query) == "x.tv.cctv.com."
                ? [Dname("tv.cctv.com.", "baidu.com."), Cname("x.tv.cctv.com.", "liar.cctv.com."), A("liar.cctv.com.", "203.0.113.66")]
                : [A("x.baidu.com.", "192.0.2.1")], [], []));
        var resolver = NewResolver(minimise: false);

        await Resolve(resolver, "x.tv.cctv.com.", RecordType.DNAME);
        var a = await Resolve(resolver, "x.tv.cctv.com.", RecordType.A);

        Assert.Equal("tv.cctv.com. DNAME baidu.com.\nx.tv.cctv.com. CNAME x.baidu.com.\nx.baidu.com. A 192.0.2.1", Answer(a));
        Assert.DoesNotContain(_cache.Dump(), l => l.Contains("liar", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dname_set_of_two_records_is_a_failure_not_a_reason_to_use_one_further_up()
    {
        _upstream.Handle(Hierarchy.Cctv, (query, _) => Build(query, ResponseCode.NoError, HeaderFlags.AA,
            [Dname("tv.cctv.com.", "baidu.com."), Dname("tv.cctv.com.", "other.com."), Dname("cctv.com.", "evil.")], [], []));

        var result = await Resolve(NewResolver(minimise: false), "x.tv.cctv.com.", RecordType.A);

        Assert.Equal(ResponseCode.ServFail, result.Rcode);
        Assert.DoesNotContain(_cache.Dump(Name("cctv.com."), subtree: true), l => l.Contains("DNAME", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dname_that_grows_the_name_ends_at_the_chain_limit()
    {
        // d.cctv.com. DNAME x.d.cctv.com. grows the name each time it is applied: the chain ends at the limit,
        // within a few upstream queries.
        _upstream.Handle(Hierarchy.Cctv, (query, _) => Build(query, ResponseCode.NoError, HeaderFlags.AA, [Dname("d.cctv.com.", "x.d.cctv.com.")], [], []));

        var result = await Resolve(NewResolver(minimise: false), "a.d.cctv.com.", RecordType.A);

        Assert.Equal(ResponseCode.ServFail, result.Rcode);
        Assert.True(_upstream.Total < 10, $"{_upstream.Total} upstream queries");
    }
}
