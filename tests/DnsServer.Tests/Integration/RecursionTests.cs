using System.Buffers.Binary;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>
/// The resolver end to end: real MiniDns servers on 127.0.0.11-15 as the DNS (<see cref="LoopbackHierarchy"/>),
/// a MiniDns resolver asked with DnsClient and raw messages as a stub resolver would ask it.
/// </summary>
public sealed class RecursionTests(LoopbackHierarchy hierarchy) : IClassFixture<LoopbackHierarchy>, IAsyncLifetime
{
    private ServerFixture _resolver = null!;

    public async ValueTask InitializeAsync() => _resolver = await hierarchy.StartResolverAsync();

    public async ValueTask DisposeAsync() => await _resolver.DisposeAsync();

    private LookupClient Client(bool tcp = false) => new(new LookupClientOptions(new NameServer(_resolver.EndPoint))
    {
        UseCache = false,
        Recursion = true,
        Retries = 0,
        Timeout = TimeSpan.FromSeconds(15),
        UseTcpOnly = tcp,
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
        ContinueOnEmptyResponse = false,
    });

    private async Task<IDnsQueryResponse> Ask(string name, QueryType type, bool tcp = false) =>
        await Client(tcp).QueryAsync(name, type, cancellationToken: TestContext.Current.CancellationToken);

    private static async Task<DnsMessage> Raw(IPEndPoint server, string name, ushort type, ushort flags = HeaderFlags.RD)
    {
        var reply = await RawDns.UdpAsync(server, QueryBytes.Build(name, type, flags: flags, ednsPayload: 1232));
        Assert.True(MessageReader.TryRead(reply, out var message, out var error), error);
        return message;
    }

    // The INFO-CODE of the Extended DNS Error in the reply's OPT record (RFC 8914), or null.
    private static ushort? ExtendedError(DnsMessage message)
    {
        var opt = message.Additional.FirstOrDefault(r => r.Type == RecordType.OPT);
        for (int at = 0; opt is not null && at + 4 <= opt.Data.Length;)
        {
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(opt.Data.AsSpan(at)), length = BinaryPrimitives.ReadUInt16BigEndian(opt.Data.AsSpan(at + 2));
            if (code == 15 && length >= 2)
                return BinaryPrimitives.ReadUInt16BigEndian(opt.Data.AsSpan(at + 4));
            at += 4 + length;
        }
        return null;
    }

    [Fact]
    public async Task A_third_level_name_is_resolved_from_the_root_with_ra_set_and_aa_clear()
    {
        var response = await Ask("news.cctv.com", QueryType.A);

        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.True(response.Header.RecursionAvailable);
        Assert.False(response.Header.HasAuthorityAnswer);
        Assert.Equal("192.0.2.10", Assert.Single(response.Answers.ARecords()).Address.ToString());
    }

    [Fact]
    public async Task A_cname_across_zones_a_glueless_delegation_and_a_child_zone_are_followed()
    {
        var www = await Ask("www.cctv.com", QueryType.A);
        Assert.Equal("www.a.shifen.baidu.com.", Assert.Single(www.Answers.CnameRecords()).CanonicalName.Value);
        Assert.Equal("192.0.2.20", Assert.Single(www.Answers.ARecords()).Address.ToString());

        var glueless = await Ask("www.glueless.com", QueryType.A);
        Assert.Equal("192.0.2.30", Assert.Single(glueless.Answers.ARecords()).Address.ToString());

        var deep = await Ask("deep.sub.cctv.com", QueryType.TXT);
        Assert.Equal("below the second cut", Assert.Single(deep.Answers.TxtRecords()).Text.Single());
    }

    [Fact]
    public async Task Nxdomain_and_nodata_come_back_with_the_zones_soa()
    {
        var missing = await Ask("nope.cctv.com", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, missing.Header.ResponseCode);
        Assert.Equal("cctv.com.", Assert.Single(missing.Authorities.SoaRecords()).DomainName.Value);

        var empty = await Ask("news.cctv.com", QueryType.AAAA);
        Assert.Equal(DnsHeaderResponseCode.NoError, empty.Header.ResponseCode);
        Assert.Empty(empty.Answers);
        Assert.Single(empty.Authorities.SoaRecords());
    }

    [Fact]
    public async Task A_truncated_answer_is_fetched_over_tcp_and_given_whole_over_tcp()
    {
        var udp = await Ask("big.cctv.com", QueryType.TXT);
        Assert.True(udp.Header.ResultTruncated || udp.Answers.Count == 30);

        var tcp = await Ask("big.cctv.com", QueryType.TXT, tcp: true);
        Assert.Equal(30, tcp.Answers.TxtRecords().Count());
        Assert.True(hierarchy.Servers[LoopbackHierarchy.Cctv].Counters.TcpQueries > 0, "the resolver asked cctv.com.'s server over TCP");
    }

