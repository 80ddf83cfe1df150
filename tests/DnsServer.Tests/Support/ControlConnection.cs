using System.Net.Sockets;
using MiniDns.Control;

namespace MiniDns.Tests.Support;

/// <summary>A raw connection to a server's control socket, speaking frames as minidns does, or any bytes a test wants.</summary>
public sealed class ControlConnection : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public ControlConnection(string path)
    {
        _socket.Connect(new UnixDomainSocketEndPoint(path));
        Stream = new NetworkStream(_socket, ownsSocket: false);
    }

    public NetworkStream Stream { get; }

    public async Task<ControlReply> SendAsync(ControlRequest request)
    {
        var cancel = TestContext.Current.CancellationToken;
        await ControlProtocol.WriteFrameAsync(Stream, ControlProtocol.Encode(request), cancel);
        var frame = await ControlProtocol.ReadFrameAsync(Stream, cancel);
        Assert.NotNull(frame);
        return ControlProtocol.DecodeReply(frame);
    }

    public static async Task<ControlReply> SendAsync(string path, ControlRequest request)
    {
        using var connection = new ControlConnection(path);
        return await connection.SendAsync(request);
    }

    public void Dispose()
    {
        Stream.Dispose();
        _socket.Dispose();
    }
}
