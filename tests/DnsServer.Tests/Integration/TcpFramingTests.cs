using System.Buffers.Binary;
using System.Net.Sockets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>RFC 7766: messages framed by a two-byte length, however the stream splits or joins them.</summary>
public sealed class TcpFramingTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);
        return socket;
    }

    private static ushort IdOf(byte[] message) => BinaryPrimitives.ReadUInt16BigEndian(message);

    [Fact]
    public async Task Two_queries_in_one_write_get_two_answers()
    {
        using var socket = await ConnectAsync();
        byte[] both = [.. RawDns.Framed(QueryBytes.Build("www.example.test.", RecordType.A, id: 1)),
                       .. RawDns.Framed(QueryBytes.Build("mail.example.test.", RecordType.A, id: 2))];
        await socket.SendAsync(both, TestContext.Current.CancellationToken);
        Assert.Equal(1, IdOf(await RawDns.ReadFramedAsync(socket)));
        Assert.Equal(2, IdOf(await RawDns.ReadFramedAsync(socket)));
    }

    [Fact]
    public async Task A_query_sent_one_byte_at_a_time_is_answered()
    {
        using var socket = await ConnectAsync();
        foreach (byte b in RawDns.Framed(QueryBytes.Build("www.example.test.", RecordType.A, id: 7)))
            await socket.SendAsync(new[] { b }, TestContext.Current.CancellationToken);
        var reply = await RawDns.ReadFramedAsync(socket);
        Assert.True(MessageReader.TryRead(reply, out var message, out _));
        Assert.Equal(7, message.Id);
        Assert.Single(message.Answer);
    }

    [Fact]
    public async Task Several_queries_share_one_connection()
    {
        using var socket = await ConnectAsync();
        for (ushort id = 1; id <= 5; id++)
        {
            await socket.SendAsync(RawDns.Framed(QueryBytes.Build("www.example.test.", RecordType.A, id: id)), TestContext.Current.CancellationToken);
            Assert.Equal(id, IdOf(await RawDns.ReadFramedAsync(socket)));
        }
    }

    [Fact]
    public async Task An_idle_client_does_not_stop_a_second_one()
    {
        using var idle = await ConnectAsync();
        await idle.SendAsync(new byte[] { 0, 40, 0xAB }, TestContext.Current.CancellationToken); // half a message, then silence
        using var second = await ConnectAsync();
        await second.SendAsync(RawDns.Framed(QueryBytes.Build("www.example.test.", RecordType.A, id: 9)), TestContext.Current.CancellationToken);
        Assert.Equal(9, IdOf(await RawDns.ReadFramedAsync(second)));
    }

    [Fact]
    public async Task A_connection_holding_half_a_message_is_closed_after_the_idle_timeout()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync(new byte[] { 0, 40, 1, 2, 3 }, TestContext.Current.CancellationToken);
        var buffer = new byte[16];
        // The fixture's idle timeout is 2 s; the server must close well within this bound.
        using var bound = new CancellationTokenSource(server.TcpIdleTimeout * 5);
        int read = await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token);
        Assert.Equal(0, read);
    }

    [Fact]
    public async Task A_response_message_over_tcp_is_ignored_and_the_connection_goes_on()
    {
        using var socket = await ConnectAsync();
        byte[] both = [.. RawDns.Framed(QueryBytes.Build("www.example.test.", RecordType.A, id: 1, flags: HeaderFlags.QR)),
                       .. RawDns.Framed(QueryBytes.Build("www.example.test.", RecordType.A, id: 2))];
        await socket.SendAsync(both, TestContext.Current.CancellationToken);
        Assert.Equal(2, IdOf(await RawDns.ReadFramedAsync(socket)));
    }
}
