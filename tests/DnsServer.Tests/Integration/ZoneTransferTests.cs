using System.Net;
using System.Net.Sockets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>
/// Transfers out of the running server (RFC 5936, RFC 1995 2 and 4): only to <c>--allow-transfer</c> clients,
/// which here are 127.0.0.5 alone; 127.0.0.1 stands for everyone else.
/// </summary>
public sealed class ZoneTransferTests : IAsyncLifetime
{
    private const string Allowed = "127.0.0.5";
    private readonly ServerFixture _server = new() { AllowTransfer = [IPNetwork.Parse(Allowed + "/32")] };

    public ValueTask InitializeAsync() => _server.InitializeAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    // Every message of a transfer over one TCP connection from the source address, until the closing SOA (or an error).
    private async Task<List<DnsMessage>> TransferAsync(string source, byte[] request)
    {
        using var socket = await TcpClients.ConnectFromAsync(_server.EndPoint, source);
        await socket.SendAsync(RawDns.Framed(request), TestContext.Current.CancellationToken);
        var messages = new List<DnsMessage>();
        int soas = 0;
        while (true)
        {
            Assert.True(MessageReader.TryRead(await RawDns.ReadFramedAsync(socket), out var message, out var error), error);
            messages.Add(message);
            soas += message.Answer.Count(r => r.Type == RecordType.SOA);
            if (message.Rcode != ResponseCode.NoError || soas >= 2 || messages.Count == 1 && message.Answer is [{ Type: RecordType.SOA }])
                return messages;
        }
    }

    private static async Task<DnsMessage> UdpFromAsync(IPEndPoint server, string source, byte[] request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        await socket.SendToAsync(request, server, TestContext.Current.CancellationToken);
        Assert.True(MessageReader.TryRead(await RawDns.ReceiveAsync(socket), out var message, out var error), error);
        return message;
    }

    [Fact]
    public async Task An_allowed_client_gets_the_whole_zone_between_two_soas()
    {
        var messages = await TransferAsync(Allowed, QueryBytes.Build("example.test.", RecordType.AXFR, id: 9));

        var records = messages.SelectMany(m => m.Answer).ToList();
        Assert.All(messages, m => Assert.True(m.Id == 9 && m.Rcode == ResponseCode.NoError && m.Has(HeaderFlags.AA)));
        Assert.Equal(RecordType.SOA, records[0].Type);
        Assert.Equal(RecordType.SOA, records[^1].Type);
        var zone = _server.Host.Snapshots.Current.FindZone(WireName.Name("example.test."))!;
        Assert.Equal(zone.RecordCount + 1, records.Count);
        Assert.Contains(records, r => NameText.Format(r.Owner) == "a.b.c.example.test." && r.Type == RecordType.A);
        Assert.Contains(records, r => NameText.Format(r.Owner) == "*.wild.example.test." && r.Type == RecordType.TXT);
    }

    [Fact]
    public async Task A_client_not_allowed_is_refused_and_sees_no_record_of_the_zone()
    {
        foreach (var type in (ushort[])[RecordType.AXFR, RecordType.IXFR])
        {
            var request = type == RecordType.AXFR ? QueryBytes.Build("example.test.", type) : QueryBytes.Ixfr("example.test.", 1);
            var refused = Assert.Single(await TransferAsync("127.0.0.1", request));
            Assert.Equal(ResponseCode.Refused, refused.Rcode);
            Assert.Empty(refused.Answer);
            Assert.Empty(refused.Authority);
            Assert.DoesNotContain(refused.Additional, r => r.Type != RecordType.OPT);
            var overUdp = await UdpFromAsync(_server.EndPoint, "127.0.0.1", request);
            Assert.Equal(ResponseCode.Refused, overUdp.Rcode);
            Assert.Empty(overUdp.Answer);
        }
        // A zone we do not serve gets the same REFUSED: a client not allowed learns nothing of which we hold.
        Assert.Equal(ResponseCode.Refused, Assert.Single(await TransferAsync("127.0.0.1", QueryBytes.Build("other.test.", RecordType.AXFR))).Rcode);
    }

