using MiniDns.Wire;

namespace MiniDns.Server;

/// <summary>
/// Every counter of the server, summed on read from the per-loop <see cref="QueryCounters"/>: queries by
/// transport and rcode, dropped messages, reloads, TCP refusals and idle timeouts, and the failures the loops
/// caught (<see cref="FaultLog"/>). All only grow, so they
/// can be scraped.
/// </summary>
public sealed class ServerCounters
{
    private readonly List<QueryCounters> _udpLoops = [];
    private long _reloads, _reloadFailures, _tcpRefused, _tcpIdleTimeouts, _tcpSendTimeouts, _tcpEvicted, _tcpAcceptBackoffs, _errors;

    public QueryCounters Tcp { get; } = new(shared: true);

    public QueryCounters NewUdpLoop()
    {
        var counters = new QueryCounters(shared: false);
        lock (_udpLoops)
            _udpLoops.Add(counters);
        return counters;
    }

    public long UdpQueries => Sum(c => c.Queries);
    public long TcpQueries => Tcp.Queries;
    public long Dropped => Sum(c => c.Dropped) + Tcp.Dropped;
    public long Answered(ResponseCode rcode) => Sum(c => c.Answered(rcode)) + Tcp.Answered(rcode);
    public long RateLimited => Sum(c => c.RateLimited);
    public long RateSlipped => Sum(c => c.Slipped);
    public long RateDropped => RateLimited - RateSlipped;
    public long Reloads => Interlocked.Read(ref _reloads);
    public long ReloadFailures => Interlocked.Read(ref _reloadFailures);
    public long TcpConnectionsRefused => Interlocked.Read(ref _tcpRefused);
    public long TcpIdleTimeouts => Interlocked.Read(ref _tcpIdleTimeouts);

    /// <summary>Connections closed because an answer could not be written within the idle timeout.</summary>
    public long TcpSendTimeouts => Interlocked.Read(ref _tcpSendTimeouts);

    /// <summary>Idle connections closed to make room for a new one at a cap.</summary>
    public long TcpEvicted => Interlocked.Read(ref _tcpEvicted);

    /// <summary>Accepts that failed for want of descriptors or buffers and were retried after a pause.</summary>
    public long TcpAcceptBackoffs => Interlocked.Read(ref _tcpAcceptBackoffs);

    /// <summary>Exceptions caught while answering a message, serving a connection, accepting or reloading.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public void CountReload() => Interlocked.Increment(ref _reloads);
    public void CountReloadFailure() => Interlocked.Increment(ref _reloadFailures);
    public void CountTcpRefused() => Interlocked.Increment(ref _tcpRefused);
    public void CountTcpIdleTimeout() => Interlocked.Increment(ref _tcpIdleTimeouts);
    public void CountTcpSendTimeout() => Interlocked.Increment(ref _tcpSendTimeouts);
    public void CountTcpEvicted() => Interlocked.Increment(ref _tcpEvicted);
    public void CountTcpAcceptBackoff() => Interlocked.Increment(ref _tcpAcceptBackoffs);
    public void CountError() => Interlocked.Increment(ref _errors);

    /// <summary>Every counter by name, as <c>minidns stats</c> shows them.</summary>
    public IReadOnlyDictionary<string, long> ToDictionary()
    {
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["queries.udp"] = UdpQueries,
            ["queries.tcp"] = TcpQueries,
            ["dropped"] = Dropped,
            ["rrl.limited"] = RateLimited,
            ["rrl.slipped"] = RateSlipped,
            ["rrl.dropped"] = RateDropped,
            ["reloads"] = Reloads,
            ["reload.failures"] = ReloadFailures,
            ["tcp.refused"] = TcpConnectionsRefused,
            ["tcp.idle_timeouts"] = TcpIdleTimeouts,
            ["tcp.send_timeouts"] = TcpSendTimeouts,
            ["tcp.evicted"] = TcpEvicted,
            ["tcp.accept_backoffs"] = TcpAcceptBackoffs,
            ["errors"] = Errors,
        };
        foreach (var rcode in Enum.GetValues<ResponseCode>())
            counters[$"rcode.{rcode.ToString().ToLowerInvariant()}"] = Answered(rcode);
        return counters;
    }

    private long Sum(Func<QueryCounters, long> read)
    {
        lock (_udpLoops)
            return _udpLoops.Sum(read);
    }
}
