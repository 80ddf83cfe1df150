using MiniDns.Tests.Support;

namespace MiniDns.Tests;

/// <summary>The real minidns binary, as people run it from the shell, next to the running server.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task Every_command_works_as_a_real_process()
    {
        await using var store = await StoreFolder.CreateAsync(withServer: true);
        string zoneFile = Path.Combine(store.Folder, "proc.zone");
        File.WriteAllText(zoneFile, "$ORIGIN proc.test.\n@ 3600 IN SOA ns1 h 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 60 IN A 192.0.2.1\n");
        string exported = Path.Combine(store.Folder, "exported.zone");
        string[][] steps =
        [
            ["zone", "import", zoneFile],
            ["zone", "add", "added.test", "--ns", "ns1.added.test"],
            ["zone", "list"],
            ["record", "add", "www.proc.test", "A", "192.0.2.80"],
            ["record", "list", "proc.test"],
            ["record", "remove", "ns1.proc.test", "A"],
            ["zone", "export", "proc.test", "-o", exported],
            ["zone", "remove", "added.test", "--yes"],
        ];
        foreach (var step in steps)
        {
            var result = await store.RunProcessAsync(step);
            Assert.True(result.ExitCode == 0, $"minidns {string.Join(' ', step)}: {result}");
        }
        Assert.Contains("www.proc.test. 3600 IN A 192.0.2.80", File.ReadAllText(exported));

        var query = await store.RunProcessAsync("query", "www.proc.test", "A", "--server", store.ServerAddress);
        Assert.Contains("192.0.2.80", query.Output);
        var check = await store.RunProcessAsync("check", "--server", store.ServerAddress);
        Assert.True(check.ExitCode == 0, check.ToString());

        var refused = await store.RunProcessAsync("record", "add", "www.proc.test", "A", "999.0.0.1");
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("minidns: A IPv4 address: '999.0.0.1' is not an IPv4 address\n", refused.Error);
    }
}
