using System.Net.Sockets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>Malformed datagrams get FORMERR or silence, and the server answers valid queries afterwards.</summary>
public sealed class HostilePacketTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    public static TheoryData<string, byte[]> Packets()
    {
        var valid = QueryBytes.Build("www.example.test.", RecordType.A);
        var longLabel = new List<byte>(valid[..12]) { 64 };
        longLabel.AddRange(new byte[64]);
        longLabel.AddRange([0, 0, 1, 0, 1]);
        var longName = new List<byte>(valid[..12]);
        for (int i = 0; i < 5; i++)
        {
            longName.Add(63);
            longName.AddRange(Enumerable.Repeat((byte)'x', 63));
        }
        longName.AddRange([0, 0, 1, 0, 1]);
        var twoOpts = QueryBytes.Build("www.example.test.", RecordType.A, ednsPayload: 1232).ToList();
        twoOpts.AddRange(twoOpts[^11..]);
        twoOpts[11] = 2;
        var random = new byte[60];
        new Random(7).NextBytes(random);
        random[2] &= 0x7F; // keep it a "query" so the server has to read it
        return new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "short header", valid[..7] },
            { "label over 63", [.. longLabel] },
            { "name over 255", [.. longName] },
            { "pointer to itself", [.. valid[..12], 0xC0, 0x0C, 0, 1, 0, 1] },
            { "pointer loop", [.. valid[..12], 1, (byte)'a', 0xC0, 0x0E, 1, (byte)'b', 0xC0, 0x0C, 0, 1, 0, 1] },
            { "pointer past the end", [.. valid[..12], 1, (byte)'a', 0xC0, 0xFF, 0, 1, 0, 1] },
            { "truncated question", valid[..^3] },
            { "two OPT records", [.. twoOpts] },
            { "QR=1", QueryBytes.Build("www.example.test.", RecordType.A, flags: HeaderFlags.QR) },
            { "random bytes", random },
        };
    }

    [Theory]
    [MemberData(nameof(Packets))]
    public async Task Gets_formerr_or_silence_and_the_server_keeps_answering(string what, byte[] packet)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server.EndPoint);
        var cancel = TestContext.Current.CancellationToken;
        await socket.SendAsync(packet, cancel);
        var valid = QueryBytes.Build("www.example.test.", RecordType.A, id: 0xBEEF);
        await socket.SendAsync(valid, cancel);

        // Replies come back in order on this socket: at most one for the hostile packet, then the valid answer.
        var first = await RawDns.ReceiveAsync(socket);
        if (!(MessageReader.TryRead(first, out var reply, out _) && reply.Id == 0xBEEF))
        {
            Assert.True(MessageReader.TryRead(first, out var error, out _), $"{what}: unreadable reply");
            Assert.Equal(ResponseCode.FormErr, error.Rcode);
            Assert.True(MessageReader.TryRead(await RawDns.ReceiveAsync(socket), out reply, out _));
        }
        Assert.Equal(0xBEEF, reply.Id);
        Assert.Single(reply.Answer);
    }
}
