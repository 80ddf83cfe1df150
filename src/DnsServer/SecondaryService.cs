using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MiniDns.Resolution;
using MiniDns.Storage;
using MiniDns.Transfer;
using MiniDns.Tsig;
using MiniDns.Wire;
using MiniDns.Zones;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// Keeps the store's secondary zones copied from their primaries (RFC 1034 4.3.5, RFC 1995, RFC 5936): each
/// zone asks its primary over TCP, IXFR with the SOA it holds (AXFR before it holds any, or when the primary
/// answers IXFR with NOTIMP or FORMERR, or sends differences that do not fit what we hold), at start, every
/// SOA refresh interval, every retry interval after a failure, and at once when the primary sends NOTIFY
/// (RFC 1996). A zone whose primary has not answered for the SOA's expire time is SERVFAIL until it does.
/// What a transfer brings is checked by <see cref="TransferReader"/> and then as an import is, and lands in
/// the store in one transaction; the snapshot, NOTIFY to our own secondaries and the IXFR journal follow as
/// for any edit.
/// </summary>
public sealed class SecondaryService : IAsyncDisposable
{
    // SOA timers are taken within these bounds (Knot's defaults): a zone cannot make us ask every millisecond
    // or never again.
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(2), MaxInterval = TimeSpan.FromDays(1);
    private static readonly TimeSpan MinExpire = TimeSpan.FromSeconds(6), MaxExpire = TimeSpan.FromDays(100);
    private static readonly TimeSpan NotLoadedRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5), IdleTimeout = TimeSpan.FromSeconds(10), TransferTimeout = TimeSpan.FromMinutes(10);

    // A transfer holds one of the slots (TransfersAtOnce) while it runs, so one that trickles must not keep it:
    // past the first RateGrace it must have averaged MinRate (found by attack: two primaries sending a record
    // every 25 s held both slots for 10 minutes at a time, and no other zone was copied). 64 KiB/s is a
    // 512 kbit/s link, over which some 37 MB fit in the 10 minutes.
    private const int MinRate = 64 * 1024;
    private static readonly TimeSpan RateGrace = TimeSpan.FromSeconds(15);

    // How often a zone waiting for a transfer slot looks at its expire time.
    private static readonly TimeSpan SlotWait = TimeSpan.FromSeconds(1);

    private sealed class Copy(SecondaryZone zone, IPEndPoint primary)
    {
        public SecondaryZone Zone { get; } = zone;
        public IPEndPoint Primary { get; } = primary;
        public CancellationTokenSource Cancel { get; } = new();
        public SemaphoreSlim Wake { get; } = new(0, 1);
        public Task Running { get; set; } = Task.CompletedTask;
        public volatile string? Problem;
        // What the copy is doing now, for zone status: null when it waits for its next check.
        public volatile string? Doing;
        public DateTime? LastCheckUtc, NextCheckUtc;
    }

    private readonly ZoneStore _store;
    private readonly SnapshotPublisher _snapshots;
    private readonly FaultLog _faults;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, Copy> _copies = new(StringComparer.Ordinal);
    private readonly Lock _syncing = new();
    private readonly CancellationTokenSource _stop = new();
    private long _transfers, _failures, _notifies;
    private readonly long _maxTransferSize;

    // Transfers in at once, each within --max-transfer-size until it is stored: what all of them hold is bounded
    // however many zones we copy (a store of a thousand secondary zones all checking at start, or a hostile
    // primary of several).
    private const int TransfersAtOnce = 2;
    private readonly OutgoingSource? _source;
    private readonly SemaphoreSlim _transferring = new(TransfersAtOnce, TransfersAtOnce);

    public SecondaryService(ZoneStore store, SnapshotPublisher snapshots, FaultLog faults, ILogger log, long maxTransferSize = TransferReader.DefaultMaxSize,
        OutgoingSource? source = null)
    {
        (_store, _snapshots, _faults, _log, _maxTransferSize, _source) = (store, snapshots, faults, log, maxTransferSize, source);
        // A zone added or removed (by minidns, through the control socket) shows in the next snapshot.
        snapshots.Published += (_, _) => Task.Run(Sync);
    }

    public long TransfersIn => Interlocked.Read(ref _transfers);
    public long Failures => Interlocked.Read(ref _failures);
    public long NotifiesIn => Interlocked.Read(ref _notifies);

    /// <summary>Starts copying every secondary zone of the store, and those added later.</summary>
    public void Start() => Sync();

    private void Sync()
    {
        lock (_syncing)
        {
            if (_stop.IsCancellationRequested)
                return;
            var zones = _store.ListSecondaries().ToDictionary(z => NameText.Format(z.Origin), StringComparer.Ordinal);
            foreach (var (name, copy) in _copies)
            {
                if (!zones.TryGetValue(name, out var zone) || zone.Primary != copy.Zone.Primary || !SameKey(zone.Key, copy.Zone.Key))
                {
                    copy.Cancel.Cancel();
                    _copies.TryRemove(name, out _);
                }
            }
            foreach (var (name, zone) in zones)
            {
                if (_copies.ContainsKey(name))
                    continue;
                if (!ServerAddress.TryParse(zone.Primary, out var primary))
                {
                    _log.Error("Secondary zone {Zone}: the store gives its primary as '{Primary}', which is not an address", name, zone.Primary);
                    continue;
                }
                var copy = new Copy(zone, primary);
                _copies[name] = copy;
                copy.Running = Task.Run(() => RunAsync(copy));
            }
        }
    }

    private static bool SameKey(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private async Task RunAsync(Copy copy)
    {
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(copy.Cancel.Token, _stop.Token).Token;
        string name = NameText.Format(copy.Zone.Origin);
        while (!cancel.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                bool answered = await RefreshAsync(copy, name, cancel);
                var (refresh, retry, expire) = Timers(_store.ReadSecondarySoa(copy.Zone.Origin));
                wait = answered ? refresh : retry;
                if (!answered && expire is { } after)
                    ExpireIfDue(copy, name, after);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return;
            }
            catch (ZoneStoreException)
            {
                // The zone was removed meanwhile: the next snapshot's Sync stops this copy.
                wait = NotLoadedRetry;
            }
            catch (Exception e)
            {
                // A bug: counted and logged with its stack, and the zone is tried again later.
                _faults.Failed($"Refresh of secondary zone {name}", e);
                wait = NotLoadedRetry;
            }
            copy.LastCheckUtc = DateTime.UtcNow;
            copy.NextCheckUtc = DateTime.UtcNow + wait;
            try
            {
                await copy.Wake.WaitAsync(wait, cancel);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // The zone's refresh, retry and expire times from the SOA we hold, within bounds; before the first
    // transfer, a short retry and no expiry.
    private static (TimeSpan Refresh, TimeSpan Retry, TimeSpan? Expire) Timers(ZoneRecord? held)
    {
        if (held is not { Data: var soa })
            return (NotLoadedRetry, NotLoadedRetry, null);
        TimeSpan Read(int fromEnd, TimeSpan min, TimeSpan max) =>
            TimeSpan.FromSeconds(Math.Clamp(BinaryPrimitives.ReadUInt32BigEndian(soa[^fromEnd..]), min.TotalSeconds, max.TotalSeconds));
        return (Read(16, MinInterval, MaxInterval), Read(12, MinInterval, MaxInterval), Read(8, MinExpire, MaxExpire));
    }

    // When the zone expires if its primary stays silent; never for a zone not loaded or expired already.
    private DateTimeOffset ExpiresAt(Copy copy)
    {
        var zone = _store.ListSecondaries().FirstOrDefault(z => z.Origin.AsSpan().SequenceEqual(copy.Zone.Origin));
        return zone is { Loaded: true, Expired: false } && Timers(_store.ReadSecondarySoa(copy.Zone.Origin)).Expire is { } expire
            ? DateTimeOffset.FromUnixTimeSeconds(zone.RefreshedUnix) + expire
            : DateTimeOffset.MaxValue;
    }

    private void ExpireIfDue(Copy copy, string name, TimeSpan expire)
    {
        var zone = _store.ListSecondaries().FirstOrDefault(z => z.Origin.AsSpan().SequenceEqual(copy.Zone.Origin));
        if (zone is not { Loaded: true, Expired: false })
            return;
        if (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - zone.RefreshedUnix < expire.TotalSeconds)
            return;
        _store.MarkExpired(copy.Zone.Origin);
        _snapshots.Changed();
        _log.Warning("Secondary zone {Zone} expired: {Primary} has not answered for {Expire} s (the SOA's expire); it answers SERVFAIL until it does",
            name, copy.Zone.Primary, (int)expire.TotalSeconds);
    }

    // One check of the primary: IXFR from what we hold (or AXFR), stored when it brings a change. True when
    // the primary answered with something we could take.
    private async Task<bool> RefreshAsync(Copy copy, string name, CancellationToken cancel)
    {
        var key = copy.Zone.Key is { } keyName ? _store.ReadKeys().FirstOrDefault(k => k.Name.AsSpan().SequenceEqual(keyName)) : null;
        if (copy.Zone.Key is not null && key is null)
        {
            Fail(copy, name, $"its key {NameText.Format(copy.Zone.Key)} is not in the store");
            return false;
        }
        // While other zones' transfers hold the slots, this zone still expires on time (found by attack: it
        // served on past its expire time, waiting).
        copy.Doing = $"waiting for a transfer slot (at most {TransfersAtOnce} transfers in at once) since {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}";
        try
        {
            // When the zone would expire, read once: a thousand zones waiting at start must not each read the store every second.
            DateTimeOffset? expires = null;
            while (!await _transferring.WaitAsync(SlotWait, cancel))
            {
                expires ??= ExpiresAt(copy);
                if (DateTimeOffset.UtcNow >= expires && Timers(_store.ReadSecondarySoa(copy.Zone.Origin)).Expire is { } expire)
                {
                    ExpireIfDue(copy, name, expire);
                    expires = DateTimeOffset.MaxValue;
                }
            }
            copy.Doing = $"transferring since {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}";
            try
            {
                return await TransferInAsync(copy, name, key, cancel);
            }
            finally
            {
                _transferring.Release();
            }
        }
        finally
        {
            copy.Doing = null;
        }
    }

    private async Task<bool> TransferInAsync(Copy copy, string name, TsigKey? key, CancellationToken cancel)
    {
        // From the store, not the snapshot, which may not show the last transfer yet.
        var heldSoa = _store.ReadSecondarySoa(copy.Zone.Origin);
        uint? held = heldSoa is null ? null : SoaSerial.Read(heldSoa.Data);
        try
        {
            ushort type = heldSoa is null ? RecordType.AXFR : RecordType.IXFR;
            TransferReader reader;
            try
            {
                reader = await TransferAsync(copy, type, heldSoa, key, cancel);
            }
            catch (TransferRefusedException e) when (type == RecordType.IXFR && e.Rcode is ResponseCode.NotImp or ResponseCode.FormErr)
            {
                _log.Information("Zone {Zone}: {Primary} answered IXFR with {Rcode}; asking AXFR", name, copy.Zone.Primary, e.Rcode);
                reader = await TransferAsync(copy, type = RecordType.AXFR, heldSoa, key, cancel);
            }
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (KeepsOurs(reader))
                return true;
            // A primary current with us, or behind us (its serial not after ours, RFC 1982): ours is kept.
            bool KeepsOurs(TransferReader answer)
            {
                if (answer.Kind != TransferKind.UpToDate && (held is not { } ours || SoaSerial.IsAfter(answer.Serial, ours)))
                    return false;
                if (held is not null && answer.Serial != held)
                    _log.Warning("Zone {Zone}: {Primary} has serial {Serial}, which is not after ours ({Ours}); ours is kept", name, copy.Zone.Primary, answer.Serial, held);
                if (_store.MarkRefreshed(copy.Zone.Origin, DateTimeOffset.UtcNow.ToUnixTimeSeconds()))
                    _snapshots.Changed();
                copy.Problem = null;
                return true;
            }
            string Line(string kind, long records) => $"last transfer in: {RecordType.ToText(type)} ({kind}) of serial {reader.Serial} from {copy.Zone.Primary}"
                + $"{(key is null ? "" : ", key " + NameText.Format(key.Name))}, {records} records in {reader.Messages} messages, at {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}";
            if (reader.Kind == TransferKind.Incremental)
            {
                try
                {
                    _store.StoreIncrementalTransfer(copy.Zone.Origin, reader.Steps, Line($"incremental from {held}", reader.Steps.Sum(s => s.Removed.Count + s.Added.Count)), now);
                }
                catch (Exception e) when (e is ZoneStoreException or ZoneDataException)
                {
                    _log.Warning("Zone {Zone}: the differences from {Primary} do not fit what we hold ({Error}); asking AXFR", name, copy.Zone.Primary, FirstLine(e));
                    reader = await TransferAsync(copy, type = RecordType.AXFR, heldSoa, key, cancel);
                    // The whole zone is held to the same rule (found by attack: a serial behind ours was stored).
                    if (KeepsOurs(reader))
                        return true;
                    _store.StoreWholeTransfer(copy.Zone.Origin, reader.Records, Line("whole zone", reader.Records.Count), now);
                }
            }
            else
                _store.StoreWholeTransfer(copy.Zone.Origin, reader.Records, Line("whole zone", reader.Records.Count), now);
            _snapshots.Changed();
            Interlocked.Increment(ref _transfers);
            copy.Problem = null;
            _log.Information("Zone {Zone}: {Type} of serial {Serial} from {Primary} ({Kind}), {Messages} messages, {Bytes} bytes",
                name, RecordType.ToText(type), reader.Serial, copy.Zone.Primary, reader.Kind, reader.Messages, reader.Bytes);
            return true;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            Fail(copy, name, "the primary did not answer in time");
        }
        catch (Exception e) when (e is SocketException or IOException or TransferRefusedException or ZoneStoreException or ZoneDataException)
        {
            Fail(copy, name, FirstLine(e));
        }
        return false;
    }

    private static string FirstLine(Exception e) => e is ZoneDataException data ? string.Join("; ", data.Errors.Take(3)) : e.Message;

    private void Fail(Copy copy, string name, string problem)
    {
        Interlocked.Increment(ref _failures);
        copy.Problem = problem;
        _log.Warning("Refresh of zone {Zone} from {Primary} failed: {Problem}", name, copy.Zone.Primary, problem);
    }

    // One transfer over one TCP connection, read to its closing SOA.
    private async Task<TransferReader> TransferAsync(Copy copy, ushort type, ZoneRecord? heldSoa, TsigKey? key, CancellationToken cancel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(TransferTimeout);
        using var socket = new Socket(copy.Primary.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _source?.Bind(socket, copy.Primary.Address);
        using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token))
        {
            connecting.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(copy.Primary, connecting.Token);
        }
        ushort id = UpstreamQuery.NewId();
        var request = TransferQuery.Build(id, copy.Zone.Origin, type, heldSoa, key, TsigMessage.Now(), out var mac);
        var framed = new byte[2 + request.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)request.Length);
        request.CopyTo(framed, 2);
        await socket.SendAsync(framed, SocketFlags.None, deadline.Token);
        var reader = new TransferReader(copy.Zone.Origin, id, type, type == RecordType.IXFR ? SoaSerial.Read(heldSoa!.Data) : null, key, mac, maxSize: _maxTransferSize);
        var buffer = new byte[2 + TransferWriter.MaxMessage];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!reader.Done)
        {
            if (clock.Elapsed > RateGrace && reader.Bytes < MinRate * clock.Elapsed.TotalSeconds)
                throw new TransferRefusedException($"the primary sent {reader.Bytes} bytes in {clock.Elapsed.TotalSeconds:0} s, less than {MinRate / 1024} KiB/s: too slow to keep a transfer slot");
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            idle.CancelAfter(IdleTimeout);
            await ReadExactlyAsync(socket, buffer.AsMemory(0, 2), reader, idle.Token);
            int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
            if (length < HeaderFlags.HeaderLength)
                throw new TransferRefusedException($"message {reader.Messages + 1} is {length} bytes long, shorter than a header");
            await ReadExactlyAsync(socket, buffer.AsMemory(2, length), reader, idle.Token);
            reader.Read(buffer.AsSpan(2, length));
        }
        return reader;
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> into, TransferReader reader, CancellationToken cancel)
    {
        while (into.Length > 0)
        {
            int read = await socket.ReceiveAsync(into, SocketFlags.None, cancel);
            if (read == 0)
                throw new TransferRefusedException($"the primary closed the connection after {reader.Messages} messages, before the closing SOA");
            into = into[read..];
        }
    }

    /// <summary>
    /// Answers a NOTIFY (RFC 1996 3.7, 4.7): from the zone's primary (any port), signed with its key when it
    /// has one, it gets NOERROR and the zone is checked at once; from anyone else REFUSED, for a zone we do
    /// not copy NOTAUTH, and a message that is no NOTIFY for an SOA FORMERR. Returns the reply's length.
    /// </summary>
    public int AnswerNotify(ReadOnlySpan<byte> request, Span<byte> response, ReadOnlySpan<byte> clientAddress)
    {
        if (NotifyMessage.ReadRequest(request, out int questionEnd) is not { } zone)
            return ResponseWriter.WriteHeaderOnly(request, ResponseCode.FormErr, response);
        bool signed = TsigMessage.TryFind(request, out var tsig, out bool malformed);
        if (malformed)
            return ResponseWriter.WriteHeaderOnly(request, ResponseCode.FormErr, response);
        string name = NameText.Format(zone);
        if (!_copies.TryGetValue(name, out var copy))
            return NotifyMessage.WriteReply(request, questionEnd, ResponseCode.NotAuth, response);
        var from = clientAddress.Length is 4 or 16 ? new IPAddress(clientAddress) : IPAddress.None;
        if (!Normal(from).Equals(Normal(copy.Primary.Address)))
        {
            _log.Debug("NOTIFY of {Zone} from {Client} refused: not its primary {Primary}", name, from.ToString(), copy.Zone.Primary);
            return NotifyMessage.WriteReply(request, questionEnd, ResponseCode.Refused, response);
        }
        TsigSigner? signer = null;
        if (copy.Zone.Key is { } keyName)
        {
            if (!signed)
            {
                _log.Debug("NOTIFY of {Zone} from {Client} refused: not signed with key {Key}", name, from.ToString(), NameText.Format(keyName));
                return NotifyMessage.WriteReply(request, questionEnd, ResponseCode.Refused, response);
            }
            var keys = _store.ReadKeys().Where(k => k.Name.AsSpan().SequenceEqual(keyName)).ToList();
            var error = TsigMessage.VerifyRequest(request, tsig, keys, TsigMessage.Now(), out var key);
            if (error != TsigError.NoError)
            {
                _log.Information("NOTIFY of {Zone} from {Client} refused: {Error}", name, from.ToString(), error);
                int written = NotifyMessage.WriteReply(request, questionEnd, ResponseCode.NotAuth, response);
                return TsigMessage.AppendUnsigned(response, written, tsig, error, TsigMessage.Now());
            }
            signer = new TsigSigner(key!, tsig.Mac);
        }
        Interlocked.Increment(ref _notifies);
        _log.Information("NOTIFY of {Zone} from {Client}: checking it now", name, from.ToString());
        if (copy.Wake.CurrentCount == 0)
        {
            try
            {
                copy.Wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken already by another NOTIFY.
            }
        }
        int length = NotifyMessage.WriteReply(request, questionEnd, ResponseCode.NoError, response);
        return signer?.Sign(response, length) ?? length;
    }

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The zone's copying, as lines for <c>minidns zone status</c>; empty when it is not a secondary zone.</summary>
    public IReadOnlyList<string> StatusOf(ReadOnlySpan<byte> origin)
    {
        var lowered = origin.ToArray();
        var zone = _store.ListSecondaries().FirstOrDefault(z => z.Origin.AsSpan().SequenceEqual(lowered));
        if (zone is null)
            return [];
        _copies.TryGetValue(NameText.Format(lowered), out var copy);
        var lines = new List<string>
        {
            $"secondary of {zone.Primary}{(zone.Key is null ? "" : ", key " + NameText.Format(zone.Key))}: "
                + (!zone.Loaded ? "not transferred yet (SERVFAIL)" : zone.Expired ? "expired (SERVFAIL)" : "serving"),
        };
        if (zone.RefreshedUnix > 0)
            lines.Add($"primary last answered at {DateTimeOffset.FromUnixTimeSeconds(zone.RefreshedUnix):yyyy-MM-ddTHH:mm:ssZ}");
        if (copy?.Doing is { } doing)
            lines.Add(doing);
        else if (copy?.NextCheckUtc is { } next)
            lines.Add($"next check at {next:yyyy-MM-ddTHH:mm:ssZ}");
        if (copy?.Problem is { } problem)
            lines.Add($"last check failed: {problem}");
        if (zone.LastTransfer is { } last)
            lines.Add(last);
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_syncing)
            _stop.Cancel();
        await Task.WhenAll(_copies.Values.Select(c => c.Running));
        foreach (var copy in _copies.Values)
            copy.Cancel.Dispose();
        _stop.Dispose();
        _transferring.Dispose();
    }
}
