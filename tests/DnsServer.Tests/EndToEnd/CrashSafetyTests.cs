using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MiniDns.Tests.Support;

namespace MiniDns.Tests.EndToEnd;

/// <summary>
/// kill -9 in the middle of a 100,000-record import, of the server (the import came over the control
/// socket) or of the CLI (offline import): the store opens afterwards, the import is wholly there or wholly
/// absent, and the zones stored before it are intact. LiteDB commits through its log file; the OS drops
/// the dead process's lock.
/// </summary>
public sealed class CrashSafetyTests
{
    private const int Records = 100_000;
    private static string Cli => Path.Combine(AppContext.BaseDirectory, "minidns.dll");

    private static string BigZone(TempFolder folder)
    {
        var text = new StringBuilder("$ORIGIN crash.test.\n$TTL 60\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\nns1 IN A 192.0.2.1\n");
        for (int i = 0; i < Records; i++)
            text.Append("h").Append(i).Append(" IN A 198.51.").Append(i / 256 % 256).Append('.').Append(i % 256).Append('\n');
        string path = folder.File("crash.test.zone");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static async Task<Dictionary<string, int>> ZonesAsync(string database)
    {
        var listed = await ProcessRunner.RunAsync("dotnet", [Cli, "--db", database, "zone", "list", "--json"]);
        Assert.True(listed.ExitCode == 0, listed.Output + listed.Error);
        return JsonDocument.Parse(listed.Output).RootElement.EnumerateArray()
            .ToDictionary(z => z.GetProperty("zone").GetString()!, z => z.GetProperty("records").GetInt32());
    }

    private static void AssertWholeOrAbsent(Dictionary<string, int> before, Dictionary<string, int> after)
    {
        foreach (var (zone, records) in before)
            Assert.Equal(records, after[zone]);
        if (after.TryGetValue("crash.test.", out int imported))
            Assert.Equal(Records + 3, imported);
        Assert.Equal(before.Count + (after.ContainsKey("crash.test.") ? 1 : 0), after.Count);
    }

    [Theory]
    [InlineData(700)]
    [InlineData(1500)]
    [InlineData(2500)]
    public async Task Killing_the_server_during_an_import_leaves_it_whole_or_absent(int killAfterMs)
    {
        using var folder = new TempFolder();
        string database = folder.File("crash.db"), zone = BigZone(folder);
        Dictionary<string, int> before;
        await using (var server = await ServerProcess.StartAsync(database, Repository.ZonesFolder))
        {
            before = await ZonesAsync(database);
            var import = ProcessRunner.RunAsync("dotnet", [Cli, "--db", database, "zone", "import", zone], TimeSpan.FromMinutes(2));
            await Task.Delay(killAfterMs, TestContext.Current.CancellationToken);
            Process.GetProcessById(server.ProcessId).Kill();
            await import; // whatever it says: it was cut off, or it finished first
        }
        await using (var restarted = await ServerProcess.StartAsync(database, folder.File("no-zones")))
            AssertWholeOrAbsent(before, await ZonesAsync(database));
    }

    [Theory]
    [InlineData(700)]
    [InlineData(1500)]
    public async Task Killing_the_cli_during_an_offline_import_leaves_it_whole_or_absent(int killAfterMs)
    {
        using var folder = new TempFolder();
        string database = folder.File("crash.db"), zone = BigZone(folder);
        var imported = await ProcessRunner.RunAsync("dotnet", [Cli, "--db", database, "zone", "import", Path.Combine(Repository.ZonesFolder, "cctv.com.zone")]);
        Assert.True(imported.ExitCode == 0, imported.Error);
        var before = await ZonesAsync(database);

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Cli, "--db", database, "zone", "import", zone])
            start.ArgumentList.Add(argument);
        using (var cli = Process.Start(start)!)
        {
            await Task.Delay(killAfterMs, TestContext.Current.CancellationToken);
            if (!cli.HasExited)
                cli.Kill();
            await cli.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        AssertWholeOrAbsent(before, await ZonesAsync(database));
    }
}
