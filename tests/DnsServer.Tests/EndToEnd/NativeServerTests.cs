using System.Globalization;
using System.Net;
using DnsClient;
using MiniDns.Tests.Support;

namespace MiniDns.Tests.EndToEnd;

/// <summary>
/// The server and the CLI as they are deployed and benchmarked: published ahead of time (native).
/// Reflection that only the JIT supports would break them there and nowhere else, so here the native
/// server imports, answers and reloads an edit the native CLI makes, and the CLI checks it all.
/// </summary>
public sealed class NativeServerTests
{
    [Fact]
    public async Task The_native_server_and_cli_import_answer_edit_reload_check_and_stop_cleanly()
    {
        var (serverBinary, cli) = await NativeBinaries.GetAsync();
        var cancel = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        var database = folder.File("native.db");
        int metricsPort = MetricsScrape.FreePort();
        await using var server = await ServerProcess.StartNativeAsync(serverBinary, database, Repository.ZonesFolder, "--metrics", $"127.0.0.1:{metricsPort}");
        string address = $"127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}";
        var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, server.Port)) { UseCache = false, Timeout = TimeSpan.FromSeconds(5), Retries = 1 });
        var www = await client.QueryAsync("www.baidu.com", QueryType.A, cancellationToken: cancel);
        Assert.Contains(www.Answers.ARecords(), a => a.Address.ToString() == "198.51.100.80");

        var added = await ProcessRunner.RunAsync(cli, ["--db", database, "record", "add", "native.cctv.com", "A", "192.0.2.77", "--ttl", "60"]);
        Assert.True(added.ExitCode == 0, added.Output + added.Error);
        // The edit went through the control socket, whose reply comes once the new snapshot serves.
        var seen = (await client.QueryAsync("native.cctv.com", QueryType.A, cancellationToken: cancel)).Answers.ARecords().Select(a => a.Address.ToString());
        Assert.Equal(["192.0.2.77"], seen);

        var check = await ProcessRunner.RunAsync(cli, ["--db", database, "check", "--server", address, "--json"]);
        Assert.True(check.ExitCode == 0, check.Output + check.Error);
        Assert.Contains("\"allMatch\": true", check.Output);

        // prometheus-net in the native build: the counters scrape as they do under the JIT.
        var metrics = await MetricsScrape.GetAsync(metricsPort);
        Assert.True(metrics.Value("minidns_queries_total{transport=\"udp\"}") >= 2, metrics.Text);
        Assert.True(metrics.Value("minidns_reloads_total") >= 1, metrics.Text);
        Assert.Equal(0, metrics.Value("minidns_errors_total"));

        // The store's lock holds across native processes (LiteDB's named mutex did not): a CLI sent to a
        // control socket where nobody answers waits for the lock, then names its holder; a second server gives up.
        string nowhere = folder.File("nowhere.ctl");
        var locked = await ProcessRunner.RunAsync(cli, ["--db", database, "--control", nowhere, "--lock-timeout", "0.5", "record", "add", "late.cctv.com", "A", "192.0.2.78"]);
        Assert.Equal(2, locked.ExitCode);
        Assert.Equal($"minidns: {database} is in use by process {server.ProcessId}; its control socket is {nowhere}\n", locked.Error);
        var second = await ProcessRunner.RunAsync(serverBinary, ["--db", database, "--control", nowhere, "--port", "0", "--listen", "127.0.0.1", "--lock-timeout", "0"]);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains($"is in use by process {server.ProcessId}", second.Output);
        Assert.Empty((await client.QueryAsync("late.cctv.com", QueryType.A, cancellationToken: cancel)).Answers);

        Assert.Equal(0, await server.StopAsync());
        Assert.Contains("Shutting down after", server.Output);
    }
}
