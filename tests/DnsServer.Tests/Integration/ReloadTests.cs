using DnsClient;
using MiniDns.Storage;
using MiniDns.Tests.Support;
using MiniDns.Zones;

namespace MiniDns.Tests.Integration;

/// <summary>
/// A change committed to the store by another connection is served within a second, and a query during a
/// reload sees the old zone or the new one, never a mix.
/// </summary>
public sealed class ReloadTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string[] OldSet = ["192.0.2.11", "192.0.2.12", "192.0.2.13"];
    private static readonly string[] NewSet = ["198.51.100.21", "198.51.100.22", "198.51.100.23"];

    private static long WriteZone(string database, string[] addresses)
    {
        var text = "$ORIGIN reload.test.\n$TTL 60\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\n"
            + string.Concat(addresses.Select(a => $"set IN A {a}\n"));
        var file = MasterFileParser.Parse(text, "reload.zone");
        Assert.True(file.IsValid, string.Join("\n", file.Errors));
        using var store = new ZoneStore(database);
        store.ImportZone(file.Origin!, file.Records, replace: true);
        return store.ReadChangeCounter();
    }

    private async Task<string[]> AskAsync(LookupClient client) =>
        (await client.QueryAsync("set.reload.test", QueryType.A, cancellationToken: TestContext.Current.CancellationToken))
            .Answers.ARecords().Select(a => a.Address.ToString()).Order().ToArray();

    private async Task WaitForAsync(long version, TimeSpan bound)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(bound);
        await server.Host.Snapshots.WaitForVersionAsync(version, wait.Token);
    }

    [Fact]
    public async Task A_change_by_another_connection_is_answered_within_one_second()
    {
        var client = server.Client(Transport.Udp);
        await WaitForAsync(WriteZone(server.DatabasePath, OldSet), TimeSpan.FromSeconds(1));
        Assert.Equal(OldSet, await AskAsync(client));

        await WaitForAsync(WriteZone(server.DatabasePath, NewSet), TimeSpan.FromSeconds(1));
        Assert.Equal(NewSet, await AskAsync(client));
    }

    [Fact]
    public async Task Queries_during_reloads_see_the_old_set_or_the_new_one()
    {
        await WaitForAsync(WriteZone(server.DatabasePath, OldSet), TimeSpan.FromSeconds(5));
        using var stop = new CancellationTokenSource();
        var client = server.Client(Transport.Udp);
        var seen = new List<string[]>();
        var asking = Task.Run(async () =>
        {
            // Bounded: at most 2,000 queries, and it ends when the writer is done.
            for (int i = 0; i < 2000 && !stop.IsCancellationRequested; i++)
                seen.Add(await AskAsync(client));
        }, TestContext.Current.CancellationToken);

        for (int round = 1; round <= 6; round++)
            await WaitForAsync(WriteZone(server.DatabasePath, round % 2 == 0 ? OldSet : NewSet), TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await asking;

        Assert.NotEmpty(seen);
        Assert.All(seen, answer => Assert.True(answer.SequenceEqual(OldSet) || answer.SequenceEqual(NewSet), string.Join(",", answer)));
    }

    [Fact]
    public void Reloads_run_on_a_thread_below_the_receive_loops_priority()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Skip("thread priorities are set on Linux only");
        Assert.NotNull(server.Host);
        // /proc/self/task/TID/stat: field 19 is the nice value; the command name may hold spaces, so count after ")".
        int Nice(string task) => int.Parse(File.ReadAllText(Path.Combine(task, "stat")).Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[16],
            System.Globalization.CultureInfo.InvariantCulture);
        var threads = Directory.GetDirectories("/proc/self/task").ToDictionary(t => t, t => File.ReadAllText(Path.Combine(t, "comm")).Trim());
        // Other tests may run servers in this process too: every one's threads must follow the rule.
        var reloads = threads.Where(t => t.Value == "minidns reload").ToList();
        var receivers = threads.Where(t => t.Value.StartsWith("udp-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(reloads);
        Assert.NotEmpty(receivers);
        Assert.All(reloads, t => Assert.Equal(10, Nice(t.Key)));
        Assert.All(receivers, t => Assert.Equal(0, Nice(t.Key)));
    }
}
