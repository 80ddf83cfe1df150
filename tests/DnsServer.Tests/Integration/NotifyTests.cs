using System.Net;
using MiniDns.Control;
using MiniDns.Resolution;
using MiniDns.Server;
using MiniDns.Tests.Support;
using MiniDns.Transfer;
using MiniDns.Wire;
using Serilog;

namespace MiniDns.Tests.Integration;

/// <summary>NOTIFY out (RFC 1996): what is sent, when, and what <c>minidns zone status</c> says of it.</summary>
public sealed class NotifyTests
{
    // A secondary that acknowledges every NOTIFY by echoing it with QR set, and remembers what it was told.
    private sealed class Secondary : IUpstream
    {
        public List<DnsMessage> Told { get; } = [];

        public Task<byte[]?> ExchangeAsync(IPEndPoint server, ReadOnlyMemory<byte> query, bool tcp, TimeSpan timeout, Func<byte[], bool> accept, CancellationToken cancel)
        {
            Assert.True(MessageReader.TryRead(query.Span, out var message, out var error), error);
            lock (Told)
                Told.Add(message);
            var reply = query.ToArray()[..(HeaderFlags.HeaderLength + message.Questions[0].Name.Length + 4)];
            reply[2] |= 0x80;
            reply[7] = 0; // no answer section in the acknowledgement
            return Task.FromResult<byte[]?>(accept(reply) ? reply : null);
        }
    }

    // A secondary that answers each NOTIFY as Answer says: signed back with the key, or not.
    private sealed class KeyedSecondary(MiniDns.Tsig.TsigKey key) : IUpstream
    {
        public int Told;

        /// <summary>Given the try (1, 2, …): sign the acknowledgement with the key, or send it unsigned.</summary>
        public Func<int, bool> Signs { get; init; } = _ => true;

        public Task<byte[]?> ExchangeAsync(IPEndPoint server, ReadOnlyMemory<byte> query, bool tcp, TimeSpan timeout, Func<byte[], bool> accept, CancellationToken cancel)
        {
            int attempt = Interlocked.Increment(ref Told);
            Assert.True(MessageReader.TryRead(query.Span, out var message, out var error), error);
            Assert.True(MiniDns.Tsig.TsigMessage.TryFind(query.Span, out var tsig, out _), "the NOTIFY is not signed");
            var reply = new byte[512];
            int length = HeaderFlags.HeaderLength + message.Questions[0].Name.Length + 4;
            query.Span[..length].CopyTo(reply);
            reply[2] |= 0x80;
            reply[7] = 0; // no answer section
            reply[11] = 0; // nor the request's TSIG
            if (Signs(attempt))
                length = new MiniDns.Tsig.TsigSigner(key, tsig.Mac).Sign(reply, length);
            var bytes = reply[..length];
            return Task.FromResult<byte[]?>(accept(bytes) ? bytes : null);
        }
    }

    private static MiniDns.Zones.ZoneSnapshot ExampleZone(string text = TestZones.Example)
    {
        var file = MiniDns.Zones.MasterFileParser.Parse(text, "test.zone");
        return new MiniDns.Zones.ZoneSnapshot([MiniDns.Zones.ZoneBuilder.Build(file.Origin!, file.Records)]);
    }

    private static readonly MiniDns.Tsig.TsigKey NotifyKey = MiniDns.Tsig.TsigKey.Generate(WireName.Name("notify.example.test."), MiniDns.Tsig.TsigKey.HmacSha256);

    [Fact]
    public async Task An_unsigned_reply_to_a_signed_notify_is_discarded_and_the_tries_go_on()
    {
        // Found by attack: one forged unsigned reply (right ID and question) ended the tries for good.
        var secondary = new KeyedSecondary(NotifyKey) { Signs = attempt => attempt > 1 };
        await using var notify = new NotifyService([(null, new IPEndPoint(IPAddress.Parse("127.0.0.41"), 5300))], secondary,
            new LoggerConfiguration().CreateLogger(), NotifyKey.Name, () => [NotifyKey]);

        notify.Published(MiniDns.Zones.ZoneSnapshot.Empty, ExampleZone());

        await WaitAsync(() => notify.Acknowledged == 1);
        Assert.Equal(2, secondary.Told);
        Assert.True(Assert.Single(notify.StatusOf(WireName.Name("example.test."))).Acknowledged);
    }

    [Fact]
    public async Task A_secondary_that_never_signs_back_is_tried_again_and_said_to_answer_unsigned()
    {
        var secondary = new KeyedSecondary(NotifyKey) { Signs = _ => false };
        await using var notify = new NotifyService([(null, new IPEndPoint(IPAddress.Parse("127.0.0.41"), 5300))], secondary,
            new LoggerConfiguration().CreateLogger(), NotifyKey.Name, () => [NotifyKey]);

        notify.Published(MiniDns.Zones.ZoneSnapshot.Empty, ExampleZone());

        await WaitAsync(() => secondary.Told >= 2);
        Assert.Equal(0, notify.Acknowledged);
        await WaitAsync(() => notify.StatusOf(WireName.Name("example.test.")).Count == 1);
        var status = Assert.Single(notify.StatusOf(WireName.Name("example.test.")));
        Assert.False(status.Acknowledged);
        Assert.StartsWith("answered NoError, not signed (discarded", status.Problem);
    }

