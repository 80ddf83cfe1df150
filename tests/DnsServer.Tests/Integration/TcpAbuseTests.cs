using System.Net;
using System.Net.Sockets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>Small TCP caps, so the tests can reach them: 4 connections per client address, 8 in all.</summary>
public sealed class SmallTcpCapsFixture : ServerFixture
{
    public SmallTcpCapsFixture()
    {
        TcpMaxPerClient = 4;
        TcpMaxConnections = 8;
    }
}

/// <summary>
/// TCP under abuse (issue 8, RFC 7766 6.2.3): at a cap the longest-idle connection makes room, so a host that
/// hoards idle connections hurts only its own, and a new client, even from the same address, is served at once.
/// Each test class has its own server, and each test its own client addresses in 127.0.0.0/8.
/// </summary>
public static class TcpClients
{
    public static async Task<Socket> ConnectFromAsync(IPEndPoint server, string source)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        await socket.ConnectAsync(server, TestContext.Current.CancellationToken);
        return socket;
    }

    /// <summary>A connection that has had one answer, so the server has admitted it and sees it idle.</summary>
    public static async Task<Socket> IdleConnectionAsync(IPEndPoint server, string source, ushort id)
    {
        var socket = await ConnectFromAsync(server, source);
        Assert.Equal(id, await AskAsync(socket, id));
        return socket;
    }

    public static async Task<ushort> AskAsync(Socket socket, ushort id)
    {
        await socket.SendAsync(RawDns.Framed(QueryBytes.Build("www.example.test.", RecordType.A, id: id)), TestContext.Current.CancellationToken);
        Assert.True(MessageReader.TryRead(await RawDns.ReadFramedAsync(socket), out var reply, out var error), error);
        return reply.Id;
    }

    public static async Task AssertClosedByServerAsync(Socket socket)
    {
        using var bound = new CancellationTokenSource(RawDns.Patience);
        try
        {
            Assert.Equal(0, await socket.ReceiveAsync(new byte[64], SocketFlags.None, bound.Token));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Closed with unread data: a reset is a close too.
        }
    }
}

public sealed class TcpPerClientCapTests(SmallTcpCapsFixture server) : IClassFixture<SmallTcpCapsFixture>
{
    [Fact]
    public async Task At_the_per_client_cap_a_new_connection_from_that_address_closes_its_longest_idle_one()
    {
        var hoarded = new List<Socket>();
        for (ushort i = 1; i <= 4; i++)
        {
            hoarded.Add(await TcpClients.IdleConnectionAsync(server.EndPoint, "127.0.0.2", i));
            await Task.Delay(20, TestContext.Current.CancellationToken); // distinct idle times
        }
        using var other = await TcpClients.IdleConnectionAsync(server.EndPoint, "127.0.0.3", 50);
        long evicted = server.Host.Counters.TcpEvicted;

        using var newcomer = await TcpClients.ConnectFromAsync(server.EndPoint, "127.0.0.2");
        Assert.Equal(99, await TcpClients.AskAsync(newcomer, 99)); // served at once

        await TcpClients.AssertClosedByServerAsync(hoarded[0]); // the longest idle of that address made room
        for (int i = 1; i < 4; i++)
            Assert.Equal(10 + i, await TcpClients.AskAsync(hoarded[i], (ushort)(10 + i)));
        Assert.Equal(51, await TcpClients.AskAsync(other, 51)); // another host is not touched
        Assert.Equal(evicted + 1, server.Host.Counters.TcpEvicted);
        hoarded.ForEach(s => s.Dispose());
    }
}

public sealed class TcpHalfMessageTests(SmallTcpCapsFixture server) : IClassFixture<SmallTcpCapsFixture>
{
    [Fact]
    public async Task Connections_that_always_hold_half_a_message_cannot_keep_their_slots()
    {
        // Found by attack: a connection counted as busy from its first length octet, so clients that always
        // had the next message half sent could never be evicted and held every slot.
        var held = new List<Socket>();
        for (int i = 0; i < 4; i++)
        {
            var socket = await TcpClients.ConnectFromAsync(server.EndPoint, "127.0.0.7");
            await socket.SendAsync(new byte[] { 0, 40, 0xAB }, TestContext.Current.CancellationToken);
            held.Add(socket);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        using var newcomer = await TcpClients.ConnectFromAsync(server.EndPoint, "127.0.0.7");
        Assert.Equal(77, await TcpClients.AskAsync(newcomer, 77));
        await TcpClients.AssertClosedByServerAsync(held[0]);
        held.ForEach(s => s.Dispose());
    }
}

public sealed class TcpGlobalCapTests(SmallTcpCapsFixture server) : IClassFixture<SmallTcpCapsFixture>
{
    [Fact]
    public async Task At_the_global_cap_a_new_client_closes_the_longest_idle_connection_of_all()
    {
        var open = new List<Socket>();
        for (ushort i = 0; i < 8; i++)
        {
            open.Add(await TcpClients.IdleConnectionAsync(server.EndPoint, i < 4 ? "127.0.0.4" : "127.0.0.5", i));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        long evicted = server.Host.Counters.TcpEvicted;

        using var newcomer = await TcpClients.ConnectFromAsync(server.EndPoint, "127.0.0.6");
        Assert.Equal(99, await TcpClients.AskAsync(newcomer, 99));

        await TcpClients.AssertClosedByServerAsync(open[0]);
        for (int i = 1; i < 8; i++)
            Assert.Equal(20 + i, await TcpClients.AskAsync(open[i], (ushort)(20 + i)));
        Assert.Equal(evicted + 1, server.Host.Counters.TcpEvicted);
        open.ForEach(s => s.Dispose());
    }
}

public sealed class TcpSlowReaderTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_client_that_pipelines_queries_and_never_reads_is_closed_after_the_idle_timeout()
    {
        var cancel = TestContext.Current.CancellationToken;
        long timeouts = server.Host.Counters.TcpSendTimeouts;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(server.EndPoint, cancel);
        // 3 KB answers, far more of them than the socket buffers between us hold; never read.
        var query = RawDns.Framed(QueryBytes.Build("big.test.", RecordType.TXT));
        var many = Enumerable.Repeat(query, 4000).SelectMany(q => q).ToArray();
        using var stopSending = new CancellationTokenSource(server.TcpIdleTimeout * 5);
        var sending = Task.Run(async () =>
        {
            try
            {
                await socket.SendAsync(many, SocketFlags.None, stopSending.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // The server closed the connection, or stopped reading: both expected.
            }
        }, cancel);

        // The fixture's idle timeout is 2 s: the stuck send must end the connection well within 5 times that.
        var deadline = DateTime.UtcNow + server.TcpIdleTimeout * 5;
        while (server.Host.Counters.TcpSendTimeouts == timeouts && DateTime.UtcNow < deadline)
            await Task.Delay(50, cancel);
        Assert.Equal(timeouts + 1, server.Host.Counters.TcpSendTimeouts);
        await stopSending.CancelAsync();
        await sending;
        // And the server still serves TCP.
        Assert.Single((await server.Client(Transport.Tcp).QueryAsync("www.example.test.", DnsClient.QueryType.A, cancellationToken: cancel)).Answers);
    }
}
