using System.Net;
using MiniDns.Resolution;
using MiniDns.Wire;
using static MiniDns.Tests.Resolution.CraftedReply;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Resolution;

/// <summary>Iteration from the root over fake servers that run the real authoritative code (<see cref="Hierarchy"/>).</summary>
public sealed class ResolverTests
{
    private long _nowMs = 1_000_000;
    private readonly FakeUpstream _upstream = Hierarchy.Build();
    private readonly ResolverCache _cache;
    private readonly Resolver _resolver;

    public ResolverTests()
    {
        _cache = new ResolverCache(new ResolverCacheOptions(), () => _nowMs);
        _resolver = NewResolver(new ResolverOptions { RootHints = Hierarchy.Hints });
    }

    private Resolver NewResolver(ResolverOptions options) => new(_cache, _upstream, options, new ServerSelection(() => _nowMs));

    private Task<ResolverAnswer> Resolve(string name, ushort type) => Resolve(_resolver, name, type);

    private static Task<ResolverAnswer> Resolve(Resolver resolver, string name, ushort type) =>
        resolver.ResolveAsync(Name(name), type, TestContext.Current.CancellationToken);

    private static string Answer(ResolverAnswer resolution) =>
        string.Join("\n", resolution.Answer.SelectMany(set => set.Records.ToArrays().Select(d => $"{NameText.Format(set.Owner.Span)} {set.Ttl} {RecordType.ToText(set.Type)} {RdataText.Format(set.Type, d)}")));