    [Fact]
    public async Task Over_tcp_a_slow_name_does_not_hold_up_the_questions_pipelined_behind_it()
    {
        // RFC 7766 6.2.1.1: answers go out as they are ready. The silent.com. question waits out a 1.5 s try;
        // the two behind it on the same connection are answered first, and its SERVFAIL comes after.
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(_resolver.EndPoint, TestContext.Current.CancellationToken);
        byte[] pipelined =
        [
            .. RawDns.Framed(QueryBytes.Build("www.silent.com.", RecordType.A, id: 1, flags: HeaderFlags.RD)),
            .. RawDns.Framed(QueryBytes.Build("news.cctv.com.", RecordType.A, id: 2, flags: HeaderFlags.RD)),
            .. RawDns.Framed(QueryBytes.Build("www.a.shifen.baidu.com.", RecordType.A, id: 3, flags: HeaderFlags.RD)),
        ];
        await socket.SendAsync(pipelined, TestContext.Current.CancellationToken);

        var replies = new List<DnsMessage>();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(MessageReader.TryRead(await RawDns.ReadFramedAsync(socket), out var reply, out var error), error);
            replies.Add(reply);
        }
        // The two fast ones in either order (each is its own resolution), the slow one last.
        Assert.Equal([2, 3], replies.Take(2).Select(r => (int)r.Id).Order());
        Assert.Equal(1, replies[2].Id);
        Assert.Equal([ResponseCode.NoError, ResponseCode.NoError, ResponseCode.ServFail], replies.Select(r => r.Rcode));