    [Fact]
    public async Task An_allowed_client_asking_for_a_zone_we_do_not_serve_hears_notauth()
    {
        Assert.Equal(ResponseCode.NotAuth, Assert.Single(await TransferAsync(Allowed, QueryBytes.Build("other.test.", RecordType.AXFR))).Rcode);
        // A name inside a zone is not a zone.
        Assert.Equal(ResponseCode.NotAuth, Assert.Single(await TransferAsync(Allowed, QueryBytes.Build("www.example.test.", RecordType.AXFR))).Rcode);
    }

    [Fact]
    public async Task Over_udp_axfr_is_notimp_and_ixfr_is_the_soa_when_current_else_tc()
    {
        var axfr = await UdpFromAsync(_server.EndPoint, Allowed, QueryBytes.Build("example.test.", RecordType.AXFR));
        Assert.Equal(ResponseCode.NotImp, axfr.Rcode);
        Assert.Empty(axfr.Answer);

        var current = await UdpFromAsync(_server.EndPoint, Allowed, QueryBytes.Ixfr("example.test.", 2026112701));
        Assert.Equal(RecordType.SOA, Assert.Single(current.Answer).Type);
        Assert.False(current.Has(HeaderFlags.TC));

        var behind = await UdpFromAsync(_server.EndPoint, Allowed, QueryBytes.Ixfr("example.test.", 2026112600));
        Assert.True(behind.Has(HeaderFlags.TC));
        Assert.Empty(behind.Answer);
    }

    [Fact]
    public async Task Over_tcp_ixfr_from_a_current_client_is_the_soa_alone_and_from_one_behind_the_whole_zone()
    {
        var current = await TransferAsync(Allowed, QueryBytes.Ixfr("example.test.", 2026112701));
        Assert.Equal(RecordType.SOA, Assert.Single(Assert.Single(current).Answer).Type);

        var behind = await TransferAsync(Allowed, QueryBytes.Ixfr("example.test.", 2026112600));
        Assert.Equal(_server.Host.Snapshots.Current.FindZone(WireName.Name("example.test."))!.RecordCount + 1, behind.SelectMany(m => m.Answer).Count());
    }

    [Fact]
    public async Task A_transfer_is_made_from_one_snapshot_while_edits_land()
    {
        // A zone of 20,000 names takes many messages; edits committed meanwhile must not mix in.
        var big = "$ORIGIN many.test.\n$TTL 60\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\nns1 IN A 192.0.2.1\n"
            + string.Concat(Enumerable.Range(0, 20000).Select(i => $"n{i} IN TXT \"{new string('x', 40)}\"\n"));
        await using var server = new ServerFixture { OnlyZones = [("many.test", big)], AllowTransfer = [IPNetwork.Parse("127.0.0.0/8")] };
        await server.InitializeAsync();
        using var socket = await TcpClients.ConnectFromAsync(server.EndPoint, "127.0.0.1");
        await socket.SendAsync(RawDns.Framed(QueryBytes.Build("many.test.", RecordType.AXFR)), TestContext.Current.CancellationToken);
        var first = await RawDns.ReadFramedAsync(socket);
        for (int i = 0; i < 5; i++)
        {
            var added = await ControlConnection.SendAsync(server.Host.ControlPath, new Control.ControlRequest
            {
                Command = Control.ControlCommand.RecordAdd, Name = WireName.Name($"late{i}.many.test."), Type = RecordType.A, Data = [192, 0, 2, 7],
            });
            Assert.Null(added.Error);
        }
        var records = new List<DnsRecord>();
        Assert.True(MessageReader.TryRead(first, out var message, out _));
        records.AddRange(message.Answer);
        while (records.Count(r => r.Type == RecordType.SOA) < 2)
        {
            Assert.True(MessageReader.TryRead(await RawDns.ReadFramedAsync(socket), out message, out var error), error);
            records.AddRange(message.Answer);
        }
        Assert.Equal(20000 + 4, records.Count); // 20,000 TXT, the NS, the A, and the SOA twice
        Assert.DoesNotContain(records, r => NameText.Format(r.Owner).StartsWith("late", StringComparison.Ordinal));
        Assert.Equal(records[0].Data, records[^1].Data);
    }
}