    [Fact]
    public async Task A_third_level_name_is_found_from_the_root_down()
    {
        var result = await Resolve("news.cctv.com.", RecordType.A);

        Assert.Equal(ResponseCode.NoError, result.Rcode);
        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(result));
        Assert.Equal(1, _upstream.Asked(Hierarchy.Root));
        Assert.Equal(1, _upstream.Asked(Hierarchy.Com));
        Assert.Equal(1, _upstream.Asked(Hierarchy.Cctv));
    }

    [Fact]
    public async Task Qname_minimisation_shows_each_zone_only_one_label_more()
    {
        await Resolve("news.cctv.com.", RecordType.A);
        Assert.Equal(["com. IN A", "cctv.com. IN A", "news.cctv.com. IN A"], _upstream.Log.Select(l => l.Question));

        var upstream = Hierarchy.Build();
        var full = new Resolver(new ResolverCache(new ResolverCacheOptions()), upstream, new ResolverOptions { RootHints = Hierarchy.Hints, QnameMinimisation = false });
        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(await Resolve(full, "news.cctv.com.", RecordType.A)));
        Assert.Equal(["news.cctv.com. IN A", "news.cctv.com. IN A", "news.cctv.com. IN A"], upstream.Log.Select(l => l.Question));
    }

    [Fact]
    public async Task A_second_question_is_answered_from_the_cache_with_the_ttl_counted_down_and_fetched_again_after_expiry()
    {
        await Resolve("news.cctv.com.", RecordType.A);
        int asked = _upstream.Total;

        _nowMs += 100_000;
        var again = await Resolve("news.cctv.com.", RecordType.A);
        Assert.Equal("news.cctv.com. 200 A 192.0.2.10", Answer(again));
        Assert.Equal(asked, _upstream.Total);

        _nowMs += 201_000;
        var expired = await Resolve("news.cctv.com.", RecordType.A);
        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(expired));
        Assert.Equal(asked + 1, _upstream.Total); // only the leaf: the delegations are still cached
        Assert.Equal(1, _upstream.Asked(Hierarchy.Root));
    }

    [Fact]
    public async Task A_cname_into_another_zone_is_followed_from_that_zone_s_own_servers()
    {
        var result = await Resolve("www.cctv.com.", RecordType.A);

        Assert.Equal(ResponseCode.NoError, result.Rcode);
        Assert.Equal("www.cctv.com. 300 CNAME www.a.shifen.baidu.com.\nwww.a.shifen.baidu.com. 120 A 192.0.2.20", Answer(result));
        Assert.Contains(_upstream.Log, l => l.Question == "baidu.com. IN A" && l.Server.Equals(IPAddress.Parse(Hierarchy.Com)));
    }

    [Fact]
    public async Task A_dname_is_followed_into_its_target_zone_and_later_names_below_it_are_made_from_the_cached_dname()
    {
        var result = await Resolve("www.a.shifen.tv.cctv.com.", RecordType.A);

        Assert.Equal(ResponseCode.NoError, result.Rcode);
        Assert.Equal(
            "tv.cctv.com. 300 DNAME baidu.com.\n" +
            "www.a.shifen.tv.cctv.com. 300 CNAME www.a.shifen.baidu.com.\n" +
            "www.a.shifen.baidu.com. 120 A 192.0.2.20", Answer(result));

        // Another name below the DNAME: made from the cached DNAME, so only the target zone is asked.
        int asked = _upstream.Total;
        var other = await Resolve("nowhere.tv.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.NxDomain, other.Rcode);
        Assert.Equal("tv.cctv.com. 300 DNAME baidu.com.\nnowhere.tv.cctv.com. 300 CNAME nowhere.baidu.com.", Answer(other));
        Assert.Equal(["nowhere.baidu.com. IN A"], _upstream.Log.Skip(asked).Select(l => l.Question));

        // The DNAME itself, asked for.
        Assert.Equal("tv.cctv.com. 300 DNAME baidu.com.", Answer(await Resolve("tv.cctv.com.", RecordType.DNAME)));
    }

    [Fact]
    public async Task The_cname_beside_a_dname_is_made_from_the_dname_and_a_substitution_too_long_is_yxdomain()
    {
        // A server whose CNAME disagrees with its DNAME: the CNAME followed is ours, made from the DNAME.
        string longTarget = string.Concat(Enumerable.Repeat("abcdefghijklmnopqrstuvwxyz.", 8)) + "example.";
        _upstream.Handle(Hierarchy.Cctv, (query, _) => QuestionName(query).StartsWith("far.", StringComparison.Ordinal)
            ? Build(query, ResponseCode.YxDomain, HeaderFlags.AA, [Dname("tv.cctv.com.", longTarget)], [], [])
            : Build(query, ResponseCode.NoError, HeaderFlags.AA,
                [Dname("tv.cctv.com.", "cctv.com."), Cname(QuestionName(query), "evil.example."), A("news.cctv.com.", "192.0.2.10")], [], []));
        var resolver = NewResolver(new ResolverOptions { RootHints = Hierarchy.Hints, QnameMinimisation = false });

        var result = await Resolve(resolver, "news.tv.cctv.com.", RecordType.A);
        Assert.Equal("tv.cctv.com. 300 DNAME cctv.com.\nnews.tv.cctv.com. 300 CNAME news.cctv.com.\nnews.cctv.com. 300 A 192.0.2.10", Answer(result));
        Assert.Empty(_cache.Dump(Name("example."), subtree: true));

        // 5 + 55 bytes kept before tv.cctv.com., then 217 of target: past 255, so YXDOMAIN (RFC 6672 2.2).
        _cache.Flush();
        string far = "far." + string.Concat(Enumerable.Repeat("abcdefghij.", 5)) + "tv.cctv.com.";
        var tooLong = await Resolve(resolver, far, RecordType.A);
        Assert.Equal(ResponseCode.YxDomain, tooLong.Rcode);
        Assert.Equal($"tv.cctv.com. 300 DNAME {longTarget}", Answer(tooLong));
    }

    [Fact]
    public async Task A_glueless_delegation_is_followed_by_looking_up_the_name_server()
    {
        var result = await Resolve("www.glueless.com.", RecordType.A);

        Assert.Equal("www.glueless.com. 300 A 192.0.2.30", Answer(result));
        Assert.Equal(2, _upstream.Asked(Hierarchy.Net)); // dns.net. (an empty non-terminal), then ns.dns.net.
    }

    [Fact]
    public async Task A_child_zone_below_a_second_cut_is_found()
    {
        var result = await Resolve("deep.sub.cctv.com.", RecordType.TXT);
        Assert.Equal("deep.sub.cctv.com. 300 TXT \"below the second cut\"", Answer(result));
        Assert.Equal(1, _upstream.Asked(Hierarchy.Sub));
    }

    [Fact]
    public async Task Nxdomain_and_nodata_come_back_with_the_soa_and_are_cached_for_the_soa_minimum()
    {
        var missing = await Resolve("nope.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.NxDomain, missing.Rcode);
        Assert.Equal("cctv.com.", NameText.Format(missing.Soa!.Owner.Span));
        Assert.Equal(300u, missing.Soa.Ttl); // the lower of the SOA's TTL (600) and MINIMUM (300)

        var empty = await Resolve("news.cctv.com.", RecordType.AAAA);
        Assert.Equal(ResponseCode.NoError, empty.Rcode);
        Assert.Empty(empty.Answer);
        Assert.NotNull(empty.Soa);

        int asked = _upstream.Total;
        _nowMs += 299_000;
        Assert.Equal(ResponseCode.NxDomain, (await Resolve("nope.cctv.com.", RecordType.MX)).Rcode);
        Assert.Empty((await Resolve("news.cctv.com.", RecordType.AAAA)).Answer);
        Assert.Equal(asked, _upstream.Total);

        _nowMs += 2_000;
        await Resolve("nope.cctv.com.", RecordType.A);
        Assert.Equal(asked + 1, _upstream.Total);
    }

    [Fact]
    public async Task A_lame_server_is_passed_over_for_the_next()
    {
        // com. gets a second server that refuses; whichever is tried first, the answer comes.
        _upstream.Serve(Hierarchy.Root, """
            $ORIGIN .
            @ 86400 IN SOA a.root. h.root. 1 1800 900 604800 86400
            @ 518400 IN NS a.root.
            a.root. 518400 IN A 10.0.0.1
            com. 172800 IN NS a.gtld.com.
            com. 172800 IN NS lame.gtld.com.
            a.gtld.com. 172800 IN A 10.0.0.2
            lame.gtld.com. 172800 IN A 10.0.0.9
            """);
        _upstream.Handle("10.0.0.9", (query, _) => Build(query, ResponseCode.Refused, 0, [], [], []));

        for (int i = 0; i < 3; i++)
        {
            _cache.Flush();
            var result = await Resolve("news.cctv.com.", RecordType.A);
            Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(result));
        }
        Assert.True(_upstream.Asked("10.0.0.9") <= 1, "the lame server is tried once, then sorted last");
    }

    [Fact]
    public async Task A_server_that_never_answers_gives_servfail_with_an_extended_error()
    {
        _upstream.Handle(Hierarchy.Cctv, (_, _) => null);

        var result = await Resolve("news.cctv.com.", RecordType.A);

        Assert.Equal(ResponseCode.ServFail, result.Rcode);
        Assert.Equal(ExtendedError.NoReachableAuthority, result.Error!.Code);
        Assert.Contains("cctv.com.", result.Error.Text);
    }

    [Fact]
    public async Task A_truncated_reply_is_fetched_again_over_tcp()
    {
        _upstream.Handle(Hierarchy.Cctv, (query, tcp) => tcp
            ? Build(query, ResponseCode.NoError, HeaderFlags.AA, [A("news.cctv.com.", "192.0.2.99")], [], [])
            : Build(query, ResponseCode.NoError, HeaderFlags.AA | HeaderFlags.TC, [], [], []));

        var result = await Resolve("news.cctv.com.", RecordType.A);

        Assert.Equal("news.cctv.com. 300 A 192.0.2.99", Answer(result));
        Assert.Contains(_upstream.Log, l => l.Tcp && l.Question == "news.cctv.com. IN A");
    }

    [Fact]
    public async Task A_cname_chain_is_limited_as_a_whole_even_when_one_reply_gives_all_of_it()
    {
        // c1 -> c2 -> ... -> c12 -> news: twelve CNAMEs in one reply, one more than the eleven allowed.
        _upstream.Serve(Hierarchy.Cctv, """
            $ORIGIN cctv.com.
            @ 600 IN SOA ns1 h 1 1800 900 604800 300
            @ 600 IN NS ns1
            ns1 600 IN A 10.0.0.3
            news 300 IN A 192.0.2.10
            """ + "\n" + string.Join("\n", Enumerable.Range(1, 12).Select(i => $"c{i} 300 IN CNAME {(i == 12 ? "news" : $"c{i + 1}")}")));

        var eleven = await Resolve("c2.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.NoError, eleven.Rcode);
        Assert.Equal(12, eleven.Answer.Count);

        var twelve = await Resolve("c1.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.ServFail, twelve.Rcode);
        Assert.Equal("CNAME/DNAME chain longer than the limit", twelve.Error!.Text);
    }

    [Fact]
    public async Task A_ds_question_goes_to_the_parent_zone_even_when_the_child_s_servers_are_known()
    {
        // RFC 4035 3.1.4.1: the DS set lives on the parent's side of the cut; the child's servers know nothing of it.
        await Resolve("news.cctv.com.", RecordType.A);
        int asked = _upstream.Total;

        var result = await Resolve("cctv.com.", RecordType.DS);

        Assert.Equal(ResponseCode.NoError, result.Rcode);
        Assert.Empty(result.Answer);
        Assert.Equal("com.", NameText.Format(result.Soa!.Owner.Span));
        Assert.Equal([(IPAddress.Parse(Hierarchy.Com), "cctv.com. IN DS")], _upstream.Log.Skip(asked).Select(l => (l.Server, l.Question)));
    }

    [Fact]
    public async Task A_cname_loop_ends_in_servfail()
    {
        _upstream.Handle(Hierarchy.Cctv, (query, tcp) =>
        {
            MessageReader.TryRead(query, out var message, out _);
            string name = NameText.Format(message.Questions[0].Name);
            if (name is "com." or "cctv.com.")
                return Build(query, ResponseCode.NoError, HeaderFlags.AA, [], [], []);
            return Build(query, ResponseCode.NoError, HeaderFlags.AA,
                [name.StartsWith("a.", StringComparison.Ordinal) ? Cname(name, "b.cctv.com.") : Cname(name, "a.cctv.com.")], [], []);
        });

        var result = await Resolve("a.cctv.com.", RecordType.A);

        Assert.Equal(ResponseCode.ServFail, result.Rcode);
        Assert.Equal("CNAME loop", result.Error!.Text);
        Assert.True(_upstream.Total < 20);
    }

    [Fact]
    public async Task A_delegation_loop_of_glueless_servers_ends_in_servfail_within_the_limits()
    {
        // loop1.com. is served by ns.loop2.com., and loop2.com. by ns.loop1.com.: neither can ever be found.
        _upstream.Serve(Hierarchy.Com, """
            $ORIGIN com.
            @ 900 IN SOA a.gtld.com. h.com. 1 1800 900 604800 900
            @ 172800 IN NS a.gtld.com.
            a.gtld 172800 IN A 10.0.0.2
            loop1 172800 IN NS ns.loop2.com.
            loop2 172800 IN NS ns.loop1.com.
            """);

        var result = await Resolve("www.loop1.com.", RecordType.A);

        Assert.Equal(ResponseCode.ServFail, result.Rcode);
        Assert.NotNull(result.Error);
        Assert.True(_upstream.Total <= new ResolverOptions().MaxUpstreamQueries, $"{_upstream.Total} upstream queries");
    }

    [Fact]
    public async Task Replies_with_another_id_or_question_are_ignored()
    {
        _upstream.Forger = query =>
        {
            var forged = Build(query, ResponseCode.NoError, HeaderFlags.AA, [A("news.cctv.com.", "203.0.113.66")], [], []);
            forged[0] ^= 0x5a; // a guessed ID
            return forged;
        };
        var result = await Resolve("news.cctv.com.", RecordType.A);
        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(result));

        _cache.Flush();
        _upstream.Forger = query =>
        {
            var other = QueryWithName(query, "evil.cctv.com.");
            return Build(other, ResponseCode.NoError, HeaderFlags.AA, [A("evil.cctv.com.", "203.0.113.66")], [], []);
        };
        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(await Resolve("news.cctv.com.", RecordType.A)));
        Assert.Empty(_cache.Dump(Name("evil.cctv.com.")));
    }

    [Fact]
    public async Task Records_outside_the_servers_bailiwick_are_not_cached()
    {
        // The com. server answers a referral with glue for a name it has no say over, and cctv.com. answers
        // with an extra record for another zone: neither goes into the cache.
        _upstream.Handle(Hierarchy.Com, (query, _) => Build(query, ResponseCode.NoError, 0, [],
            [NS("cctv.com.", "ns1.cctv.com.")], [A("ns1.cctv.com.", Hierarchy.Cctv), A("www.victim.org.", "203.0.113.66")]));
        _upstream.Handle(Hierarchy.Cctv, (query, _) => Build(query, ResponseCode.NoError, HeaderFlags.AA,
            [A("news.cctv.com.", "192.0.2.10"), A("mail.victim.org.", "203.0.113.67")], [], []));

        var result = await Resolve("news.cctv.com.", RecordType.A);

        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(result));
        Assert.Empty(_cache.Dump(Name("org."), subtree: true));
    }

    [Fact]
    public async Task Glue_addresses_no_single_server_has_are_never_asked()
    {
        // 0.0.0.0 would ask this machine, broadcast and multicast many: only the real address is asked.
        _upstream.Handle(Hierarchy.Com, (query, _) => Build(query, ResponseCode.NoError, 0, [],
            [NS("cctv.com.", "ns1.cctv.com.")],
            [A("ns1.cctv.com.", "0.0.0.0"), A("ns1.cctv.com.", "255.255.255.255"), A("ns1.cctv.com.", "224.0.0.251"), A("ns1.cctv.com.", Hierarchy.Cctv)]));

        var result = await Resolve("news.cctv.com.", RecordType.A);

        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(result));
        Assert.All(_upstream.Log, l => Assert.True(ServerAddress.IsUsable(l.Server), $"asked {l.Server}"));
        Assert.Equal(1, _upstream.Asked(Hierarchy.Cctv));
    }

    [Fact]
    public async Task Forwarders_are_asked_with_rd_and_a_dead_one_is_passed_over()
    {
        var upstream = new FakeUpstream();
        upstream.Handle("192.0.2.53", (query, _) =>
            (query[2] & (HeaderFlags.RD >> 8)) == 0 ? null : Build(query, ResponseCode.NoError, 0, [A("news.cctv.com.", "192.0.2.10")], [], []));
        var options = new ResolverOptions
        {
            Forwarders = [new IPEndPoint(IPAddress.Parse("192.0.2.1"), 53), new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53)],
        };
        var resolver = new Resolver(new ResolverCache(new ResolverCacheOptions()), upstream, options);

        var result = await Resolve(resolver, "news.cctv.com.", RecordType.A);
        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(result));
        Assert.Equal(1, upstream.Asked("192.0.2.1"));

        resolver.Cache.Flush();
        await Resolve(resolver, "news.cctv.com.", RecordType.A);
        Assert.Equal(1, upstream.Asked("192.0.2.1")); // slower (it timed out) so tried after the live one
    }

    [Fact]
    public async Task A_forward_zone_sends_its_names_to_its_servers_and_the_rest_iterates()
    {
        _upstream.Handle("192.0.2.99", (query, _) => Build(query, ResponseCode.NoError, 0, [A("host.corp.example.", "10.1.2.3")], [], []));
        var resolver = NewResolver(new ResolverOptions
        {
            RootHints = Hierarchy.Hints,
            ForwardZones = [(Name("corp.example."), [new IPEndPoint(IPAddress.Parse("192.0.2.99"), 53)])],
        });

        Assert.Equal("host.corp.example. 300 A 10.1.2.3", Answer(await Resolve(resolver, "host.corp.example.", RecordType.A)));
        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(await Resolve(resolver, "news.cctv.com.", RecordType.A)));
        Assert.Equal(1, _upstream.Asked("192.0.2.99"));
    }

    [Fact]
    public async Task A_refresh_fetches_the_answer_again_while_the_cache_still_holds_it()
    {
        await Resolve("news.cctv.com.", RecordType.A);
        _nowMs += 280_000;
        int cctv = _upstream.Asked(Hierarchy.Cctv), root = _upstream.Asked(Hierarchy.Root);

        var refreshed = await _resolver.ResolveAsync(Name("news.cctv.com."), RecordType.A, TestContext.Current.CancellationToken, refresh: true);

        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(refreshed));
        Assert.Equal(cctv + 1, _upstream.Asked(Hierarchy.Cctv));
        Assert.Equal(root, _upstream.Asked(Hierarchy.Root)); // the delegations still come from the cache
        Assert.True(_cache.TryGet(Name("news.cctv.com."), RecordType.A, out var hit) && hit.TtlLeft == 300);
    }

    [Fact]
    public async Task With_serve_stale_an_expired_answer_is_given_when_resolution_fails_and_never_otherwise()
    {
        var cache = new ResolverCache(new ResolverCacheOptions { StaleWindow = TimeSpan.FromDays(1) }, () => _nowMs);
        var resolver = new Resolver(cache, _upstream, new ResolverOptions { RootHints = Hierarchy.Hints }, new ServerSelection(() => _nowMs));
        await Resolve(resolver, "www.cctv.com.", RecordType.A); // a CNAME into baidu.com. and its A
        _nowMs += 3_600_000;

        var fresh = await Resolve(resolver, "www.cctv.com.", RecordType.A);
        Assert.Null(fresh.Error); // the servers answer: a new answer, not a stale one

        _nowMs += 3_600_000;
        _upstream.Handle(Hierarchy.Cctv, (_, _) => null);
        var stale = await Resolve(resolver, "www.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.NoError, stale.Rcode);
        Assert.Equal("www.cctv.com. 30 CNAME www.a.shifen.baidu.com.\nwww.a.shifen.baidu.com. 30 A 192.0.2.20", Answer(stale));
        Assert.Equal(ExtendedError.StaleAnswer, stale.Error!.Code);

        _nowMs += 86_400_000;
        Assert.Equal(ResponseCode.ServFail, (await Resolve(resolver, "www.cctv.com.", RecordType.A)).Rcode); // past the window
    }

    [Fact]
    public async Task A_question_of_type_0_does_not_make_the_name_nxdomain()
    {
        // Found by attack: its NODATA was kept under the key of NXDOMAIN, and every type of the name then
        // answered NXDOMAIN from the cache, for every client.
        Assert.Equal(ResponseCode.NoError, (await Resolve("news.cctv.com.", 0)).Rcode);
        Assert.Equal(ResponseCode.NoError, (await Resolve("news.cctv.com.", RecordType.AAAA)).Rcode);
        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(await Resolve("news.cctv.com.", RecordType.A)));
        Assert.DoesNotContain(_cache.Dump(Name("news.cctv.com.")), l => l.Contains("NXDOMAIN"));
    }

    [Fact]
    public async Task The_first_answer_has_the_ttl_the_cache_keeps_and_a_ttl_with_the_top_bit_set_is_0()
    {
        // Found by attack: only the cached copy was held within --cache-max-ttl; the first client got 4294967280.
        _upstream.Handle(Hierarchy.Cctv, (query, tcp) => Build(query, ResponseCode.NoError, HeaderFlags.AA,
            [A("news.cctv.com.", "192.0.2.10", ttl: 4294967280), A("www.cctv.com.", "192.0.2.11", ttl: 1_000_000)], [], []));
        Assert.Equal("news.cctv.com. 0 A 192.0.2.10", Answer(await Resolve("news.cctv.com.", RecordType.A)));
        Assert.Equal("www.cctv.com. 86400 A 192.0.2.11", Answer(await Resolve("www.cctv.com.", RecordType.A)));
    }

    [Fact]
    public async Task A_reply_truncated_over_tcp_too_is_a_failure_not_an_empty_answer()
    {
        _upstream.Handle(Hierarchy.Cctv, (query, tcp) => Build(query, ResponseCode.NoError, HeaderFlags.AA | HeaderFlags.TC, [], [], []));
        var result = await Resolve("news.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.ServFail, result.Rcode);
    }

    [Fact]
    public async Task A_cname_into_a_local_zone_is_answered_from_it_and_never_asked_upstream()
    {
        // Found by attack: the chain went to the local zone's parent, which leaked the name and cached what it said.
        var local = Support.LocalAnswer.Snapshot("""
            $ORIGIN baidu.com.
            @ 600 IN SOA ns1 h 1 1800 900 604800 300
            @ 600 IN NS ns1
            ns1 600 IN A 192.0.2.53
            www.a.shifen 60 IN A 203.0.113.5
            """);
        var resolver = new Resolver(_cache, _upstream, new ResolverOptions { RootHints = Hierarchy.Hints }, new ServerSelection(() => _nowMs), new LocalZones(() => local));

        var result = await Resolve(resolver, "www.cctv.com.", RecordType.A);

        Assert.Equal("www.cctv.com. 300 CNAME www.a.shifen.baidu.com.\nwww.a.shifen.baidu.com. 60 A 203.0.113.5", Answer(result));
        Assert.DoesNotContain(_upstream.Log, l => l.Question.Contains("baidu", StringComparison.Ordinal));
        Assert.Equal(ResponseCode.NxDomain, (await Resolve(resolver, "nope.baidu.com.", RecordType.A)).Rcode);
        Assert.DoesNotContain(_cache.Dump(Name("baidu.com."), subtree: true), l => l.Contains("shifen"));
    }

    [Fact]
    public async Task Any_gives_the_sets_the_server_gave()
    {
        // Found by attack: the answer to ANY was an empty NOERROR though the server sent an A record.
        var result = await Resolve("news.cctv.com.", RecordType.ANY);
        Assert.Equal(ResponseCode.NoError, result.Rcode);
        Assert.Contains("news.cctv.com. 300 A 192.0.2.10", Answer(result));
        Assert.True(_cache.TryGet(Name("news.cctv.com."), RecordType.A, out _)); // kept as the A set it is
    }

    [Fact]
    public async Task A_server_that_does_not_know_edns_is_asked_again_without_it_and_remembered()
    {
        var real = Hierarchy.Build();
        // A server of 1998: FORMERR for any query with an OPT record (ARCOUNT 1), else as the zone says.
        _upstream.Handle(Hierarchy.Cctv, (query, tcp) => query[11] != 0
            ? Build(query, ResponseCode.FormErr, 0, [], [], [])
            : Build(query, ResponseCode.NoError, HeaderFlags.AA, [A("news.cctv.com.", "192.0.2.10")], [], []));

        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(await Resolve("news.cctv.com.", RecordType.A)));
        int asked = _upstream.Asked(Hierarchy.Cctv);
        _cache.Flush(Name("news.cctv.com."));
        await Resolve("news.cctv.com.", RecordType.A);
        Assert.Equal(asked + 1, _upstream.Asked(Hierarchy.Cctv)); // asked without OPT at once the second time
        Assert.Equal(0, real.Total);
    }

    [Fact]
    public async Task With_0x20_a_reply_must_echo_the_letter_case_asked()
    {
        var resolver = NewResolver(new ResolverOptions { RootHints = Hierarchy.Hints, Use0x20 = true });
        // Our authoritative code echoes the question as asked, so the case it was given comes back.
        Assert.Equal("news.cctv.com. 300 A 192.0.2.10", Answer(await Resolve(resolver, "news.cctv.com.", RecordType.A)));
        Assert.Contains(_upstream.Log, l => l.Question.Any(char.IsUpper));

        // A forger who answers in lower case (it cannot know the case asked) is not believed.
        _cache.Flush();
        _upstream.Handle(Hierarchy.Cctv, (query, tcp) =>
        {
            var lowered = (byte[])query.Clone();
            DnsName.ToLower(lowered.AsSpan(HeaderFlags.HeaderLength, DnsName.MeasureUncompressed(lowered.AsSpan(HeaderFlags.HeaderLength))));
            return Build(lowered, ResponseCode.NoError, HeaderFlags.AA, [A("news.cctv.com.", "203.0.113.66")], [], []);
        });
        var forged = await Resolve(resolver, "news.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.ServFail, forged.Rcode);
    }

    [Fact]
    public void Root_hints_are_the_roots_ns_names_with_their_addresses_and_a_file_without_them_is_refused()
    {
        var hints = RootHints.Parse(". 3600000 IN NS a.root.\na.root. 3600000 IN A 127.0.0.11\nother. 3600 IN A 192.0.2.1\n", "root.hints");
        Assert.Equal([("a.root.", "127.0.0.11")], hints.Select(h => (NameText.Format(h.Name), h.Address.ToString())));
        var error = Assert.Throws<MiniDns.Zones.ZoneDataException>(() => RootHints.Parse(". 3600000 IN NS a.root.\n", "empty.hints"));
        Assert.Contains("no root server with an address", Assert.Single(error.Errors));
        Assert.Equal(26, RootHints.Iana.Count); // 13 servers, IPv4 and IPv6
    }

    private static string QuestionName(byte[] query)
    {
        MessageReader.TryRead(query, out var message, out _);
        return NameText.Format(message.Questions[0].Name);
    }

    private static byte[] QueryWithName(byte[] query, string name)
    {
        MessageReader.TryRead(query, out var message, out _);
        var other = Support.QueryBytes.Build(name, message.Questions[0].Type, id: message.Id);
        return other;
    }
}
