using System.Diagnostics;
using System.Net;
using DnsClient;
using MiniDns.Control;
using MiniDns.Tests.Support;
using MiniDns.Tsig;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>
/// MiniDns as a secondary of a MiniDns primary, both real servers on loopback: the zone copied in, an edit on
/// the primary served by the secondary within 2 s (NOTIFY, then IXFR), SERVFAIL before the first transfer
/// and after expiry, TSIG, and local edits of the copy refused.
/// </summary>
public sealed class SecondaryZoneTests
{
    private static readonly IPNetwork Loopback = IPNetwork.Parse("127.0.0.0/8");

    private static string ZoneText(int names, uint refresh = 3600, uint retry = 600, uint expire = 86400) =>
        $"$ORIGIN copy.test.\n$TTL 60\n@ IN SOA ns1 hostmaster 1 {refresh} {retry} {expire} 60\n@ IN NS ns1\nns1 IN A 192.0.2.1\n"
        + string.Concat(Enumerable.Range(0, names).Select(i => $"n{i} IN A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n"));

    private static async Task<ControlReply> Control(ServerFixture server, ControlRequest request)
    {
        var reply = await ControlConnection.SendAsync(server.Host.ControlPath, request);
        return reply;
    }

    private static async Task AddSecondary(ServerFixture secondary, IPEndPoint primary, string? key = null)
    {
        var reply = await Control(secondary, new ControlRequest
        {
            Command = ControlCommand.ZoneAddSecondary, Name = WireName.Name("copy.test."), Primary = primary.ToString(),
            Key = key is null ? null : WireName.Name(key),
        });
        Assert.Null(reply.Error);
    }

    private static async Task<IDnsQueryResponse> Ask(ServerFixture server, string name, QueryType type = QueryType.A) =>
        await server.Client(Transport.Udp).QueryAsync(name, type, cancellationToken: TestContext.Current.CancellationToken);

    // Polls every 20 ms, for at most the given time, until the condition holds.
    private static async Task<bool> Within(TimeSpan limit, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (await condition())
                return true;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        return await condition();
    }

    private static async Task<IReadOnlyList<string>> Status(ServerFixture server) =>
        (await Control(server, new ControlRequest { Command = ControlCommand.ZoneStatus, Name = WireName.Name("copy.test.") })).Lines ?? [];

    [Fact]
    public async Task A_one_record_edit_on_a_10000_name_primary_is_served_by_the_secondary_within_2_seconds_through_ixfr()
    {
        await using var secondary = new ServerFixture { OnlyZones = [] };
        await secondary.InitializeAsync();
        await using var primary = new ServerFixture
        {
            OnlyZones = [("copy.test", ZoneText(10_000))], AllowTransfer = [Loopback], Notify = [(WireName.Name("copy.test."), secondary.EndPoint)],
        };
        await primary.InitializeAsync();

        await AddSecondary(secondary, primary.EndPoint);
        Assert.True(await Within(TimeSpan.FromSeconds(20), async () => (await Ask(secondary, "n9999.copy.test.")).Answers.ARecords().Any()),
            "the secondary never served the zone: " + string.Join("; ", await Status(secondary)));
        Assert.Contains(await Status(secondary), l => l.StartsWith("last transfer in: AXFR (whole zone) of serial 1", StringComparison.Ordinal));

        var edit = Stopwatch.StartNew();
        var added = await Control(primary, new ControlRequest { Command = ControlCommand.RecordAdd, Name = WireName.Name("new.copy.test."), Type = RecordType.A, Data = [192, 0, 2, 77] });
        Assert.Null(added.Error);
        bool served = await Within(TimeSpan.FromSeconds(5), async () => (await Ask(secondary, "new.copy.test.")).Answers.ARecords().Any(a => a.Address.ToString() == "192.0.2.77"));
        var took = edit.Elapsed;

        Assert.True(served, "the edit never reached the secondary: " + string.Join("; ", await Status(secondary)));
        Assert.True(took < TimeSpan.FromSeconds(2), $"the secondary served the edit {took.TotalSeconds:0.00} s after it");
        uint serial = (await Control(primary, new ControlRequest { Command = ControlCommand.ZoneStatus, Name = WireName.Name("copy.test.") })).Serial!.Value;
        Assert.Contains(await Status(secondary), l => l.StartsWith($"last transfer in: IXFR (incremental from 1) of serial {serial} ", StringComparison.Ordinal));
        Assert.Contains(await Status(primary), l => l.StartsWith("last transfer out: IXFR (incremental", StringComparison.Ordinal));
        var soa = (await Ask(secondary, "copy.test.", QueryType.SOA)).Answers.SoaRecords().Single();
        Assert.Equal(serial, soa.Serial);
        Assert.True((await Ask(secondary, "n5000.copy.test.")).Header.HasAuthorityAnswer);
    }

