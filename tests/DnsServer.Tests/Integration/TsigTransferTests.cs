using System.Net;
using MiniDns.Control;
using MiniDns.Tests.Support;
using MiniDns.Tsig;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>
/// Transfers allowed by TSIG key alone (<c>--allow-transfer key:xfr.example.test</c>): a request signed with
/// the key gets the zone, every message signed and chained; unsigned, a wrong key, a bad MAC or a stale time
/// get REFUSED or NOTAUTH with the TSIG error, and no record of the zone.
/// </summary>
public sealed class TsigTransferTests : IAsyncLifetime
{
    private readonly ServerFixture _server = new() { AllowTransfer = [], AllowTransferKeys = [WireName.Name("xfr.example.test.")] };
    private TsigKey _key = null!;

    public async ValueTask InitializeAsync()
    {
        await _server.InitializeAsync();
        var reply = await ControlConnection.SendAsync(_server.Host.ControlPath,
            new ControlRequest { Command = ControlCommand.KeyAdd, Name = WireName.Name("xfr.example.test."), Algorithm = TsigKey.HmacSha256 });
        Assert.Null(reply.Error);
        _key = new TsigKey(WireName.Name("xfr.example.test."), TsigKey.HmacSha256, reply.Data!);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static (byte[] Request, byte[] Mac) Signed(TsigKey key, long time, string zone = "example.test.")
    {
        var query = QueryBytes.Build(zone, RecordType.AXFR, id: 7);
        var buffer = new byte[1024];
        query.CopyTo(buffer, 0);
        int length = TsigMessage.Sign(buffer, query.Length, key, [], timersOnly: false, time, out var mac);
        return (buffer[..length], mac);
    }

    // The transfer's messages as they came, raw, until the closing SOA or an error.
    private async Task<List<byte[]>> TransferAsync(byte[] request)
    {
        using var socket = await TcpClients.ConnectFromAsync(_server.EndPoint, "127.0.0.1");
        await socket.SendAsync(RawDns.Framed(request), TestContext.Current.CancellationToken);
        var messages = new List<byte[]>();
        int soas = 0;
        while (true)
        {
            var raw = await RawDns.ReadFramedAsync(socket);
            Assert.True(MessageReader.TryRead(raw, out var message, out var error), error);
            messages.Add(raw);
            soas += message.Answer.Count(r => r.Type == RecordType.SOA);
            if (message.Rcode != ResponseCode.NoError || soas >= 2)
                return messages;
        }
    }

    [Fact]
    public async Task A_request_signed_with_the_key_gets_the_zone_every_message_signed_in_a_chain()
    {
        var (request, mac) = Signed(_key, TsigMessage.Now());
        var messages = await TransferAsync(request);

        var prior = mac;
        for (int i = 0; i < messages.Count; i++)
        {
            Assert.True(TsigMessage.TryFind(messages[i], out var tsig, out _), $"message {i} is not signed");
            Assert.Equal(TsigError.NoError, TsigMessage.VerifyResponse(messages[i], tsig, _key, prior, timersOnly: i > 0, TsigMessage.Now()));
            prior = tsig.Mac;
        }
        Assert.True(MessageReader.TryRead(messages[^1], out var last, out _));
        Assert.Equal(RecordType.SOA, last.Answer[^1].Type);
    }

    [Fact]
    public async Task Unsigned_wrong_key_bad_mac_and_stale_time_are_refused_and_show_nothing_of_the_zone()
    {
        var unsigned = Assert.Single(await TransferAsync(QueryBytes.Build("example.test.", RecordType.AXFR)));
        AssertNothing(unsigned, ResponseCode.Refused, null);

        var stranger = TsigKey.Generate(WireName.Name("stranger.example.test."), TsigKey.HmacSha256);
        AssertNothing(Assert.Single(await TransferAsync(Signed(stranger, TsigMessage.Now()).Request)), ResponseCode.NotAuth, TsigError.BadKey);

        var forged = _key with { Secret = [.. _key.Secret[..^1], (byte)(_key.Secret[^1] ^ 1)] };
        AssertNothing(Assert.Single(await TransferAsync(Signed(forged, TsigMessage.Now()).Request)), ResponseCode.NotAuth, TsigError.BadSig);

        var (stale, mac) = Signed(_key, TsigMessage.Now() - 3600);
        var badTime = Assert.Single(await TransferAsync(stale));
        AssertNothing(badTime, ResponseCode.NotAuth, TsigError.BadTime);
        // BADTIME is signed over the request's MAC, with our clock in the other data for the client to see.
        Assert.True(TsigMessage.TryFind(badTime, out var tsig, out _));
        Assert.Equal(TsigError.NoError, TsigMessage.VerifyResponse(badTime, tsig, _key, mac, timersOnly: false, tsig.TimeSigned));
        Assert.Equal(6, tsig.OtherData.Length);
    }

    private static void AssertNothing(byte[] raw, ResponseCode rcode, TsigError? error)
    {
        Assert.True(MessageReader.TryRead(raw, out var message, out var problem), problem);
        Assert.Equal(rcode, message.Rcode);
        Assert.Empty(message.Answer);
        Assert.Empty(message.Authority);
        if (error is { } expected)
        {
            Assert.True(TsigMessage.TryFind(raw, out var tsig, out _));
            Assert.Equal((ushort)expected, tsig.Error);
        }
    }
}
