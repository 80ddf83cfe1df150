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
