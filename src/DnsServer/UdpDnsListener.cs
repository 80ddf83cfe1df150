using System.Net;
using System.Net.Sockets;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// One UDP socket with a receive loop per core. Each loop owns its buffers and query context, reuses one
/// SocketAddress (no EndPoint per datagram) and answers in place, so the steady state allocates nothing.
/// </summary>
public sealed class UdpDnsListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly SnapshotPublisher _snapshots;
    private readonly ServerCounters _counters;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];

    public UdpDnsListener(Socket socket, SnapshotPublisher snapshots, ServerCounters counters, ILogger log)
    {
        _socket = socket;
        _snapshots = snapshots;
        _counters = counters;
        _log = log;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public void Start()
    {
        _loops = Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount))
            .Select(_ => Task.Run(() => ReceiveLoopAsync(_stop.Token)))
            .ToArray();
    }

    private async Task ReceiveLoopAsync(CancellationToken cancel)
    {
        var request = GC.AllocateUninitializedArray<byte>(65535, pinned: true);
        var response = GC.AllocateUninitializedArray<byte>(65535, pinned: true);
        var client = new SocketAddress(_socket.AddressFamily);
        var context = new QueryContext();
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                int received = await _socket.ReceiveFromAsync(request, SocketFlags.None, client, cancel);
                _counters.UdpQueries.Increment();
                int length = QueryProcessor.Process(request.AsSpan(0, received), response, _snapshots.Current, context);
                QueryLog.Answered(_log, "udp", client, context, length);
                if (length == 0)
                {
                    _counters.Dropped.Increment();
                    continue;
                }
                _counters.ByRcode(context.LastRcode).Increment();
                await _socket.SendToAsync(response.AsMemory(0, length), SocketFlags.None, client, cancel);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // One client's unreachable port or a full send buffer must not stop the loop (as Technitium does).
                _log.Debug("UDP socket error {Error}, loop continues", e.SocketErrorCode);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
