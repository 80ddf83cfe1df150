using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>--log-level Debug writes a line per query; writing it must not cost the answer.</summary>
public sealed class DebugLogTests
{
    [Fact]
    public async Task With_debug_logging_on_ipv4_clients_are_answered_over_udp_and_tcp()
    {
        // Found by attack: describing an IPv4 client threw, and each UDP batch and TCP connection was lost.
        await using var server = new ServerFixture { DebugLog = true };
        await server.InitializeAsync();
        foreach (var reply in (byte[][])[await RawDns.UdpAsync(server.EndPoint, QueryBytes.Build("www.example.test.", RecordType.A)),
                                          await RawDns.TcpAsync(server.EndPoint, QueryBytes.Build("www.example.test.", RecordType.A))])
        {
            Assert.True(MessageReader.TryRead(reply, out var message, out _));
            Assert.NotEmpty(message.Answer);
        }
        Assert.Equal(0, server.Host.Counters.Errors);
    }
}
