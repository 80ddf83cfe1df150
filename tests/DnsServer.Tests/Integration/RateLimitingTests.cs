using System.Net;
using System.Net.Sockets;
using System.Text;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>The server with response rate limiting at its defaults (200 a second, slip 2) and a 40-record name.</summary>
public sealed class RateLimitedServerFixture : ServerFixture
{
    public RateLimitedServerFixture()
    {
        RrlRate = 200;
        var zone = new StringBuilder("$ORIGIN rrl.test.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN NS ns\nns IN A 192.0.2.1\n");
        for (int i = 1; i <= 40; i++)
            zone.Append($"many IN A 192.0.2.{i}\n");
        ExtraZones = [("rrl.test", zone.ToString())];
    }
}

/// <summary>
/// Issue 8: a burst of 20,000 identical queries from one source in 5 s for a name with 40 A records (EDNS
/// 4096) gets fewer bytes out than in, with TC=1 slips, while a client on another prefix gets every answer.
/// Without RRL the amplification factor is about 15.
/// </summary>
public sealed class RateLimitingTests(RateLimitedServerFixture server) : IClassFixture<RateLimitedServerFixture>
{
    [Fact]
    public async Task A_reflection_burst_is_cut_below_amplification_one_and_another_prefix_is_answered()
    {
        var cancel = TestContext.Current.CancellationToken;
        var query = QueryBytes.Build("many.rrl.test.", RecordType.A, ednsPayload: 4096);
        using var flood = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 << 20 };
        flood.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        flood.Connect(server.EndPoint);

        long bytesOut = 0, slips = 0, answers = 0;
        using var stopReceiving = new CancellationTokenSource();
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[65535];
            try
            {
                while (true)
                {
                    int n = await flood.ReceiveAsync(buffer, SocketFlags.None, stopReceiving.Token);
                    bytesOut += n;
                    if ((buffer[2] & (HeaderFlags.TC >> 8)) != 0)
                        slips++;
                    else
                        answers++;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, cancel);

        // The bystander on another /24 asks the same name once every 100 ms during the burst.
        var bystander = Task.Run(async () =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.1.2"), 0));
            socket.Connect(server.EndPoint);
            int answered = 0;
            for (int i = 0; i < 45; i++)
            {
                await socket.SendAsync(query, cancel);
                if (MessageReader.TryRead(await RawDns.ReceiveAsync(socket), out var reply, out _) && reply.Answer.Count == 40)
                    answered++;
                await Task.Delay(100, cancel);
            }
            return answered;
        }, cancel);

        // 20,000 queries in 5 s: 40 every 10 ms, a bounded loop.
        long bytesIn = 0;
        var started = DateTime.UtcNow;
        for (int batch = 0; batch < 500; batch++)
        {
            for (int i = 0; i < 40; i++)
            {
                await flood.SendAsync(query, cancel);
                bytesIn += query.Length;
            }
            var due = started + TimeSpan.FromMilliseconds(10 * (batch + 1));
            if (due > DateTime.UtcNow)
                await Task.Delay(due - DateTime.UtcNow, cancel);
        }
        Assert.Equal(45, await bystander);
        await Task.Delay(500, cancel);
        await stopReceiving.CancelAsync();
        await receiving;

        double factor = (double)bytesOut / bytesIn;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"20,000 queries, {bytesIn} bytes in, {bytesOut} out (factor {factor:0.00}); {answers} answers, {slips} slips");
        Assert.True(factor <= 1.0, $"amplification factor {factor:0.00}: {answers} answers, {slips} slips");
        Assert.True(slips > 0, "no TC=1 slips");
        Assert.True(server.Host.Counters.RateSlipped > 0 && server.Host.Counters.RateDropped > 0);
        // Found by attack: held-back responses were counted as dropped messages too.
        Assert.Equal(0, server.Host.Counters.Dropped);
    }

    [Fact]
    public async Task Tcp_is_never_rate_limited()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.2.2"), 0));
        await socket.ConnectAsync(server.EndPoint, cancel);
        var framed = RawDns.Framed(QueryBytes.Build("many.rrl.test.", RecordType.A));
        for (int i = 0; i < 600; i++) // three times the rate, within a second or so
        {
            await socket.SendAsync(framed, cancel);
            Assert.True(MessageReader.TryRead(await RawDns.ReadFramedAsync(socket), out var reply, out _));
            Assert.Equal(40, reply.Answer.Count);
        }
    }
}
