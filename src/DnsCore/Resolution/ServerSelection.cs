using System.Net;

namespace MiniDns.Resolution;

/// <summary>
/// The infrastructure cache, as Unbound and BIND keep one: per server address, a smoothed round-trip time,
/// whether it speaks EDNS, and whether it stopped answering. Servers are tried in order of smoothed RTT;
/// one never heard from counts as fast, so each gets tried; a server that timed out twice in a row is
/// skipped for a while unless nothing else is left. At most <see cref="MaxServers"/> are remembered, the
/// least recently used forgotten first: found by attack, referrals with fresh glue addresses grew it without end.
/// </summary>
public sealed class ServerSelection(Func<long>? clockMs = null)
{
    private sealed class Server
    {
        public double SrttMs;
        public int Timeouts;
        public long DeadUntilMs;
        public bool NoEdns;
        public long UsedMs;
    }

    public const int MaxServers = 10_000;

    /// <summary>How long a server that stopped answering is skipped.</summary>
    public static readonly TimeSpan DeadFor = TimeSpan.FromSeconds(30);

    private readonly Dictionary<IPEndPoint, Server> _servers = [];
    private readonly Func<long> _clockMs = clockMs ?? (() => Environment.TickCount64);
    private readonly Lock _gate = new();

    /// <summary>The candidates, best first: live servers by smoothed RTT, then the dead ones by when they come back.</summary>
    public List<IPEndPoint> Order(IEnumerable<IPEndPoint> candidates)
    {
        long now = _clockMs();
        lock (_gate)
        {
            return candidates.Distinct()
                .Select(c => (c, info: _servers.GetValueOrDefault(c)))
                .OrderBy(x => x.info is { } i && i.DeadUntilMs > now ? 1 : 0)
                .ThenBy(x => x.info is { } i && i.DeadUntilMs > now ? i.DeadUntilMs : 0)
                .ThenBy(x => x.info?.SrttMs ?? 0)
                .Select(x => x.c)
                .ToList();
        }
    }

    /// <summary>A reply came after <paramref name="rtt"/>: RTT smoothed 7:3 as BIND does.</summary>
    public void Answered(IPEndPoint server, TimeSpan rtt)
    {
        lock (_gate)
        {
            var info = Get(server);
            double sample = rtt.TotalMilliseconds;
            info.SrttMs = info.SrttMs == 0 ? sample : 0.7 * info.SrttMs + 0.3 * sample;
            info.Timeouts = 0;
            info.DeadUntilMs = 0;
        }
    }

    /// <summary>No reply in time: the server sorts behind those that answer, and after two in a row is skipped for <see cref="DeadFor"/>.</summary>
    public void TimedOut(IPEndPoint server, TimeSpan timeout)
    {
        lock (_gate)
        {
            var info = Get(server);
            info.SrttMs = Math.Max(info.SrttMs * 2, timeout.TotalMilliseconds);
            if (++info.Timeouts >= 2)
                info.DeadUntilMs = _clockMs() + (long)DeadFor.TotalMilliseconds;
        }
    }

    /// <summary>A server that answered badly (SERVFAIL, REFUSED, a lame referral): tried after the others next time.</summary>
    public void Failed(IPEndPoint server, TimeSpan rtt)
    {
        lock (_gate)
        {
            var info = Get(server);
            info.SrttMs = Math.Max(info.SrttMs, rtt.TotalMilliseconds) + 500;
        }
    }

    public bool SpeaksEdns(IPEndPoint server)
    {
        lock (_gate)
            return !(_servers.TryGetValue(server, out var info) && info.NoEdns);
    }

    /// <summary>The server answered FORMERR or NOTIMP to a query with OPT (RFC 6891 7): ask it without from now on.</summary>
    public void NoEdns(IPEndPoint server)
    {
        lock (_gate)
            Get(server).NoEdns = true;
    }

    private Server Get(IPEndPoint server)
    {
        long now = _clockMs();
        if (!_servers.TryGetValue(server, out var info))
        {
            if (_servers.Count >= MaxServers)
            {
                foreach (var old in _servers.OrderBy(s => s.Value.UsedMs).Take(MaxServers / 10).Select(s => s.Key).ToList())
                    _servers.Remove(old);
            }
            _servers[server] = info = new Server();
        }
        info.UsedMs = now;
        return info;
    }

    /// <summary>Servers remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
                return _servers.Count;
        }
    }
}
