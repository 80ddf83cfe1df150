using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
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
    private static async Task<string> PublishAsync(string project, string output)
    {
        var published = await ProcessRunner.RunAsync("dotnet",
            ["publish", Path.Combine(Repository.Root, "src", project), "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo"],
            TimeSpan.FromMinutes(10));
        Assert.True(published.ExitCode == 0, published.Output + published.Error);
        return output;
    }

    [Fact]
    public async Task The_native_server_and_cli_import_answer_edit_reload_check_and_stop_cleanly()
    {
        Interop.RequireTool("clang", "clang");
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.OSArchitecture != Architecture.X64)
            Assert.Skip("the native publish is exercised on linux-x64");
        var cancel = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        // One after the other: both publish DnsCore into the same obj folder.
        var serverFolder = await PublishAsync("DnsServer", folder.File("server"));
        var cliFolder = await PublishAsync("DnsCli", folder.File("cli"));
        var cli = Path.Combine(cliFolder, "minidns");

        var database = folder.File("native.db");
        await using var server = await ServerProcess.StartNativeAsync(Path.Combine(serverFolder, "DnsServer"), database, Repository.ZonesFolder);
        string address = $"127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}";
        var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, server.Port)) { UseCache = false, Timeout = TimeSpan.FromSeconds(5), Retries = 1 });
        var www = await client.QueryAsync("www.baidu.com", QueryType.A, cancellationToken: cancel);
        Assert.Contains(www.Answers.ARecords(), a => a.Address.ToString() == "198.51.100.80");

        var added = await ProcessRunner.RunAsync(cli, ["--db", database, "record", "add", "native.cctv.com", "A", "192.0.2.77", "--ttl", "60"]);
        Assert.True(added.ExitCode == 0, added.Output + added.Error);
        string[] seen = [];
        for (int i = 0; i < 50 && seen.Length == 0; i++) // an edit is answered within a second (poll 200 ms)
        {
            await Task.Delay(100, cancel);
            seen = (await client.QueryAsync("native.cctv.com", QueryType.A, cancellationToken: cancel)).Answers.ARecords().Select(a => a.Address.ToString()).ToArray();
        }
        Assert.Equal(["192.0.2.77"], seen);

        var check = await ProcessRunner.RunAsync(cli, ["--db", database, "check", "--server", address, "--json"]);
        Assert.True(check.ExitCode == 0, check.Output + check.Error);
        Assert.Contains("\"allMatch\": true", check.Output);

        Assert.Equal(0, await server.StopAsync());
        Assert.Contains("Shutting down after", server.Output);
    }
}
