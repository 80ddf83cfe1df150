using System.Net;
using System.Net.Sockets;
using System.Text;
using Prometheus;

namespace MiniDns.Server;

/// <summary>
/// <c>--metrics ADDR:PORT</c>: the server's counters at <c>http://ADDR:PORT/metrics</c> in Prometheus's text
/// format, written by prometheus-net from its registry. Nothing is counted for it: the receive loops keep
/// their own counters, and a scrape reads them (<see cref="ServerCounters.Samples"/>) into the registry first,
/// so a query costs the same with the endpoint on or off.
/// The HTTP side is ours, not prometheus-net's HttpListener, which found by attack had no cap on connections
/// and no deadline for a request's headers (450 slow clients took the descriptors DNS over TCP needed) and
/// matched the Host header (a scrape of localhost got 404). Here: at most <see cref="MaxConnections"/> at
/// once, and at the cap the oldest is closed for the new one, as DNS over TCP does (a scrape takes
/// milliseconds, so the oldest is the one stalling); at most <see cref="MaxPerClient"/> from one address; one
/// request per connection, its head read within <see cref="Deadline"/> and <see cref="MaxHead"/> bytes, any Host.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    public const int MaxConnections = 8;
    public const int MaxPerClient = 4;
    public const int MaxHead = 8192;
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly CollectorRegistry _registry;
    private readonly FaultLog _faults;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly LinkedList<(Socket Socket, IPAddress Client)> _open = new();

    private MetricsEndpoint(Socket listener, CollectorRegistry registry, FaultLog faults)
    {
        _listener = listener;
        _registry = registry;
        _faults = faults;
        _accepting = AcceptAsync();
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Connections being served now (at most <see cref="MaxConnections"/>).</summary>
    public int OpenConnections
    {
        get
        {
            lock (_open)
                return _open.Count;
        }
    }

    public static MetricsEndpoint Start(IPEndPoint address, ServerCounters counters, FaultLog faults)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var metrics = new Dictionary<string, Counter>(StringComparer.Ordinal);
        foreach (var sample in counters.Samples())
        {
            if (!metrics.ContainsKey(sample.Metric))
                metrics[sample.Metric] = factory.CreateCounter($"minidns_{sample.Metric.Replace('.', '_')}_total", sample.Help,
                    sample.Label is null ? [] : [sample.Label]);
        }
        registry.AddBeforeCollectCallback(() =>
        {
            foreach (var sample in counters.Samples())
            {
                var counter = metrics[sample.Metric];
                if (sample.LabelValue is null)
                    counter.IncTo(sample.Value);
                else
                    counter.WithLabels(sample.LabelValue).IncTo(sample.Value);
            }
        });
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Address.Equals(IPAddress.IPv6Any))
                listener.DualMode = true; // [::] takes IPv4 clients too, as a listener on every address should
            listener.Bind(address);
            listener.Listen(MaxConnections * 2);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new IOException($"--metrics {address}: {e.Message}", e);
        }
        return new MetricsEndpoint(listener, registry, faults);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _faults.Failed("Accepting a metrics connection", e);
                await Task.Delay(100, CancellationToken.None);
                continue;
            }
            var address = (client.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            LinkedListNode<(Socket, IPAddress)> node;
            lock (_open)
            {
                // The oldest of this client's connections, or of all, makes room: a new one always gets in.
                var sameClient = _open.Count(c => c.Client.Equals(address));
                var oldest = sameClient >= MaxPerClient ? FirstOf(address) : _open.Count >= MaxConnections ? _open.First : null;
                if (oldest is not null)
                {
                    oldest.Value.Socket.Dispose(); // its read fails and its task ends
                    _open.Remove(oldest);
                }
                node = _open.AddLast((client, address));
            }
            _ = ServeAsync(client, node);
        }
    }

    private LinkedListNode<(Socket Socket, IPAddress Client)>? FirstOf(IPAddress address)
    {
        for (var node = _open.First; node is not null; node = node.Next)
        {
            if (node.Value.Client.Equals(address))
                return node;
        }
        return null;
    }

    private async Task ServeAsync(Socket client, LinkedListNode<(Socket, IPAddress)> node)
    {
        try
        {
            using var _ = client;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            deadline.CancelAfter(Deadline);
            await using var stream = new NetworkStream(client, ownsSocket: false);
            var (status, target) = await ReadRequestTargetAsync(stream, deadline.Token);
            if (status is not null)
            {
                await RespondAsync(stream, status, "text/plain; charset=utf-8", [], deadline.Token);
                return;
            }
            if (target is "/metrics" || target!.StartsWith("/metrics?", StringComparison.Ordinal))
            {
                using var body = new MemoryStream();
                await _registry.CollectAndExportAsTextAsync(body, deadline.Token);
                await RespondAsync(stream, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body.ToArray(), deadline.Token);
            }
            else
            {
                await RespondAsync(stream, target == "" ? "405 Method Not Allowed" : "404 Not Found", "text/plain; charset=utf-8",
                    "the counters are at GET /metrics\n"u8.ToArray(), deadline.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
            // Slow, gone or stopping: the connection closes.
        }
        catch (Exception e)
        {
            _faults.Failed("A metrics request", e);
        }
        finally
        {
            lock (_open)
            {
                if (node.List is not null)
                    _open.Remove(node);
            }
        }
    }

    // The path a GET asks for ("" for another method), or the error status for a head that is malformed or
    // too long; an absolute target (http://host/metrics, RFC 9112 3.2.2) counts by its path. The status and
    // target are null when the client went away.
    private static async Task<(string? Status, string? Target)> ReadRequestTargetAsync(NetworkStream stream, CancellationToken cancel)
    {
        var head = new byte[MaxHead];
        int filled = 0;
        while (true)
        {
            int read = await stream.ReadAsync(head.AsMemory(filled), cancel);
            if (read == 0)
                throw new IOException("the client closed the connection");
            filled += read;
            if (head.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) >= 0 || head.AsSpan(0, filled).IndexOf("\n\n"u8) >= 0)
                break;
            if (filled == head.Length)
                return ("431 Request Header Fields Too Large", null);
        }
        int lineEnd = head.AsSpan(0, filled).IndexOf((byte)'\n');
        var parts = Encoding.ASCII.GetString(head, 0, lineEnd).TrimEnd('\r').Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            return ("400 Bad Request", null);
        string target = parts[1];
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(target, UriKind.Absolute, out var absolute))
            target = absolute.PathAndQuery;
        return (null, parts[0] == "GET" ? target : "");
    }

    private static async Task RespondAsync(NetworkStream stream, string status, string contentType, byte[] body, CancellationToken cancel)
    {
        var header = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(header, cancel);
        await stream.WriteAsync(body, cancel);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _accepting.GetAwaiter().GetResult();
    }
}
