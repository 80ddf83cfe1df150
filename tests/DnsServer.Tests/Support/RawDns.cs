using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace MiniDns.Tests.Support;

/// <summary>Sends exact bytes to the server, for what DnsClient would not send (hostile or odd messages).</summary>
public static class RawDns
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public static async Task<byte[]> UdpAsync(IPEndPoint server, byte[] message)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        await socket.SendAsync(message);
        return await ReceiveAsync(socket);
    }

    public static async Task<byte[]> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[65535];
        using var timeout = new CancellationTokenSource(Patience);
        int received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return buffer[..received];
    }

    public static async Task<byte[]> TcpAsync(IPEndPoint server, byte[] message)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server);
        await socket.SendAsync(Framed(message));
        return await ReadFramedAsync(socket);
    }

    public static byte[] Framed(byte[] message)
    {
        var framed = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed, 2);
        return framed;
    }

    public static async Task<byte[]> ReadFramedAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var prefix = new byte[2];
        await ReadExactlyAsync(socket, prefix, timeout.Token);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await ReadExactlyAsync(socket, message, timeout.Token);
        return message;
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancel)
    {
        for (int read = 0; read < buffer.Length;)
        {
            int n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancel);
            if (n == 0)
                throw new IOException("the server closed the connection");
            read += n;
        }
    }
}
