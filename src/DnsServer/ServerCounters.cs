using MiniDns.Wire;

namespace MiniDns.Server;

/// <summary>
/// Every counter of the server, summed on read from the per-loop <see cref="QueryCounters"/>: queries by
/// transport and question type, responses by rcode, FORMERR and REFUSED by reason, truncations, dropped
/// messages, rate limiting, TCP connections, reloads and their time, and the failures the loops caught
/// (<see cref="FaultLog"/>). All only grow, so they can be scraped (<see cref="Samples"/>).
/// </summary>
public sealed class ServerCounters
{
    private readonly List<QueryCounters> _udpLoops = [];
    private long _reloads, _reloadMicroseconds, _reloadFailures, _tcpAccepted, _tcpRefused, _tcpIdleTimeouts, _tcpSendTimeouts, _tcpEvicted, _tcpAcceptBackoffs, _errors;

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
    public long Answered(ResponseCode rcode) => Sum(c => c.Answered(rcode)) + Tcp.Answered(rcode) + (Recursion?.Answered(rcode) ?? 0);
    public long Truncated => Sum(c => c.Truncated) + Tcp.Truncated;
    public long Asked(ushort? type) => Sum(c => c.Asked(type)) + Tcp.Asked(type);
    public long Refused(ResponseReason reason) => Sum(c => c.Refused(reason)) + Tcp.Refused(reason);
    public long RateLimited => Sum(c => c.RateLimited);
    public long RateSlipped => Sum(c => c.Slipped);
    public long RateDropped => RateLimited - RateSlipped;
    public long Reloads => Interlocked.Read(ref _reloads);
    public long ReloadMicroseconds => Interlocked.Read(ref _reloadMicroseconds);
    public long ReloadFailures => Interlocked.Read(ref _reloadFailures);

    /// <summary>Connections accepted (and served, or closed at once when over a cap).</summary>
    public long TcpConnections => Interlocked.Read(ref _tcpAccepted);
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

    public void CountReload(TimeSpan took)
    {
        Interlocked.Add(ref _reloadMicroseconds, (long)took.TotalMicroseconds);
        Interlocked.Increment(ref _reloads);
    }

    public void CountTcpAccepted() => Interlocked.Increment(ref _tcpAccepted);
    public void CountReloadFailure() => Interlocked.Increment(ref _reloadFailures);
    public void CountTcpRefused() => Interlocked.Increment(ref _tcpRefused);
    public void CountTcpIdleTimeout() => Interlocked.Increment(ref _tcpIdleTimeouts);
    public void CountTcpSendTimeout() => Interlocked.Increment(ref _tcpSendTimeouts);
    public void CountTcpEvicted() => Interlocked.Increment(ref _tcpEvicted);
    public void CountTcpAcceptBackoff() => Interlocked.Increment(ref _tcpAcceptBackoffs);
    public void CountError() => Interlocked.Increment(ref _errors);

    /// <summary>Every counter by name ("queries.udp"), as <c>minidns stats</c> shows them.</summary>
    public IReadOnlyDictionary<string, long> ToDictionary() =>
        new SortedDictionary<string, long>(Samples().ToDictionary(c => c.Key, c => c.Value), StringComparer.Ordinal);

    /// <summary>The resolver whose counters are shown too; null (all 0) when nobody may recurse.</summary>
    public RecursionService? Recursion { get; set; }

