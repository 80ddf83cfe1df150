using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>The one-datagram-per-call loop that runs where recvmmsg is missing answers, and ignores hostile input, too.</summary>
public sealed class PortableUdpLoopTests
{
    [Fact]
    public async Task The_portable_loop_answers_and_drops_responses()
    {
        var server = new ServerFixture { UdpBatching = false };
        await server.InitializeAsync();
        try
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            socket.Connect(server.EndPoint);
            var cancel = TestContext.Current.CancellationToken;
            await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A, id: 1, flags: HeaderFlags.QR), cancel);
            await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A, id: 2), cancel);
            Assert.True(MessageReader.TryRead(await RawDns.ReceiveAsync(socket), out var reply, out _));
            Assert.Equal(2, reply.Id);
            Assert.Single(reply.Answer);
            Assert.Equal(1, server.Host.Counters.Dropped);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
