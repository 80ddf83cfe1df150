using System.Text.Json;
using MiniDns.Tests.Support;

namespace MiniDns.Tests;

/// <summary>record set, batch, zone check, status and stats: both ways where the store is involved.</summary>
public sealed class NewCommandTests
{
    private static async Task<CliRunner.Result> RunWithInputAsync(StoreFolder store, string input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await MiniDns.Cli.MiniDnsCli.RunAsync(["--db", store.Database, .. args], output, error, TestContext.Current.CancellationToken, new StringReader(input));
        return new CliRunner.Result(exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Record_set_replaces_the_rrset_and_a_second_set_changes_nothing(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var set = await store.RunAsync("record", "set", "www.cctv.com", "A", "192.0.2.1", "192.0.2.2", "--ttl", "120");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal("set www.cctv.com. A: 2 records\n", set.Output);
        var listed = (await store.RunAsync("record", "list", "www.cctv.com")).Output;
        Assert.Matches(@"www\.cctv\.com\.\s+120\s+A\s+192\.0\.2\.1\n", listed);
        Assert.Matches(@"www\.cctv\.com\.\s+120\s+A\s+192\.0\.2\.2\n", listed);
        Assert.DoesNotContain("192.0.2.80", listed); // the old record is gone
        Assert.StartsWith("unchanged", (await store.RunAsync("record", "set", "www.cctv.com", "A", "192.0.2.2", "192.0.2.1")).Output);

        var mx = await store.RunAsync("record", "set", "cctv.com", "MX", "10 mail.cctv.com", "20 mx2.cctv.com");
        Assert.True(mx.ExitCode == 0, mx.ToString());
        Assert.Contains("20 mx2.cctv.com.", (await store.RunAsync("record", "list", "cctv.com")).Output);
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Record_set_refuses_what_add_refuses_and_writes_nothing(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var before = store.FileBytes();
        var cname = await store.RunAsync("record", "set", "news.cctv.com", "CNAME", "www.cctv.com");
        Assert.Equal(2, cname.ExitCode);
        Assert.Equal("minidns: news.cctv.com. has a CNAME and other data (RFC 2181 10.1)\n", cname.Error);
        var soa = await store.RunAsync("record", "set", "cctv.com", "SOA", "a. b. 1 2 3 4 5");
        Assert.Equal(2, soa.ExitCode);
        Assert.Equal(before, store.FileBytes());
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Batch_applies_every_line_in_one_transaction_with_one_serial_bump(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        long counter = store.ChangeCounter();
        uint serial = Serial(await store.RunAsync("zone", "list", "--json"), "cctv.com.");
        var result = await RunWithInputAsync(store, """
            ; a comment, then edits relative to --zone
            add b1 300 A 192.0.2.31
            add b2 TXT "two words"
            set b3 60 A 192.0.2.33
            set b3 60 A 192.0.2.34
            remove www A
            """, "batch", "-", "--zone", "cctv.com");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("applied 4 edits in one transaction: 4 changed the store, 0 changed nothing\n", result.Output);
        var listed = (await store.RunAsync("record", "list", "cctv.com")).Output;
        Assert.Matches(@"b1\.cctv\.com\.\s+300\s+A\s+192\.0\.2\.31", listed);
        Assert.Matches("b2\\.cctv\\.com\\.\\s+3600\\s+TXT\\s+\"two words\"", listed);
        Assert.Matches(@"b3\.cctv\.com\.\s+60\s+A\s+192\.0\.2\.34", listed);
        Assert.DoesNotMatch(@"www\.cctv\.com\.\s+\d+\s+A\s", listed);
        Assert.Equal(counter + 1, store.ChangeCounter());
        // One bump for the whole batch: the serial moved once, as one record add moves it.
        uint after = Serial(await store.RunAsync("zone", "list", "--json"), "cctv.com.");
        Assert.NotEqual(serial, after);
        Assert.Equal(0, (await store.RunAsync("record", "add", "one.cctv.com", "A", "192.0.2.50")).ExitCode);
        Assert.Equal(after + 1, Serial(await store.RunAsync("zone", "list", "--json"), "cctv.com."));
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task A_batch_with_one_bad_line_writes_nothing_and_names_the_line(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var before = store.FileBytes();
        string file = Path.Combine(store.Folder, "edits.txt");

        File.WriteAllText(file, "add ok1.cctv.com A 192.0.2.41\nadd bad.cctv.com A 192.0.2.999\n");
        var parse = await store.RunAsync("batch", file);
        Assert.Equal(2, parse.ExitCode);
        Assert.Equal("minidns: edits.txt:2: A IPv4 address: '192.0.2.999' is not an IPv4 address\n", parse.Error);

        // Parsed fine, refused by the store at the third line: the first two are not applied either.
        File.WriteAllText(file, "add ok1.cctv.com A 192.0.2.41\nadd ok2.cctv.com A 192.0.2.42\nadd sports.cctv.com A 192.0.2.43\n");
        var refused = await store.RunAsync("batch", file);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("minidns: edits.txt:3: sports.cctv.com. has a CNAME and other data (RFC 2181 10.1)\n", refused.Error);
        Assert.DoesNotContain("ok1", (await store.RunAsync("record", "list", "cctv.com")).Output);
        Assert.Equal(before, store.FileBytes());
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Zone_serial_shows_keeps_a_policy_and_refuses_a_step_back(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        uint serial = Serial(await store.RunAsync("zone", "list", "--json"), "cctv.com.");
        Assert.Equal($"cctv.com. serial {serial} (policy date)\n", (await store.RunAsync("zone", "serial", "cctv.com")).Output);

        var bumped = await store.RunAsync("zone", "serial", "cctv.com", "--policy", "increment", "--bump");
        Assert.Equal($"cctv.com. serial {serial + 1} (policy increment)\n", bumped.Output);
        Assert.Equal(0, (await store.RunAsync("record", "add", "inc.cctv.com", "A", "192.0.2.60")).ExitCode);
        Assert.Equal(serial + 2, Serial(await store.RunAsync("zone", "list", "--json"), "cctv.com.")); // the kept policy: +1

        var before = store.FileBytes();
        var back = await store.RunAsync("zone", "serial", "cctv.com", "--set", "1");
        Assert.Equal(2, back.ExitCode);
        Assert.Equal($"minidns: serial 1 is not after {serial + 2} (RFC 1982): secondaries would not take it\n", back.Error);
        var policy = await store.RunAsync("zone", "serial", "cctv.com", "--policy", "weekly");
        Assert.Equal(2, policy.ExitCode);
        Assert.Contains("'weekly' is not a serial policy", policy.Error);
        Assert.Equal(before, store.FileBytes());

        Assert.Equal($"cctv.com. serial {serial + 100} (policy increment)\n", (await store.RunAsync("zone", "serial", "cctv.com", "--set", $"{serial + 100}")).Output);
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Zone_soa_changes_fields_and_moves_the_serial(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        uint serial = Serial(await store.RunAsync("zone", "list", "--json"), "cctv.com.");
        var result = await store.RunAsync("zone", "soa", "cctv.com", "--refresh", "1234", "--rname", "dns.cctv.com", "--ttl", "120");
        Assert.True(result.ExitCode == 0, result.ToString());
        var soa = (await store.RunAsync("record", "list", "cctv.com")).Output.Split('\n').First(l => l.Contains("SOA", StringComparison.Ordinal));
        Assert.Matches(@"^cctv\.com\.\s+120\s+SOA\s+ns1\.cctv\.com\. dns\.cctv\.com\. \d+ 1234 3600 1209600 300$", soa);
        Assert.NotEqual(serial, Serial(await store.RunAsync("zone", "list", "--json"), "cctv.com."));

        var before = store.FileBytes();
        Assert.Equal("minidns: there is no zone nothere.test.\n", (await store.RunAsync("zone", "soa", "nothere.test", "--retry", "5")).Error);
        Assert.Equal(2, (await store.RunAsync("zone", "soa", "cctv.com")).ExitCode);
        Assert.Equal(before, store.FileBytes());
    }

    [Fact]
    public async Task Zone_check_validates_files_offline_and_writes_nothing()
    {
        await using var store = await StoreFolder.CreateAsync();
        var before = store.FileBytes();
        var good = await store.RunAsync("zone", "check", Path.Combine(Repository.ZonesFolder, "cctv.com.zone"));
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Matches(@"cctv\.com\.zone: zone cctv\.com\., \d+ records: OK", good.Output);

        string bad = Path.Combine(store.Folder, "bad.zone");
        File.WriteAllText(bad, "$ORIGIN bad.test.\n@ 60 IN SOA ns1 h 1 2 3 4 5\n@ 60 IN NS ns1\nwww 60 IN A 192.0.2.1\nwww 60 IN CNAME x\n");
        var refused = await CliRunner.RunAsync("zone", "check", bad); // no --db: no store is needed
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("bad.zone:4: www.bad.test. has a CNAME and other data", refused.Error);
        Assert.Equal(before, store.FileBytes());
    }

    [Fact]
    public async Task Status_and_stats_describe_the_running_server()
    {
        await using var store = await StoreFolder.CreateAsync(StoreMode.Server);
        Assert.Equal(0, (await store.RunAsync("query", "www.cctv.com", "A", "--server", store.ServerAddress)).ExitCode);
        var status = await store.RunAsync("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains($"process {Environment.ProcessId}", status.Output);
        Assert.Contains($"store:     {store.Database}", status.Output);
        Assert.Contains($"127.0.0.1:{store.Server!.Port}", status.Output);
        Assert.Matches(@"cctv\.com\.\s+\d{10}\s+\d+", status.Output);
        var json = JsonDocument.Parse((await store.RunAsync("status", "--json")).Output).RootElement;
        Assert.Equal(store.Database + ".ctl", json.GetProperty("control").GetString());
        Assert.Contains(json.GetProperty("zones").EnumerateArray(), z => z.GetProperty("origin").GetString() == "cctv.com.");

        var stats = JsonDocument.Parse((await store.RunAsync("stats", "--json")).Output).RootElement;
        Assert.True(stats.GetProperty("queries.udp").GetInt64() >= 1);
        Assert.True(stats.GetProperty("responses.noerror").GetInt64() >= 1);
        Assert.Matches(@"(?m)^errors 0$", (await store.RunAsync("stats")).Output);
    }

    [Fact]
    public async Task Status_without_a_server_is_one_line_and_exit_2()
    {
        await using var store = await StoreFolder.CreateAsync();
        var result = await store.RunAsync("status");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"minidns: no server is running for {store.Database} (nothing answers on {store.Database}.ctl)\n", result.Error);
    }

    private static uint Serial(CliRunner.Result zoneList, string zone) =>
        JsonDocument.Parse(zoneList.Output).RootElement.EnumerateArray().Single(z => z.GetProperty("zone").GetString() == zone).GetProperty("serial").GetUInt32();
}