    [Fact]
    public async Task Before_its_first_transfer_the_zone_answers_servfail_and_local_edits_of_the_copy_are_refused()
    {
        await using var secondary = new ServerFixture { OnlyZones = [] };
        await secondary.InitializeAsync();
        // A port on loopback where nothing listens: the primary never answers.
        await AddSecondary(secondary, new IPEndPoint(IPAddress.Loopback, 9));

        var answer = await Ask(secondary, "www.copy.test.");
        Assert.Equal(DnsHeaderResponseCode.ServerFailure, answer.Header.ResponseCode);
        Assert.Empty(answer.Answers);

        var edit = await Control(secondary, new ControlRequest { Command = ControlCommand.RecordAdd, Name = WireName.Name("www.copy.test."), Type = RecordType.A, Data = [192, 0, 2, 1] });
        Assert.Equal("store", edit.Error);
        Assert.Contains("is a secondary of 127.0.0.1:9", string.Join("; ", edit.Messages ?? []));
        Assert.True(await Within(TimeSpan.FromSeconds(10), async () => (await Status(secondary)).Any(l => l.StartsWith("last check failed:", StringComparison.Ordinal))));
        Assert.Contains(await Status(secondary), l => l.Contains("not transferred yet (SERVFAIL)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_zone_whose_primary_stops_answering_expires_to_servfail()
    {
        await using var secondary = new ServerFixture { OnlyZones = [] };
        await secondary.InitializeAsync();
        var primary = new ServerFixture { OnlyZones = [("copy.test", ZoneText(10, refresh: 2, retry: 2, expire: 6))], AllowTransfer = [Loopback] };
        await primary.InitializeAsync();
        await AddSecondary(secondary, primary.EndPoint);
        Assert.True(await Within(TimeSpan.FromSeconds(20), async () => (await Ask(secondary, "n1.copy.test.")).Answers.ARecords().Any()));

        await primary.DisposeAsync();

        // Expire is 6 s from the primary's last answer; checks every 2 s find it gone.
        Assert.True(await Within(TimeSpan.FromSeconds(20), async () => (await Ask(secondary, "n1.copy.test.")).Header.ResponseCode == DnsHeaderResponseCode.ServerFailure),
            "the zone never expired: " + string.Join("; ", await Status(secondary)));
        Assert.Empty((await Ask(secondary, "n1.copy.test.")).Answers);
        Assert.Contains(await Status(secondary), l => l.Contains("expired (SERVFAIL)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_primarys_key_the_zone_is_copied_and_with_a_wrong_one_nothing_is()
    {
        await using var primary = new ServerFixture
        {
            OnlyZones = [("copy.test", ZoneText(100))], AllowTransferKeys = [WireName.Name("xfr.copy.test.")],
        };
        await primary.InitializeAsync();
        var made = await Control(primary, new ControlRequest { Command = ControlCommand.KeyAdd, Name = WireName.Name("xfr.copy.test."), Algorithm = TsigKey.HmacSha256 });
        Assert.Null(made.Error);

        await using var right = new ServerFixture { OnlyZones = [] };
        await right.InitializeAsync();
        Assert.Null((await Control(right, new ControlRequest { Command = ControlCommand.KeyAdd, Name = WireName.Name("xfr.copy.test."), Algorithm = TsigKey.HmacSha256, Secret = made.Data })).Error);
        await AddSecondary(right, primary.EndPoint, "xfr.copy.test.");

        await using var wrong = new ServerFixture { OnlyZones = [] };
        await wrong.InitializeAsync();
        Assert.Null((await Control(wrong, new ControlRequest { Command = ControlCommand.KeyAdd, Name = WireName.Name("xfr.copy.test."), Algorithm = TsigKey.HmacSha256 })).Error);
        await AddSecondary(wrong, primary.EndPoint, "xfr.copy.test.");

        Assert.True(await Within(TimeSpan.FromSeconds(20), async () => (await Ask(right, "n99.copy.test.")).Answers.ARecords().Any()),
            "the secondary with the key never served the zone: " + string.Join("; ", await Status(right)));
        Assert.Contains(await Status(right), l => l.Contains(", key xfr.copy.test., ", StringComparison.Ordinal) && l.StartsWith("last transfer in: AXFR", StringComparison.Ordinal));

        Assert.True(await Within(TimeSpan.FromSeconds(10), async () => (await Status(wrong)).Any(l => l.StartsWith("last check failed:", StringComparison.Ordinal))));
        var failed = (await Ask(wrong, "n99.copy.test."));
        Assert.Equal(DnsHeaderResponseCode.ServerFailure, failed.Header.ResponseCode);
        Assert.Empty(failed.Answers);
    }

    private static async Task AddSecondary(ServerFixture secondary, string zone, IPEndPoint primary) =>
        Assert.Null((await Control(secondary, new ControlRequest { Command = ControlCommand.ZoneAddSecondary, Name = WireName.Name(zone), Primary = primary.ToString() })).Error);

    private static async Task<IReadOnlyList<string>> Status(ServerFixture server, string zone) =>
        (await Control(server, new ControlRequest { Command = ControlCommand.ZoneStatus, Name = WireName.Name(zone) })).Lines ?? [];

    private static string Version(string zone, uint serial, string records = "", uint expire = 3600) =>
        $"$ORIGIN {zone}\n@ 60 IN SOA ns1 hostmaster {serial} 2 2 {expire} 60\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\n{records}";

    [Fact]
    public async Task A_whole_zone_behind_ours_sent_after_differences_that_do_not_fit_is_not_stored()
    {
        // Found by attack: when IXFR's differences did not fit, the AXFR asked next was stored whatever its
        // serial, so the zone went back from 106 to 50 and our own secondaries were told they were current.
        await using var secondary = new ServerFixture { OnlyZones = [] };
        await secondary.InitializeAsync();
        await using var primary = new ScriptedPrimary(IPAddress.Loopback);
        primary.Answer = _ => ScriptedPrimary.Whole(Version("copy.test.", 106, "old 60 IN A 192.0.2.6\n"));
        await AddSecondary(secondary, "copy.test.", primary.EndPoint);
        Assert.True(await Within(TimeSpan.FromSeconds(20), async () => (await Ask(secondary, "old.copy.test.")).Answers.ARecords().Any()));

        var soa107 = ScriptedPrimary.Whole(Version("copy.test.", 107))[0];
        var soa106 = ScriptedPrimary.Whole(Version("copy.test.", 106))[0];
        var ghost = new MiniDns.Zones.ZoneRecord(WireName.Name("ghost.copy.test."), RecordType.A, 60, [192, 0, 2, 99]);
        int asked = primary.AxfrAsked;
        primary.Answer = type => type == RecordType.IXFR ? [soa107, soa106, ghost, soa107, soa107] : ScriptedPrimary.Whole(Version("copy.test.", 50));

        // The refresh is 2 s: the IXFR comes, does not fit, and the AXFR after it brings serial 50.
        Assert.True(await Within(TimeSpan.FromSeconds(15), () => Task.FromResult(primary.AxfrAsked > asked)), "no AXFR after the differences");
        await Task.Delay(500, TestContext.Current.CancellationToken);
        var soa = (await Ask(secondary, "copy.test.", QueryType.SOA)).Answers.SoaRecords().Single();
        Assert.Equal(106u, soa.Serial);
        Assert.True((await Ask(secondary, "old.copy.test.")).Answers.ARecords().Any());
    }

    [Fact]
    public async Task Primaries_that_trickle_lose_their_transfer_slots_and_a_zone_waiting_for_one_still_expires()
    {
        await using var secondary = new ServerFixture { OnlyZones = [] };
        await secondary.InitializeAsync();
        var dying = new ScriptedPrimary(IPAddress.Loopback) { Answer = _ => ScriptedPrimary.Whole(Version("exp.test.", 1, "www 60 IN A 192.0.2.80\n", expire: 6)) };
        await AddSecondary(secondary, "exp.test.", dying.EndPoint);
        Assert.True(await Within(TimeSpan.FromSeconds(20), async () => (await Ask(secondary, "www.exp.test.")).Answers.ARecords().Any()));

        // Two primaries that send the SOA and then a record every 3 s take both slots; the first primary goes away.
        await using var slow1 = new ScriptedPrimary(IPAddress.Loopback);
        await using var slow2 = new ScriptedPrimary(IPAddress.Loopback);
        await AddSecondary(secondary, "slow1.test.", slow1.EndPoint);
        await AddSecondary(secondary, "slow2.test.", slow2.EndPoint);
        Assert.True(await Within(TimeSpan.FromSeconds(10), async () =>
            (await Status(secondary, "slow1.test.")).Any(l => l.StartsWith("transferring since", StringComparison.Ordinal))
            && (await Status(secondary, "slow2.test.")).Any(l => l.StartsWith("transferring since", StringComparison.Ordinal))));
        await dying.DisposeAsync();
        var gone = Stopwatch.StartNew();

        // Its expire is 6 s: SERVFAIL then, though it waits for a slot to check.
        Assert.True(await Within(TimeSpan.FromSeconds(15), async () => (await Ask(secondary, "www.exp.test.")).Header.ResponseCode == DnsHeaderResponseCode.ServerFailure),
            string.Join("; ", await Status(secondary, "exp.test.")));
        Assert.True(gone.Elapsed < TimeSpan.FromSeconds(12), $"expired {gone.Elapsed.TotalSeconds:0} s after its primary went");

        // A healthy zone added now is copied once the tricklers are cut for their rate.
        await using var healthy = new ScriptedPrimary(IPAddress.Loopback) { Answer = _ => ScriptedPrimary.Whole(Version("fresh.test.", 1, "www 60 IN A 192.0.2.81\n")) };
        await AddSecondary(secondary, "fresh.test.", healthy.EndPoint);
        Assert.True(await Within(TimeSpan.FromSeconds(5), async () => (await Status(secondary, "fresh.test.")).Any(l => l.StartsWith("waiting for a transfer slot", StringComparison.Ordinal))),
            string.Join("; ", await Status(secondary, "fresh.test.")));
        Assert.True(await Within(TimeSpan.FromSeconds(45), async () => (await Ask(secondary, "www.fresh.test.")).Answers.ARecords().Any()),
            string.Join("; ", await Status(secondary, "fresh.test.")));
        // Whichever trickler lost its slot first (both started within a moment) says why.
        var slow = (await Status(secondary, "slow1.test.")).Concat(await Status(secondary, "slow2.test."));
        Assert.Contains(slow, l => l.Contains("too slow to keep a transfer slot", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_primary_that_stops_in_the_middle_of_a_message_is_given_up_after_10_seconds()
    {
        await using var secondary = new ServerFixture { OnlyZones = [] };
        await secondary.InitializeAsync();
        await using var primary = new ScriptedPrimary(IPAddress.Loopback) { Stalls = true };
        var asked = Stopwatch.StartNew();
        await AddSecondary(secondary, "stall.test.", primary.EndPoint);

        Assert.True(await Within(TimeSpan.FromSeconds(20), async () => (await Status(secondary, "stall.test.")).Any(l => l == "last check failed: the primary did not answer in time")),
            string.Join("; ", await Status(secondary, "stall.test.")));
        Assert.InRange(asked.Elapsed.TotalSeconds, 9, 16);
    }

    [Fact]
    public async Task Peers_on_their_own_addresses_see_our_requests_come_from_the_address_we_listen_on()
    {
        // Found by running two servers on 127.0.0.61 and .62: the NOTIFY left from 127.0.0.1, the kernel's
        // choice, and the secondary refused it as not from its primary. Each side here allows the other's address alone.
        await using var secondary = new ServerFixture { OnlyZones = [], Listen = IPAddress.Parse("127.0.0.44") };
        await secondary.InitializeAsync();
        await using var primary = new ServerFixture
        {
            OnlyZones = [("copy.test", ZoneText(100))], Listen = IPAddress.Parse("127.0.0.43"),
            AllowTransfer = [IPNetwork.Parse("127.0.0.44/32")], Notify = [(null, secondary.EndPoint)],
        };
        await primary.InitializeAsync();
        await AddSecondary(secondary, primary.EndPoint);
        Assert.True(await Within(TimeSpan.FromSeconds(20), async () => (await Ask(secondary, "n99.copy.test.")).Answers.ARecords().Any()),
            "the transfer from 127.0.0.44 was not allowed: " + string.Join("; ", await Status(secondary)));

        // The SOA's refresh is an hour: only a NOTIFY the secondary takes as its primary's brings the edit now.
        var added = await Control(primary, new ControlRequest { Command = ControlCommand.RecordAdd, Name = WireName.Name("new.copy.test."), Type = RecordType.A, Data = [192, 0, 2, 77] });
        Assert.Null(added.Error);
        Assert.True(await Within(TimeSpan.FromSeconds(5), async () => (await Ask(secondary, "new.copy.test.")).Answers.ARecords().Any()),
            "the NOTIFY did not bring the edit: " + string.Join("; ", await Status(primary)));
        Assert.Contains(await Status(primary), l => l.StartsWith($"notified {secondary.EndPoint} of serial", StringComparison.Ordinal) && l.EndsWith(": acknowledged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_notify_signed_with_the_key_is_acknowledged_by_a_keyed_secondary_and_one_with_another_secret_is_not()
    {
        await using var right = new ServerFixture { OnlyZones = [] };
        await right.InitializeAsync();
        await using var wrong = new ServerFixture { OnlyZones = [] };
        await wrong.InitializeAsync();
        var key = WireName.Name("xfr.copy.test.");
        await using var primary = new ServerFixture
        {
            OnlyZones = [("copy.test", ZoneText(100))], AllowTransferKeys = [key], NotifyKey = key,
            Notify = [(null, right.EndPoint), (null, wrong.EndPoint)],
        };
        await primary.InitializeAsync();
        var made = await Control(primary, new ControlRequest { Command = ControlCommand.KeyAdd, Name = key, Algorithm = TsigKey.HmacSha256 });
        Assert.Null(made.Error);
        Assert.Null((await Control(right, new ControlRequest { Command = ControlCommand.KeyAdd, Name = key, Algorithm = TsigKey.HmacSha256, Secret = made.Data })).Error);
        Assert.Null((await Control(wrong, new ControlRequest { Command = ControlCommand.KeyAdd, Name = key, Algorithm = TsigKey.HmacSha256 })).Error);
        await AddSecondary(right, primary.EndPoint, "xfr.copy.test.");
        await AddSecondary(wrong, primary.EndPoint, "xfr.copy.test.");
        Assert.True(await Within(TimeSpan.FromSeconds(20), async () => (await Ask(right, "n99.copy.test.")).Answers.ARecords().Any()),
            "the secondary with the key never served the zone: " + string.Join("; ", await Status(right)));

        // The SOA's refresh is an hour: only the NOTIFY brings the edit over at once.
        var added = await Control(primary, new ControlRequest { Command = ControlCommand.RecordAdd, Name = WireName.Name("new.copy.test."), Type = RecordType.A, Data = [192, 0, 2, 77] });
        Assert.Null(added.Error);
        Assert.True(await Within(TimeSpan.FromSeconds(5), async () => (await Ask(right, "new.copy.test.")).Answers.ARecords().Any()),
            "the signed NOTIFY did not bring the edit: " + string.Join("; ", await Status(right)));
        uint serial = (await Control(primary, new ControlRequest { Command = ControlCommand.ZoneStatus, Name = WireName.Name("copy.test.") })).Serial!.Value;
        Assert.True(await Within(TimeSpan.FromSeconds(5), async () => (await Status(primary)).Any(l => l.StartsWith($"notified {right.EndPoint} of serial {serial} at", StringComparison.Ordinal) && l.EndsWith(": acknowledged", StringComparison.Ordinal))),
            string.Join("; ", await Status(primary)));
        Assert.True(await Within(TimeSpan.FromSeconds(5), async () => (await Status(primary)).Any(l => l.StartsWith($"notified {wrong.EndPoint} of serial {serial} at", StringComparison.Ordinal)
            && l.Contains(": answered NotAuth, TSIG error BadSig (discarded; ", StringComparison.Ordinal))), string.Join("; ", await Status(primary)));
    }

    [Fact]
    public async Task With_notify_ns_the_secondary_the_zones_ns_records_name_is_told_of_an_edit()
    {
        await using var secondary = new ServerFixture { OnlyZones = [], Listen = IPAddress.Parse("127.0.0.41") };
        await secondary.InitializeAsync();
        // ns1, the SOA MNAME, stands for the primary and is not told (its 192.0.2.1 would leave loopback); ns2 is the secondary.
        string zone = ZoneText(100) + "@ IN NS ns2\nns2 IN A 127.0.0.41\n";
        await using var primary = new ServerFixture
        {
            OnlyZones = [("copy.test", zone)], AllowTransfer = [Loopback], NotifyNameServers = true, UpstreamPort = secondary.EndPoint.Port,
        };
        await primary.InitializeAsync();
        await AddSecondary(secondary, primary.EndPoint);
        Assert.True(await Within(TimeSpan.FromSeconds(20), async () => (await Ask(secondary, "n99.copy.test.")).Answers.ARecords().Any()),
            "the secondary never served the zone: " + string.Join("; ", await Status(secondary)));

        // The SOA's refresh is an hour: only the NOTIFY brings the edit over at once.
        var added = await Control(primary, new ControlRequest { Command = ControlCommand.RecordAdd, Name = WireName.Name("new.copy.test."), Type = RecordType.A, Data = [192, 0, 2, 77] });
        Assert.Null(added.Error);
        Assert.True(await Within(TimeSpan.FromSeconds(5), async () => (await Ask(secondary, "new.copy.test.")).Answers.ARecords().Any()),
            "the NOTIFY to the NS address did not bring the edit: " + string.Join("; ", await Status(secondary)));
        uint serial = (await Control(primary, new ControlRequest { Command = ControlCommand.ZoneStatus, Name = WireName.Name("copy.test.") })).Serial!.Value;
        Assert.True(await Within(TimeSpan.FromSeconds(5), async () => (await Status(primary)).Any(l => l.StartsWith($"notified {secondary.EndPoint} of serial {serial} at", StringComparison.Ordinal)
            && l.EndsWith(": acknowledged", StringComparison.Ordinal))), string.Join("; ", await Status(primary)));
        Assert.DoesNotContain(await Status(primary), l => l.StartsWith("notified 192.0.2.1:", StringComparison.Ordinal));
    }
}
