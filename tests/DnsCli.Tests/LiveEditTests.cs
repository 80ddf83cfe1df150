using System.Net;
using DnsClient;
using MiniDns.Tests.Support;

namespace MiniDns.Tests;

/// <summary>Edits made with the CLI while the server runs: answered as soon as the command returns, and check agrees.</summary>
public sealed class LiveEditTests
{
    private static LookupClient Client(StoreFolder store) => new(new LookupClientOptions(new NameServer(IPAddress.Loopback, store.Server!.Port))
    {
        UseCache = false, Recursion = false, Retries = 0, Timeout = TimeSpan.FromSeconds(5),
    });

    private static async Task<string[]> AddressesAsync(StoreFolder store, string name) =>
        (await Client(store).QueryAsync(name, QueryType.A, cancellationToken: TestContext.Current.CancellationToken))
            .Answers.ARecords().Select(a => a.Address.ToString()).Order().ToArray();

    [Fact]
    public async Task Add_and_remove_are_answered_when_the_command_returns_and_check_passes_after_each()
    {
        await using var store = await StoreFolder.CreateAsync(withServer: true);
        var check = await store.RunAsync("check", "--server", store.ServerAddress);
        Assert.True(check.ExitCode == 0, check.ToString());

        Assert.Equal(0, (await store.RunAsync("record", "add", "live.cctv.com", "A", "192.0.2.77", "--ttl", "60")).ExitCode);
        Assert.Equal(["192.0.2.77"], await AddressesAsync(store, "live.cctv.com"));
        check = await store.RunAsync("check", "--server", store.ServerAddress);
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.StartsWith("OK:", check.Output);

        Assert.Equal(0, (await store.RunAsync("record", "remove", "live.cctv.com", "A", "192.0.2.77")).ExitCode);
        Assert.Empty(await AddressesAsync(store, "live.cctv.com"));
        check = await store.RunAsync("check", "--server", store.ServerAddress, "cctv.com");
        Assert.True(check.ExitCode == 0, check.ToString());
    }

    [Fact]
    public async Task Check_exits_1_and_names_the_record_when_the_server_answers_something_else()
    {
        await using var served = await StoreFolder.CreateAsync(withServer: true);
        await using var other = await StoreFolder.CreateAsync();
        Assert.Equal(0, (await other.RunAsync("record", "add", "www.cctv.com", "A", "198.51.100.200")).ExitCode);

        // The other store's records, checked against the server of the first store.
        var check = await other.RunAsync("check", "--server", served.ServerAddress, "cctv.com");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("MISMATCH www.cctv.com. A: data differs", check.Output);
        Assert.Contains("198.51.100.200", check.Output);
        Assert.Contains("MISMATCH cctv.com. SOA", check.Output); // the edit moved the serial
        Assert.StartsWith("FAILED:", check.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);

        var json = System.Text.Json.JsonDocument.Parse((await other.RunAsync("check", "--server", served.ServerAddress, "--json")).Output).RootElement;
        Assert.Contains(json.GetProperty("problems").EnumerateArray(), p => p.GetProperty("name").GetString() == "www.cctv.com.");
    }

    [Fact]
    public async Task Check_reports_a_server_that_does_not_answer()
    {
        await using var store = await StoreFolder.CreateAsync();
        using var silent = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never answers
        var check = await store.RunAsync("check", "--server", silent.Client.LocalEndPoint!.ToString()!);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("timed out", check.Output);
    }

    [Fact]
    public async Task Query_prints_flags_sections_and_ttls_like_dig()
    {
        await using var store = await StoreFolder.CreateAsync(withServer: true);
        var result = await store.RunAsync("query", "cctv.com", "MX", "--server", store.ServerAddress);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("status: NOERROR", result.Output);
        Assert.Contains(";; flags: qr aa;", result.Output);
        Assert.Contains("cctv.com.\t3600\tIN\tMX\t10 mail.cctv.com.", result.Output);
        Assert.Contains(";; ADDITIONAL SECTION:", result.Output);

        var missing = await store.RunAsync("query", "nope.cctv.com", "--server", store.ServerAddress, "--tcp", "--json");
        var json = System.Text.Json.JsonDocument.Parse(missing.Output).RootElement;
        Assert.Equal("NXDOMAIN", json.GetProperty("status").GetString());
        Assert.Equal("SOA", json.GetProperty("authority")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Check_passes_for_a_parent_and_a_hosted_child_zone()
    {
        await using var store = await StoreFolder.CreateAsync(withServer: true);
        Assert.Equal(0, (await store.RunAsync("record", "add", "sub.cctv.com", "NS", "ns.sub.cctv.com")).ExitCode);
        Assert.Equal(0, (await store.RunAsync("record", "add", "ns.sub.cctv.com", "A", "192.0.2.53")).ExitCode);
        var added = await store.RunAsync("zone", "add", "sub.cctv.com", "--ns", "ns.sub.cctv.com");
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal(0, (await store.RunAsync("record", "add", "ns.sub.cctv.com", "A", "192.0.2.54")).ExitCode);

        var check = await store.RunAsync("check", "--server", store.ServerAddress);
        Assert.True(check.ExitCode == 0, check.ToString());
    }

    [Fact]
    public async Task Forty_commands_at_once_all_succeed_past_the_servers_connection_cap()
    {
        // The server serves 32 control connections at a time; the others are told it is busy and ask again.
        await using var store = await StoreFolder.CreateAsync(withServer: true);
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => store.RunAsync("record", "add", $"c{i}.cctv.com", "A", $"192.0.2.{i + 1}"), TestContext.Current.CancellationToken)));
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var listed = (await store.RunAsync("record", "list", "cctv.com")).Output;
        Assert.Equal(40, System.Text.RegularExpressions.Regex.Matches(listed, @"(?m)^c\d+\.cctv\.com\.").Count);
    }

    [Fact]
    public async Task A_command_waits_while_the_control_connections_are_all_taken()
    {
        // Found by attack: at the cap the server says "busy" without reading, the CLI's write failed with
        // EPIPE, and the command gave up at once instead of asking again within --lock-timeout.
        await using var store = await StoreFolder.CreateAsync(withServer: true);
        var idle = new List<System.Net.Sockets.Socket>();
        for (int i = 0; i < 32; i++)
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(store.Database + ".ctl"), TestContext.Current.CancellationToken);
            idle.Add(socket);
        }
        await Task.Delay(200, TestContext.Current.CancellationToken);
        var adding = Task.Run(() => store.RunAsync("record", "add", "waited.cctv.com", "A", "192.0.2.77"), TestContext.Current.CancellationToken);
        await Task.Delay(700, TestContext.Current.CancellationToken);
        Assert.False(adding.IsCompleted, "the command waits for a free connection");
        foreach (var socket in idle)
            socket.Dispose();

        var added = await adding;
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Contains("waited.cctv.com.", (await store.RunAsync("record", "list", "waited.cctv.com")).Output);
    }
}