        // The connection goes on after the answers owed are paid.
        await socket.SendAsync(RawDns.Framed(QueryBytes.Build("news.cctv.com.", RecordType.A, id: 4, flags: HeaderFlags.RD)), TestContext.Current.CancellationToken);
        Assert.True(MessageReader.TryRead(await RawDns.ReadFramedAsync(socket), out var again, out _) && again.Id == 4 && again.Answer.Count == 1);
    }

    [Fact]
    public async Task A_tcp_client_gone_while_answers_are_owed_is_closed_at_once_and_the_server_stops_promptly()
    {
        // Found by attack: the connection (and its descriptor) stayed until every owed resolution ended, and
        // a stop waited for them too: up to twice the resolution timeout.
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.19"), 0));
        var server = new ServerFixture
        {
            RecursionAllow = [IPNetwork.Parse("127.0.0.0/8")],
            Forwarders = [(IPEndPoint)silent.LocalEndPoint!],
            Limits = new() { TryTimeout = TimeSpan.FromSeconds(60), Timeout = TimeSpan.FromSeconds(120) },
        };
        await server.InitializeAsync();
        var cancel = TestContext.Current.CancellationToken;
        async Task<System.Net.Sockets.Socket> OweAsync(string prefix)
        {
            var socket = await TcpClients.ConnectFromAsync(server.EndPoint, "127.0.0.1");
            byte[] questions = [.. Enumerable.Range(0, 20).SelectMany(i => RawDns.Framed(QueryBytes.Build($"{prefix}{i}.slow.example.", RecordType.A, flags: HeaderFlags.RD)))];
            await socket.SendAsync(questions, cancel);
            return socket;
        }
        async Task WaitForConnectionsAsync(int count)
        {
            for (int i = 0; i < 100 && server.Host.OpenTcpConnections != count; i++)
                await Task.Delay(50, cancel);
            Assert.Equal(count, server.Host.OpenTcpConnections);
        }

        var gone = await OweAsync("a");
        await WaitForConnectionsAsync(1);
        gone.LingerState = new System.Net.Sockets.LingerOption(true, 0); // a reset, as a client that crashed
        gone.Close();
        await WaitForConnectionsAsync(0);

        using var waiting = await OweAsync("b");
        await WaitForConnectionsAsync(1);
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {stopping.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task A_second_question_is_answered_from_the_cache_with_the_ttl_counted_down()
    {
        var first = await Ask("news.cctv.com", QueryType.A);
        long asked = hierarchy.UpstreamQueries;
        await Task.Delay(1100, TestContext.Current.CancellationToken);
        var second = await Ask("news.cctv.com", QueryType.A);

        Assert.Equal(asked, hierarchy.UpstreamQueries);
        // InitialTimeToLive: what the message said (DnsClient's TimeToLive counts down on its own clock).
        Assert.Equal(300, first.Answers.ARecords().Single().InitialTimeToLive);
        Assert.Equal(299, second.Answers.ARecords().Single().InitialTimeToLive);
    }

    [Fact]
    public async Task A_hundred_identical_questions_at_once_make_one_upstream_query()
    {
        await Ask("cctv.com", QueryType.SOA); // the delegations are cached: what is left is the one leaf query
        long before = hierarchy.QueriesAt(LoopbackHierarchy.Cctv);
        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Raw(_resolver.EndPoint, "burst.cctv.com.", RecordType.A)));

        Assert.All(answers, a => Assert.Equal(ResponseCode.NoError, a.Rcode));
        Assert.Equal(1, hierarchy.QueriesAt(LoopbackHierarchy.Cctv) - before);
    }

    [Fact]
    public async Task Lame_silent_and_looping_delegations_end_in_servfail_with_an_extended_error()
    {
        var started = DateTime.UtcNow;
        foreach (string name in (string[])["www.lame.com.", "www.silent.com.", "www.loop1.com.", "a.cctv.com."])
        {
            var reply = await Raw(_resolver.EndPoint, name, RecordType.A);
            Assert.True(reply.Rcode == ResponseCode.ServFail, $"{name}: {reply.Rcode}");
            Assert.True(ExtendedError(reply) is not null, $"{name}: no Extended DNS Error");
            Assert.True(reply.Has(HeaderFlags.RA));
        }
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
        Assert.Equal(4, _resolver.Host.Counters.Answered(ResponseCode.ServFail)); // the resolver's answers count as responses too
    }

    [Fact]
    public async Task Without_rd_or_from_a_client_not_allowed_the_answer_is_refused_without_ra()
    {
        var noRd = await Raw(_resolver.EndPoint, "news.cctv.com.", RecordType.A, flags: 0);
        Assert.Equal(ResponseCode.Refused, noRd.Rcode);

        await using var closed = await hierarchy.StartResolverAsync([IPNetwork.Parse("10.0.0.0/8")]);
        long before = hierarchy.UpstreamQueries;
        var refused = await Raw(closed.EndPoint, "news.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.Refused, refused.Rcode);
        Assert.False(refused.Has(HeaderFlags.RA));
        Assert.Equal(before, hierarchy.UpstreamQueries);
    }

    [Fact]
    public async Task A_forwarder_that_is_dead_is_passed_over_for_the_next()
    {
        // The first forwarder is an address where nothing answers; the second is our own resolver.
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.17"), 0));
        await using var forwarding = new ServerFixture
        {
            RecursionAllow = [IPNetwork.Parse("127.0.0.0/8")],
            Forwarders = [(IPEndPoint)silent.LocalEndPoint!, _resolver.EndPoint],
            OnlyZones = [],
        };
        await forwarding.InitializeAsync();

        var started = DateTime.UtcNow;
        var reply = await Raw(forwarding.EndPoint, "news.cctv.com.", RecordType.A);
        Assert.Equal(ResponseCode.NoError, reply.Rcode);
        Assert.Single(reply.Answer);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "failover within the try timeout");
    }

    private async Task<(int Exit, string Output, string Error)> Cli(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await MiniDns.Cli.MiniDnsCli.RunAsync(["--db", _resolver.DatabasePath, .. args], output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Cache_dump_shows_what_was_learned_and_flush_makes_the_next_question_go_upstream()
    {
        await Ask("news.cctv.com", QueryType.A);
        await Ask("nope.cctv.com", QueryType.A);

        var dump = await Cli("cache", "dump", "cctv.com", "--subtree");
        Assert.Equal(0, dump.Exit);
        Assert.Matches(@"(?m)^news\.cctv\.com\. \d+ IN A 192\.0\.2\.10$", dump.Output);
        Assert.Matches(@"(?m)^nope\.cctv\.com\. \d+ IN ANY ; NXDOMAIN$", dump.Output);
        Assert.Matches(@"(?m)^cctv\.com\. \d+ IN NS ns1\.cctv\.com\.$", dump.Output);

        var flushed = await Cli("cache", "flush", "news.cctv.com");
        Assert.Equal((0, "flushed 1 entry\n"), (flushed.Exit, flushed.Output));
        long before = hierarchy.QueriesAt(LoopbackHierarchy.Cctv);
        await Ask("news.cctv.com", QueryType.A);
        Assert.Equal(1, hierarchy.QueriesAt(LoopbackHierarchy.Cctv) - before);

        var stats = await Cli("stats");
        Assert.Matches(@"(?m)^cache\.hits \d+$", stats.Output);
        Assert.Matches(@"(?m)^resolver\.upstream_queries [1-9]\d*$", stats.Output);
    }

    [Fact]
    public async Task Trace_shows_each_level_from_the_root_down_with_the_server_asked()
    {
        await Ask("news.cctv.com", QueryType.A); // cached: the trace must not use it
        long before = hierarchy.QueriesAt(LoopbackHierarchy.Root);

        var trace = await Cli("trace", "news.cctv.com", "A");

        Assert.True(trace.Exit == 0, trace.Error);
        Assert.Equal(1, hierarchy.QueriesAt(LoopbackHierarchy.Root) - before);
        var levels = System.Text.RegularExpressions.Regex.Matches(trace.Output, @"(?m)^;; (\S+) at (\S+): (.+) -> (\S+) in \d+ ms$")
            .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value.Split(':')[0]} {m.Groups[3].Value} {m.Groups[4].Value}").ToList();
        Assert.Equal([". 127.0.0.11 com. A NOERROR", "com. 127.0.0.12 cctv.com. A NOERROR", "cctv.com. 127.0.0.13 news.cctv.com. A NOERROR"], levels);
        Assert.Contains("cctv.com. 172800 IN NS ns1.cctv.com.", trace.Output);
        Assert.EndsWith(";; answer for news.cctv.com. A: NOERROR\nnews.cctv.com. 300 IN A 192.0.2.10\n", trace.Output);
    }

    [Fact]
    public async Task Cache_commands_on_a_server_that_does_not_recurse_say_so()
    {
        var hierarchyServer = hierarchy.Servers[LoopbackHierarchy.Com];
        using var output = new StringWriter();
        using var error = new StringWriter();
        var db = Path.ChangeExtension(hierarchyServer.ControlPath, null);
        int exit = await MiniDns.Cli.MiniDnsCli.RunAsync(["--db", db, "cache", "dump"], output, error, TestContext.Current.CancellationToken);
        Assert.Equal(2, exit);
        Assert.Contains("does not recurse", error.ToString());
    }

    [Fact]
    public async Task A_flood_of_new_names_to_a_silent_upstream_is_bounded_and_local_zones_keep_answering()
    {
        // Each question being resolved holds an upstream socket: past the bound, misses are dropped, so a
        // flood cannot take the descriptors that TCP and the control socket need.
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.18"), 0));
        await using var flooded = new ServerFixture
        {
            RecursionAllow = [IPNetwork.Parse("127.0.0.0/8")],
            Forwarders = [(IPEndPoint)silent.LocalEndPoint!],
            ResolvingAtOnce = 20,
        };
        await flooded.InitializeAsync();
        var cancel = TestContext.Current.CancellationToken;
        using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        client.Connect(flooded.EndPoint);
        for (int i = 0; i < 300; i++)
            await client.SendAsync(QueryBytes.Build($"n{i}.flood.example.", RecordType.A, flags: HeaderFlags.RD), cancel);
        await Task.Delay(200, cancel);

        Assert.True(flooded.Host.Recursion!.DroppedBusy >= 250, $"{flooded.Host.Recursion.DroppedBusy} dropped");
        var local = await RawDns.TcpAsync(flooded.EndPoint, QueryBytes.Build("www.example.test.", RecordType.A, flags: HeaderFlags.RD));
        Assert.True(MessageReader.TryRead(local, out var answer, out _) && answer.Rcode == ResponseCode.NoError && answer.Answer.Count > 0);
        // Over TCP a client does not ask again: past the bound it hears SERVFAIL at once (found by attack: it
        // waited out the idle timeout for nothing).
        var started = DateTime.UtcNow;
        var busy = await RawDns.TcpAsync(flooded.EndPoint, QueryBytes.Build("one.more.example.", RecordType.A, flags: HeaderFlags.RD, ednsPayload: 1232));
        Assert.True(MessageReader.TryRead(busy, out var refused, out _) && refused.Rcode == ResponseCode.ServFail);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_name_asked_for_in_the_last_tenth_of_its_ttl_is_fetched_again_in_the_background()
    {
        var cancel = TestContext.Current.CancellationToken;
        await Raw(_resolver.EndPoint, "popular.cctv.com.", RecordType.A); // TTL 10
        long before = hierarchy.QueriesAt(LoopbackHierarchy.Cctv);
        await Task.Delay(TimeSpan.FromSeconds(9.2), cancel);

        var late = await Raw(_resolver.EndPoint, "popular.cctv.com.", RecordType.A);
        Assert.Equal(1u, late.Answer.Single().Ttl); // answered from the cache at once
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (hierarchy.QueriesAt(LoopbackHierarchy.Cctv) == before && DateTime.UtcNow < deadline)
            await Task.Delay(50, cancel);
        Assert.Equal(1, hierarchy.QueriesAt(LoopbackHierarchy.Cctv) - before);
        Assert.Equal(1, _resolver.Host.Recursion!.Refreshes);
        await Task.Delay(200, cancel);
        var renewed = await Raw(_resolver.EndPoint, "popular.cctv.com.", RecordType.A);
        Assert.True(renewed.Answer.Single().Ttl >= 9, $"TTL {renewed.Answer.Single().Ttl} after the prefetch");
    }
}