    [Fact]
    public async Task The_notify_key_added_while_the_server_runs_sends_what_waited_for_it()
    {
        var keys = new List<MiniDns.Tsig.TsigKey>();
        var secondary = new KeyedSecondary(NotifyKey);
        await using var notify = new NotifyService([(null, new IPEndPoint(IPAddress.Parse("127.0.0.41"), 5300))], secondary,
            new LoggerConfiguration().CreateLogger(), NotifyKey.Name, () => [.. keys]);
        var zones = ExampleZone();

        notify.Published(MiniDns.Zones.ZoneSnapshot.Empty, zones);
        await WaitAsync(() => notify.Failed == 1);
        Assert.StartsWith("not sent: there is no key", Assert.Single(notify.StatusOf(WireName.Name("example.test."))).Problem);

        keys.Add(NotifyKey);
        notify.KeyAdded(WireName.Name("other.key."), zones);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(0, secondary.Told);
        notify.KeyAdded(NotifyKey.Name, zones);
        await WaitAsync(() => notify.Acknowledged == 1);
        Assert.True(Assert.Single(notify.StatusOf(WireName.Name("example.test."))).Acknowledged);
    }

    [Fact]
    public async Task Minidns_key_add_of_the_notify_key_sends_the_notifies_held_back_for_it()
    {
        using var secondary = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var key = WireName.Name("notify.example.test.");
        await using var primary = new ServerFixture { NotifyKey = key, Notify = [(null, (IPEndPoint)secondary.Client.LocalEndPoint!)] };
        await primary.InitializeAsync();
        using (var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1.5)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await secondary.ReceiveAsync(quiet.Token));

        var added = await ControlConnection.SendAsync(primary.Host.ControlPath,
            new ControlRequest { Command = ControlCommand.KeyAdd, Name = key, Algorithm = MiniDns.Tsig.TsigKey.HmacSha256 });
        Assert.Null(added.Error);