    /// <summary>Every counter now, read from the loops: what stats and /metrics show.</summary>
    public IReadOnlyList<CounterSample> Samples()
    {
        var samples = new List<CounterSample>
        {
            new("queries", "Messages received", UdpQueries, "transport", "udp"),
            new("queries", "Messages received", TcpQueries, "transport", "tcp"),
            new("dropped", "Messages given no response (shorter than a header, or a response; rate-limited ones count in rrl.dropped)", Dropped),
            new("truncated", "Responses sent with TC=1 because the answer did not fit", Truncated),
            new("rrl.limited", "Responses held back by response rate limiting", RateLimited),
            new("rrl.slipped", "Rate-limited responses sent as an empty TC=1 reply", RateSlipped),
            new("rrl.dropped", "Rate-limited responses not sent", RateDropped),
            new("reloads", "Snapshots published after a change of the store", Reloads),
            new("reload.microseconds", "Time spent building and publishing snapshots", ReloadMicroseconds),
            new("reload.failures", "Reloads that failed (the previous snapshot kept serving)", ReloadFailures),
            new("tcp.connections", "TCP connections accepted", TcpConnections),
            new("tcp.refused", "TCP connections closed at once: over a cap with none idle to evict", TcpConnectionsRefused),
            new("tcp.idle_timeouts", "TCP connections closed after the idle timeout", TcpIdleTimeouts),
            new("tcp.send_timeouts", "TCP connections closed because an answer could not be written in time", TcpSendTimeouts),
            new("tcp.evicted", "Idle TCP connections closed to make room for a new one", TcpEvicted),
            new("tcp.accept_backoffs", "Accepts that failed for want of descriptors and were retried after a pause", TcpAcceptBackoffs),
            new("errors", "Exceptions caught while answering, serving a connection, accepting or reloading", Errors),
            new("resolver.resolutions", "Questions the resolver answered after a cache miss", Recursion?.Resolutions ?? 0),
            new("resolver.servfail", "Resolutions that ended in SERVFAIL", Recursion?.ServFails ?? 0),
            new("resolver.prefetches", "Cached answers fetched again in the last tenth of their TTL, while asked for", Recursion?.Refreshes ?? 0),
            new("resolver.busy_drops", "Cache misses dropped because too many questions were being resolved", Recursion?.DroppedBusy ?? 0),
            new("resolver.upstream_queries", "Queries sent to other servers", Recursion?.Resolver.UpstreamQueries ?? 0),
            new("resolver.upstream_timeouts", "Upstream queries that got no reply in time", Recursion?.Resolver.UpstreamTimeouts ?? 0),
            new("resolver.upstream_failures", "Upstream replies that were malformed, refused, SERVFAIL or lame", Recursion?.Resolver.UpstreamFailures ?? 0),
            new("cache.hits", "Lookups the resolver cache answered", Recursion?.Resolver.Cache.Hits ?? 0),
            new("cache.misses", "Lookups the resolver cache could not answer", Recursion?.Resolver.Cache.Misses ?? 0),
            new("cache.evictions", "Cache entries dropped to stay within --cache-size", Recursion?.Resolver.Cache.Evictions ?? 0),
        };
        foreach (var rcode in Enum.GetValues<ResponseCode>())
            samples.Add(new("responses", "Responses sent, by rcode", Answered(rcode), "rcode", rcode.ToString().ToLowerInvariant()));
        foreach (ushort type in QueryCounters.CountedTypes)
            samples.Add(new("questions", "Questions read, by type", Asked(type), "type", RecordType.ToText(type).ToLowerInvariant()));
        samples.Add(new("questions", "Questions read, by type", Asked(null), "type", "other"));
        foreach (var reason in Enum.GetValues<ResponseReason>())
        {
            string? rcode = reason switch
            {
                ResponseReason.None => null,
                < ResponseReason.NoZone => "formerr",
                ResponseReason.Unavailable => "servfail",
                _ => "refused",
            };
            if (rcode is not null)
                samples.Add(new(rcode, $"{rcode.ToUpperInvariant()} responses, by reason", Refused(reason), "reason", ReasonName(reason)));
        }
        return samples;
    }

    // snake_case of the reason's name, as labels are written: BadQuestion -> bad_question.
    private static string ReasonName(ResponseReason reason) =>
        string.Concat(reason.ToString().Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

    private long Sum(Func<QueryCounters, long> read)
    {
        lock (_udpLoops)
            return _udpLoops.Sum(read);
    }
}
