using DnsClient;
using MiniDns.Control;
using MiniDns.Tests.Support;
using MiniDns.Zones;

namespace MiniDns.Tests.Integration;

/// <summary>
/// A change sent over the control socket is served when its reply comes, and a query during a
/// reload sees the old zone or the new one, never a mix.
/// </summary>
public sealed class ReloadTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string[] OldSet = ["192.0.2.11", "192.0.2.12", "192.0.2.13"];
    private static readonly string[] NewSet = ["198.51.100.21", "198.51.100.22", "198.51.100.23"];

    // Through the control socket, as minidns does: the reply comes once the new snapshot serves.
    private async Task WriteZoneAsync(string[] addresses)
    {
        var text = "$ORIGIN reload.test.\n$TTL 60\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\n"
            + string.Concat(addresses.Select(a => $"set IN A {a}\n"));
        var file = MasterFileParser.Parse(text, "reload.zone");
        Assert.True(file.IsValid, string.Join("\n", file.Errors));
        var reply = await ControlConnection.SendAsync(server.Host.ControlPath, new ControlRequest
        {
            Command = ControlCommand.ZoneImport,
            Replace = true,
            Zones = [new WireZone(file.Origin!, file.Records.Select(WireRecord.From).ToList())],
        });
        Assert.Null(reply.Error);
    }

    private async Task<string[]> AskAsync(LookupClient client) =>
        (await client.QueryAsync("set.reload.test", QueryType.A, cancellationToken: TestContext.Current.CancellationToken))
            .Answers.ARecords().Select(a => a.Address.ToString()).Order().ToArray();

    [Fact]
    public async Task A_change_is_answered_as_soon_as_its_reply_comes()
    {
        var client = server.Client(Transport.Udp);
        await WriteZoneAsync(OldSet);
        Assert.Equal(OldSet, await AskAsync(client));

        await WriteZoneAsync(NewSet);
        Assert.Equal(NewSet, await AskAsync(client));
    }

    [Fact]
    public async Task Queries_during_reloads_see_the_old_set_or_the_new_one()
    {
        await WriteZoneAsync(OldSet);
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
            await WriteZoneAsync(round % 2 == 0 ? OldSet : NewSet);
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