        using var told = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var notify = await secondary.ReceiveAsync(told.Token);
        Assert.True(NotifyMessage.HasOpcode(notify.Buffer));
        Assert.True(MiniDns.Tsig.TsigMessage.TryFind(notify.Buffer, out var tsig, out _), "the NOTIFY is not signed");
        Assert.Equal(key, tsig.KeyName);
    }

    [Fact]
    public async Task What_secondaries_were_told_is_forgotten_once_they_or_their_zone_are_no_longer_told()
    {
        // Found by attack: a primary naming new name servers at each serial grew the status table without bound.
        var secondary = new Secondary();
        await using var notify = new NotifyService([], secondary, new LoggerConfiguration().CreateLogger(),
            nameServers: new NotifyService.NameServers(5300, _ => false));
        string Zone(int serial, string address) => TestZones.Example
            .Replace("2026112701", serial.ToString(System.Globalization.CultureInfo.InvariantCulture))
            + $"\ntold.example.test. 300 IN A {address}\nexample.test. 300 IN NS told.example.test.\n";
        var first = ExampleZone(Zone(1, "127.0.0.51"));
        notify.Published(MiniDns.Zones.ZoneSnapshot.Empty, first);
        await WaitAsync(() => notify.StatusOf(WireName.Name("example.test.")).Any(s => s.Server.Address.Equals(IPAddress.Parse("127.0.0.51"))));

        var second = ExampleZone(Zone(2, "127.0.0.52"));
        notify.Published(first, second);
        await WaitAsync(() => notify.StatusOf(WireName.Name("example.test.")).Any(s => s.Server.Address.Equals(IPAddress.Parse("127.0.0.52"))));
        Assert.DoesNotContain(notify.StatusOf(WireName.Name("example.test.")), s => s.Server.Address.Equals(IPAddress.Parse("127.0.0.51")));

        notify.Published(second, MiniDns.Zones.ZoneSnapshot.Empty);
        Assert.Empty(notify.StatusOf(WireName.Name("example.test.")));
    }

    [Fact]
    public async Task Each_zone_is_notified_at_start_and_again_at_each_serial_change_with_its_soa_and_the_acknowledgement_is_kept()
    {
        var secondary = new Secondary();
        var target = new IPEndPoint(IPAddress.Parse("127.0.0.41"), 5300);
        await using var notify = new NotifyService([(null, target)], secondary, new LoggerConfiguration().CreateLogger());
        var zones = new MiniDns.Zones.ZoneSnapshot(new[] { TestZones.Example, TestZonesText.Big }.Select(text =>
        {
            var file = MiniDns.Zones.MasterFileParser.Parse(text, "test.zone");
            return MiniDns.Zones.ZoneBuilder.Build(file.Origin!, file.Records);
        }));

        notify.Published(MiniDns.Zones.ZoneSnapshot.Empty, zones);
        await WaitAsync(() => notify.Acknowledged == 2);
        notify.Published(zones, zones); // nothing changed: nothing sent
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(2, notify.Sent);

        var sent = secondary.Told.Single(m => NameText.Format(m.Questions[0].Name) == "example.test.");
        Assert.Equal(NotifyMessage.Opcode, sent.Flags & HeaderFlags.OpcodeMask);
        Assert.True(sent.Has(HeaderFlags.AA));
        Assert.Equal(RecordType.SOA, sent.Questions[0].Type);
        Assert.Equal(RecordType.SOA, Assert.Single(sent.Answer).Type);
        var status = Assert.Single(notify.StatusOf(WireName.Name("example.test.")));
        Assert.True(status.Acknowledged);
        Assert.Equal(target, status.Server);
        Assert.Equal(2026112701u, status.Serial);
    }

    [Fact]
    public async Task A_stream_of_changes_does_not_hold_back_the_notify_of_the_last_one()
    {
        // Found by attack: every NOTIFY a newer serial replaced had booked a send slot, so 40 edits to a zone
        // with 10 secondaries pushed the last serial's NOTIFYs back by seconds. Ten are owed at the end: half a second at 20 a second.
        var secondary = new Secondary();
        var targets = Enumerable.Range(1, 10).Select(i => ((byte[]?)null, new IPEndPoint(IPAddress.Parse($"127.0.0.{40 + i}"), 5300))).ToList();
        await using var notify = new NotifyService(targets, secondary, new LoggerConfiguration().CreateLogger());
        MiniDns.Zones.ZoneSnapshot Version(uint serial)
        {
            var file = MiniDns.Zones.MasterFileParser.Parse(TestZones.Example.Replace("2026112701", serial.ToString(System.Globalization.CultureInfo.InvariantCulture)), "test.zone");
            return new MiniDns.Zones.ZoneSnapshot([MiniDns.Zones.ZoneBuilder.Build(file.Origin!, file.Records)]);
        }
        var previous = MiniDns.Zones.ZoneSnapshot.Empty;
        for (uint serial = 1; serial <= 40; serial++)
        {
            var next = Version(serial);
            notify.Published(previous, next);
            previous = next;
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
        var last = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 100 && notify.StatusOf(WireName.Name("example.test.")).Count(s => s.Serial == 40 && s.Acknowledged) < 10; i++)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Equal(10, notify.StatusOf(WireName.Name("example.test.")).Count(s => s.Serial == 40 && s.Acknowledged));
        Assert.True(last.Elapsed < TimeSpan.FromSeconds(3), $"the last serial's NOTIFYs took {last.Elapsed.TotalSeconds:0.0} s after the last change");
    }

    [Fact]
    public async Task Zone_status_shows_the_secondaries_told_and_the_last_transfer_out()
    {
        // The "secondary" here is another MiniDns that does not copy the zone, so it answers NOTIFY with NOTAUTH: the status says so.
        await using var secondary = new ServerFixture();
        await secondary.InitializeAsync();
        await using var primary = new ServerFixture
        {
            AllowTransfer = [IPNetwork.Parse("127.0.0.0/8")],
            Notify = [(WireName.Name("example.test."), secondary.EndPoint)],
        };
        await primary.InitializeAsync();
        await WaitAsync(() => primary.Host.Notify!.Failed == 1);
        await RawDns.TcpAsync(primary.EndPoint, QueryBytes.Build("example.test.", RecordType.AXFR));
        // The server notes the transfer once its last message has gone, which the client may read first (seen in CI).
        await WaitAsync(() => primary.Host.Transfers!.LastTransferOf(WireName.Name("example.test.")) is not null);

        var reply = await ControlConnection.SendAsync(primary.Host.ControlPath, new ControlRequest { Command = ControlCommand.ZoneStatus, Name = WireName.Name("example.test.") });

        Assert.Null(reply.Error);
        Assert.Equal(2026112701u, reply.Serial);
        Assert.Matches($@"^notified {System.Text.RegularExpressions.Regex.Escape(secondary.EndPoint.ToString())} of serial 2026112701 at \S+Z: answered NotAuth$", reply.Lines![0]);
        Assert.Matches(@"^last transfer out: AXFR \(whole zone\) of serial 2026112701 to 127\.0\.0\.1:\d+, \d+ records, at \S+Z$", reply.Lines[1]);
    }

    private static async Task WaitAsync(Func<bool> done)
    {
        for (int i = 0; i < 100 && !done(); i++)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.True(done());
    }
}
