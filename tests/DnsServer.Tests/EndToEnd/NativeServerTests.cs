using System.Net;
using System.Runtime.InteropServices;
using DnsClient;
using MiniDns.Storage;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.EndToEnd;

/// <summary>
/// The server as it is deployed and benchmarked: published ahead of time (native). Reflection that only
/// the JIT supports would break it there and nowhere else, so it imports, answers and reloads here.
/// </summary>
public sealed class NativeServerTests
{
    [Fact]
    public async Task The_native_server_imports_answers_reloads_an_edit_and_stops_cleanly()
    {
        Interop.RequireTool("clang", "clang");
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.OSArchitecture != Architecture.X64)
            Assert.Skip("the native publish is exercised on linux-x64");
        var cancel = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        var published = await ProcessRunner.RunAsync("dotnet",
            ["publish", Path.Combine(Repository.Root, "src", "DnsServer"), "-c", "Release", "-r", "linux-x64", "-o", folder.File("native"), "-nologo"],
            TimeSpan.FromMinutes(10));
        Assert.True(published.ExitCode == 0, published.Output + published.Error);

        var database = folder.File("native.db");
        await using var server = await ServerProcess.StartNativeAsync(folder.File("native/DnsServer"), database, Repository.ZonesFolder);
        var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, server.Port)) { UseCache = false, Timeout = TimeSpan.FromSeconds(5), Retries = 1 });
        var www = await client.QueryAsync("www.baidu.com", QueryType.A, cancellationToken: cancel);
        Assert.Contains(www.Answers.ARecords(), a => a.Address.ToString() == "198.51.100.80");

        Assert.True(NameText.TryParse("native.cctv.com.", [], out var name, out _));
        using (var store = new ZoneStore(database))
            store.AddRecord(name, RecordType.A, [192, 0, 2, 77], 60);
        string[] seen = [];
        for (int i = 0; i < 50 && seen.Length == 0; i++) // an edit is answered within a second (poll 200 ms)
        {
            await Task.Delay(100, cancel);
            seen = (await client.QueryAsync("native.cctv.com", QueryType.A, cancellationToken: cancel)).Answers.ARecords().Select(a => a.Address.ToString()).ToArray();
        }
        Assert.Equal(["192.0.2.77"], seen);

        Assert.Equal(0, await server.StopAsync());
        Assert.Contains("Shutting down after", server.Output);
    }
}
