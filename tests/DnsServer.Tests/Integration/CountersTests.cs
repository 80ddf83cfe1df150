using System.Net.Sockets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>The server counts what it answered, by transport and rcode, and what it dropped.</summary>
public sealed class CountersTests
{
    [Fact]
    public async Task Queries_are_counted_by_transport_rcode_and_drop()
    {
        var server = new ServerFixture();
        await server.InitializeAsync();
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(server.EndPoint);
            var cancel = TestContext.Current.CancellationToken;
            await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A, flags: HeaderFlags.QR), cancel); // dropped
            await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A), cancel);
            await socket.SendAsync(QueryBytes.Build("missing.example.test.", RecordType.A), cancel);
            // One client socket reaches one server loop, in order: two replies mean all three were counted.
            await RawDns.ReceiveAsync(socket);
            await RawDns.ReceiveAsync(socket);
            await RawDns.TcpAsync(server.EndPoint, QueryBytes.Build("www.example.org.", RecordType.A));

            var counters = server.Host.Counters;
            Assert.Equal(3, counters.UdpQueries);
            Assert.Equal(1, counters.TcpQueries);
            Assert.Equal(1, counters.Dropped);
            Assert.Equal(1, counters.Answered(ResponseCode.NoError));
            Assert.Equal(1, counters.Answered(ResponseCode.NxDomain));
            Assert.Equal(1, counters.Answered(ResponseCode.Refused));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
