using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using MiniDns.Resolution;
using MiniDns.Transfer;
using MiniDns.Tsig;
using MiniDns.Wire;
using MiniDns.Zones;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// NOTIFY out (RFC 1996): once at start and after every change of a zone's serial, each of its secondaries
/// (<c>--notify</c>) is told, over UDP from a fresh port, and told again after 1, 2, 4 and 8 s until it
/// acknowledges; a newer change replaces a notify still waiting. At most 20 NOTIFYs leave a second (BIND's
/// notify-rate), so a store of thousands of zones does not flood its secondaries. With a key
/// (<c>--notify-key</c>, read from the store at each try, so a key removed stops them; adding it sends what it
/// held back), each NOTIFY is signed (RFC 8945) and only a reply signed back acknowledges it: one unsigned or
/// wrongly signed is discarded (RFC 8945 5.3.2) and the tries go on. With <c>--notify-ns</c>, each zone's own
/// name servers are told as well.
/// </summary>
public sealed class NotifyService(IReadOnlyList<(byte[]? Zone, IPEndPoint Server)> targets, IUpstream upstream, ILogger log,
    byte[]? keyName = null, Func<IReadOnlyList<TsigKey>>? keys = null, NotifyService.NameServers? nameServers = null) : IAsyncDisposable
{
    /// <summary>
    /// <c>--notify-ns</c>: each zone's NS addresses are told too (<see cref="NotifyNameServers"/>), on this port,
    /// but for the addresses <paramref name="IsOwn"/> says are ours.
    /// </summary>
    public sealed record NameServers(int Port, Func<IPAddress, bool> IsOwn);

    private const int Attempts = 5;
    private const int PerSecond = 20;
    private static readonly TimeSpan FirstWait = TimeSpan.FromSeconds(1);

    private sealed record Pending(uint Serial, CancellationTokenSource Cancel)
    {
        public Task Done { get; set; } = Task.CompletedTask;
    }

    /// <summary>The last NOTIFY of a zone to one secondary, for <c>minidns zone status</c>.</summary>
    public sealed record Status(IPEndPoint Server, uint Serial, DateTime SentUtc, bool Acknowledged, string? Problem);

    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(string Zone, IPEndPoint Server), Pending> _pending = new();
    // Per zone, per secondary; a secondary no longer told and a zone no longer served are dropped at the next
    // snapshot, so a primary that renames its name servers at each serial does not grow it.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<IPEndPoint, Status>> _status = new(StringComparer.Ordinal);
    // Published (the snapshot thread) and KeyAdded (a control request) start NOTIFYs one at a time.
    private readonly Lock _starting = new();
    private readonly Lock _rate = new();
    private double _tokens = PerSecond;
    private long _refilled = Stopwatch.GetTimestamp();
    private long _sent, _acknowledged, _failed;

    public long Sent => Interlocked.Read(ref _sent);
    public long Acknowledged => Interlocked.Read(ref _acknowledged);
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>What the zone's secondaries were last told and said.</summary>
    public IReadOnlyList<Status> StatusOf(ReadOnlySpan<byte> zone)
    {
        return _status.TryGetValue(NameText.Format(zone), out var told)
            ? [.. told.Values.OrderBy(s => s.Server.ToString(), StringComparer.Ordinal)]
            : [];
    }

    /// <summary>A new snapshot serves: every zone that is new or has another serial is notified.</summary>
    public void Published(ZoneSnapshot previous, ZoneSnapshot next)
    {
        lock (_starting)
        {
            if (_stop.IsCancellationRequested)
                return;
            foreach (string gone in _status.Keys.Where(name => !IsServed(next, name)))
                _status.TryRemove(gone, out _);
            foreach (var zone in next.Zones)
            {
                if (zone.Unavailable)
                    continue;
                if (previous.FindZone(zone.Origin) is { } old && old.Origin.AsSpan().SequenceEqual(zone.Origin) && old.Serial == zone.Serial)
                    continue;
                var servers = targets.Where(t => t.Zone is null || t.Zone.AsSpan().SequenceEqual(zone.Origin)).Select(t => t.Server);
                if (nameServers is not null)
                    servers = servers.Concat(NotifyNameServers.Of(next, zone, nameServers.Port, nameServers.IsOwn));
                var told = servers.ToHashSet();
                if (_status.TryGetValue(NameText.Format(zone.Origin), out var statuses))
                {
                    foreach (var server in statuses.Keys.Where(s => !told.Contains(s)))
                        statuses.TryRemove(server, out _);
                }
                foreach (var server in told)
                    Start(zone, server);
            }
        }
    }

    /// <summary>
    /// A key was added to the store: when it is <c>--notify-key</c>, every zone's secondaries are told now,
    /// as at start (the NOTIFYs held back for want of it would otherwise wait for each zone's next change).
    /// </summary>
    public void KeyAdded(ReadOnlySpan<byte> name, ZoneSnapshot current)
    {
        if (keyName is not null && name.SequenceEqual(keyName))
            Published(ZoneSnapshot.Empty, current);
    }

    private static bool IsServed(ZoneSnapshot snapshot, string zone) =>
        NameText.TryParse(zone, [], out var origin, out _) && snapshot.FindZone(origin) is { } found && found.Origin.AsSpan().SequenceEqual(origin);

    private void Start(Zone zone, IPEndPoint server)
    {
        var key = (NameText.Format(zone.Origin), server);
        var pending = new Pending(zone.Serial, CancellationTokenSource.CreateLinkedTokenSource(_stop.Token));
        // Under _starting, so the replace below does not race itself.
        if (_pending.TryGetValue(key, out var older))
        {
            try
            {
                older.Cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It ended meanwhile.
            }
        }
        _pending[key] = pending;
        pending.Done = Task.Run(() => NotifyAsync(zone, server, key, pending));
    }

    private async Task NotifyAsync(Zone zone, IPEndPoint server, (string Zone, IPEndPoint Server) target, Pending pending)
    {
        var cancel = pending.Cancel.Token;
        var wait = FirstWait;
        // The last reply discarded for its TSIG, said when no try is acknowledged.
        string? discarded = null;
        try
        {
            for (int attempt = 1; attempt <= Attempts; attempt++, wait *= 2)
            {
                await WaitTurnAsync(cancel);
                TsigKey? key = null;
                if (keyName is not null && (key = keys?.Invoke().FirstOrDefault(k => k.Name.AsSpan().SequenceEqual(keyName))) is null)
                {
                    Interlocked.Increment(ref _failed);
                    Record(target, new Status(server, pending.Serial, DateTime.UtcNow, false, $"not sent: there is no key {NameText.Format(keyName)} to sign it with (minidns key add sends it)"));
                    log.Warning("NOTIFY of {Zone} serial {Serial} to {Server} not sent: there is no key {Key}", target.Zone, pending.Serial, server.ToString(), NameText.Format(keyName));
                    return;
                }
                ushort id = UpstreamQuery.NewId();
                Interlocked.Increment(ref _sent);
                var tried = Stopwatch.StartNew();
                var notify = NotifyMessage.Build(id, zone, key, TsigMessage.Now(), out var mac);
                var reply = await upstream.ExchangeAsync(server, notify, tcp: false, wait, bytes =>
                {
                    if (NotifyMessage.Acknowledgement(bytes, id, zone.Origin, key, mac, TsigMessage.Now(), out string? problem) is not { } rcode)
                        return false;
                    if (problem is null)
                        return true;
                    discarded = $"answered {rcode}, {problem}";
                    Record(target, new Status(server, pending.Serial, DateTime.UtcNow, false, $"{discarded} (discarded; trying again)"));
                    return false;
                }, cancel);
                if (reply is null)
                {
                    // Unreachable ends a try at once (ICMP): the back-off still runs its course.
                    if (tried.Elapsed < wait)
                        await Task.Delay(wait - tried.Elapsed, cancel);
                    continue;
                }
                var answer = NotifyMessage.Acknowledgement(reply, id, zone.Origin, key, mac, TsigMessage.Now(), out _)!.Value;
                bool acknowledged = answer == ResponseCode.NoError;
                Interlocked.Increment(ref acknowledged ? ref _acknowledged : ref _failed);
                Record(target, new Status(server, pending.Serial, DateTime.UtcNow, acknowledged, acknowledged ? null : $"answered {answer}"));
                if (acknowledged)
                    log.Information("NOTIFY of {Zone} serial {Serial} to {Server} acknowledged", target.Zone, pending.Serial, server.ToString());
                else
                    log.Warning("NOTIFY of {Zone} serial {Serial} to {Server} answered {Rcode}", target.Zone, pending.Serial, server.ToString(), answer);
                return;
            }
            Interlocked.Increment(ref _failed);
            string failure = discarded is null ? $"no answer to {Attempts} tries" : $"{discarded} (discarded; no acknowledgement in {Attempts} tries)";
            Record(target, new Status(server, pending.Serial, DateTime.UtcNow, false, failure));
            log.Warning("NOTIFY of {Zone} serial {Serial} to {Server}: {Failure}", target.Zone, pending.Serial, server.ToString(), failure);
        }
        catch (OperationCanceledException)
        {
            // A newer serial replaced it, or the server is stopping.
        }
        finally
        {
            _pending.TryRemove(new KeyValuePair<(string, IPEndPoint), Pending>(target, pending));
            pending.Cancel.Dispose();
        }
    }

    private void Record((string Zone, IPEndPoint Server) target, Status status) =>
        _status.GetOrAdd(target.Zone, _ => new ConcurrentDictionary<IPEndPoint, Status>())[target.Server] = status;

    // At most 20 NOTIFYs a second over all zones and secondaries (a token bucket of 20). A token is taken only
    // when a NOTIFY goes: one replaced by a newer serial while it waited takes none (found by attack: booked
    // slots of replaced NOTIFYs pushed the live ones back by seconds during a stream of edits).
    private async Task WaitTurnAsync(CancellationToken cancel)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_rate)
            {
                long now = Stopwatch.GetTimestamp();
                _tokens = Math.Min(PerSecond, _tokens + (now - _refilled) * (double)PerSecond / Stopwatch.Frequency);
                _refilled = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return;
                }
                wait = TimeSpan.FromSeconds((1 - _tokens) / PerSecond);
            }
            await Task.Delay(wait, cancel);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_pending.Values.Select(p => p.Done));
        _stop.Dispose();
    }
}
