using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using MiniDns.Resolution;

namespace MiniDns.Server;

/// <summary>
/// The resolver's queries on the wire. UDP: a new socket per query, bound to port 0, so each query leaves
/// from a fresh port that Linux picks at random (RFC 5452 9.2), and connected to the server asked, so the
/// kernel drops datagrams from any other address or port. TCP (after TC=1): a new connection, messages
/// framed by their length (RFC 7766). Replies the resolver does not accept (another ID or question) are
/// skipped and the wait goes on until the timeout. NOTIFY uses it too, with a <see cref="OutgoingSource"/>:
/// then each socket is bound to our own listen address instead of any.
/// </summary>
public sealed class SocketUpstream(OutgoingSource? source = null) : IUpstream
{
    public async Task<byte[]?> ExchangeAsync(IPEndPoint server, ReadOnlyMemory<byte> query, bool tcp, TimeSpan timeout, Func<byte[], bool> accept, CancellationToken cancel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        try
        {
            return tcp ? await OverTcpAsync(server, query, accept, deadline.Token) : await OverUdpAsync(server, query, accept, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return null;
        }
        catch (SocketException)
        {
            return null; // unreachable, refused (ICMP), reset: no answer from this server
        }
    }

    // The largest UDP reply read: we offer 1232 bytes in EDNS (and 512 without), so a longer datagram is a
    // server ignoring what it was told; it is cut short, fails to parse, and counts as that server's failure.
    private const int MaxUdpReply = 4096;

    private async Task<byte[]?> OverUdpAsync(IPEndPoint server, ReadOnlyMemory<byte> query, Func<byte[], bool> accept, CancellationToken cancel)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(source?.For(server.Address) ?? (server.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any), 0));
        // Connecting and sending a datagram never wait, so they are plain calls: the async ones cost a
        // state machine and event args per query on the miss path.
        socket.Connect(server);
        socket.Send(query.Span);
        // A small pooled buffer: with a 64 KiB one, the buffers of the questions in flight were most of what
        // a flood of misses kept alive from one collection to the next (the resident memory the cache seemed to take).
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxUdpReply);
        try
        {
            while (true)
            {
                int received = await socket.ReceiveAsync(buffer.AsMemory(0, MaxUdpReply), cancel);
                var reply = buffer[..received];
                if (accept(reply))
                    return reply;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<byte[]?> OverTcpAsync(IPEndPoint server, ReadOnlyMemory<byte> query, Func<byte[], bool> accept, CancellationToken cancel)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        source?.Bind(socket, server.Address);
        await socket.ConnectAsync(server, cancel);
        var framed = new byte[2 + query.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed.AsMemory(2));
        await socket.SendAsync(framed, cancel);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var prefix = new byte[2];
        while (true)
        {
            if (await stream.ReadAtLeastAsync(prefix, 2, throwOnEndOfStream: false, cancel) < 2)
                return null;
            var reply = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
            if (await stream.ReadAtLeastAsync(reply, reply.Length, throwOnEndOfStream: false, cancel) < reply.Length)
                return null;
            if (accept(reply))
                return reply;
        }
    }
}
