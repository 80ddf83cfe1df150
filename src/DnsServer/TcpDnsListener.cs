using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// DNS over TCP (RFC 7766): each message carries a two-byte length prefix and is read exactly by it, however
/// the stream splits or joins it; several queries share a connection; a connection that stays idle, or holds
/// half a message, for the idle timeout is closed; connections past the cap are refused at once. Every
/// connection runs on its own task, so a slow client never blocks another.
/// </summary>
public sealed class TcpDnsListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly SnapshotPublisher _snapshots;
    private readonly ServerCounters _counters;
    private readonly ILogger _log;
    private readonly TimeSpan _idleTimeout;
    private readonly int _maxConnections;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Task> _connections = [];
    private Task _acceptLoop = Task.CompletedTask;

    public TcpDnsListener(Socket listener, SnapshotPublisher snapshots, ServerCounters counters, ILogger log, TimeSpan idleTimeout, int maxConnections)
    {
        _listener = listener;
        _snapshots = snapshots;
        _counters = counters;
        _log = log;
        _idleTimeout = idleTimeout;
        _maxConnections = maxConnections;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public void Start() => _acceptLoop = AcceptLoopAsync(_stop.Token);

    private async Task AcceptLoopAsync(CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancel);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.Debug("TCP accept error {Error}", e.SocketErrorCode);
                continue;
            }
            lock (_connections)
            {
                if (_connections.Count >= _maxConnections)
                {
                    _counters.CountTcpRefused();
                    client.Dispose();
                    continue;
                }
                var task = ServeAsync(client, cancel);
                _connections.Add(task);
                _ = task.ContinueWith(t => { lock (_connections) _connections.Remove(t); }, TaskScheduler.Default);
            }
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancel)
    {
        await Task.Yield();
        var remote = client.RemoteEndPoint?.Serialize() ?? new SocketAddress(AddressFamily.InterNetwork);
        var context = new QueryContext();
        var request = new byte[65535];
        var response = new byte[2 + 65535];
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        try
        {
            while (true)
            {
                // The idle clock runs from the end of one message to the end of the next one's last byte.
                idle.CancelAfter(_idleTimeout);
                if (!await ReadExactlyAsync(client, request.AsMemory(0, 2), idle.Token, allowEof: true))
                    return;
                int length = BinaryPrimitives.ReadUInt16BigEndian(request);
                if (!await ReadExactlyAsync(client, request.AsMemory(0, length), idle.Token, allowEof: false))
                    return;
                int answer = QueryProcessor.Process(request.AsSpan(0, length), response.AsSpan(2), _snapshots.Current, context, maxResponse: 65535);
                QueryLog.Answered(_log, "tcp", remote, context, answer);
                _counters.Tcp.Count(context, answer);
                if (answer == 0)
                    continue;
                BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)answer);
                await client.SendAsync(response.AsMemory(0, 2 + answer), SocketFlags.None, cancel);
            }
        }
        catch (OperationCanceledException)
        {
            if (!cancel.IsCancellationRequested)
                _counters.CountTcpIdleTimeout();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _log.Debug("TCP connection from {Client} ended: {Error}", remote.ToString(), e.Message);
        }
        finally
        {
            client.Dispose();
        }
    }

    // Reads exactly buffer.Length octets. False on a clean close before the first octet (when allowed).
    private static async ValueTask<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancel, bool allowEof)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancel);
            if (n == 0)
            {
                if (read == 0 && allowEof)
                    return false;
                throw new SocketException((int)SocketError.ConnectionReset);
            }
            read += n;
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        Task[] open;
        lock (_connections)
            open = [.. _connections];
        await Task.WhenAll(open);
        _stop.Dispose();
    }
}
