using System.Net;
using MiniDns.Control;
using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Server;

/// <summary>
/// Carries out control requests on the store the server owns, the way the CLI would on its own, and
/// answers an edit only once the snapshot that holds it serves queries: when <c>minidns record add</c>
/// exits, the server answers the new record.
/// </summary>
public sealed class ControlService(ZoneStore store, SnapshotPublisher snapshots, ServerCounters counters, Func<ServerStatusInfo> status,
    RecursionService? recursion, ZoneTransferService? transfers = null, Func<NotifyService?>? notify = null, SecondaryService? secondaries = null)
{
    public async Task<ControlReply> ExecuteAsync(ControlRequest request, CancellationToken cancel)
    {
        try
        {
            if (request.Command == ControlCommand.Trace)
            {
                ControlRequestCheck.WireForm(request);
                return await TraceAsync(Required(request.Name, "name"), Required(request.Type, "type"), cancel);
            }
            var reply = Execute(request);
            if (!reply.Written)
                return reply;
            try
            {
                await PublishAsync(cancel);
            }
            catch (OperationCanceledException)
            {
                // Committed, but the server is stopping: the client still hears that it was stored.
                return reply with { Messages = ["the edit is stored; the server is stopping and serves it from its next start"] };
            }
            return reply;
        }
        catch (ZoneStoreException e)
        {
            return new ControlReply { Error = e is ZoneChangedException ? "changed" : "store", Messages = [e.Message] };
        }
        catch (ZoneDataException e)
        {
            return new ControlReply { Error = "data", Messages = e.Errors };
        }
    }

    private ControlReply Execute(ControlRequest r)
    {
        ControlRequestCheck.WireForm(r);
        switch (r.Command)
        {
            case ControlCommand.ZoneList:
                return new ControlReply { ZoneList = store.ListZones() };
            case ControlCommand.ZoneAdd:
                store.AddZone(Required(r.Name, "name"), Required(r.NameServers, "nameServers"), Required(r.Admin, "admin"), Required(r.Ttl, "ttl"));
                return new ControlReply { Written = true };
            case ControlCommand.ZoneAddSecondary:
                store.AddSecondaryZone(Required(r.Name, "name"), Required(r.Primary, "primary"), r.Key);
                return new ControlReply { Written = true };
            case ControlCommand.ZoneRemove:
                return new ControlReply { Written = store.RemoveZone(Required(r.Name, "name")) };
            case ControlCommand.ZoneImport:
                store.ImportZones(Required(r.Zones, "zones").Select(z => z.ToContent()).ToList(), r.Replace);
                return new ControlReply { Written = true };
            case ControlCommand.ZoneEdit:
                var edited = Required(r.Zones, "zones") is [var zone] ? zone : throw new ControlProtocolException("'zones' must hold one zone");
                return new ControlReply { Serial = store.EditZone(edited.ToContent(), Required(r.Serial, "serial"), Required(r.Digest, "digest")), Written = true };
            case ControlCommand.RecordAdd:
                return new ControlReply { Written = store.AddRecord(Required(r.Name, "name"), Required(r.Type, "type"), Required(r.Data, "data"), r.Ttl) == EditOutcome.Written };
            case ControlCommand.RecordRemove:
                int removed = store.RemoveRecords(Required(r.Name, "name"), r.Type, r.Data);
                return new ControlReply { Count = removed, Written = removed > 0 };
            case ControlCommand.Apply:
                var changes = store.Apply(Required(r.Edits, "edits").Select(e => e.ToEdit()).ToList());
                return new ControlReply { Changes = changes, Written = changes.Any(c => c > 0) };
            case ControlCommand.RecordList:
                return new ControlReply { Records = store.ListRecords(r.Name).Select(WireRecord.From).ToList() };
            case ControlCommand.ZoneSerial:
                var name = Required(r.Name, "name");
                var before = store.ReadSerial(name);
                var (serial, policy) = r.Policy is null && r.Serial is null && !r.Bump ? before : store.SetSerial(name, r.Policy, r.Serial, r.Bump);
                return new ControlReply { Serial = serial, Policy = policy, Written = (serial, policy) != before };
            case ControlCommand.ZoneSoa:
                return new ControlReply { Data = store.EditSoa(Required(r.Name, "name"), Required(r.Soa, "soa")), Written = true };
            case ControlCommand.ZoneStatus:
                return ZoneStatus(Required(r.Name, "name"));
            case ControlCommand.Status:
                return new ControlReply { Status = Status() };
            case ControlCommand.KeyAdd:
                var key = store.AddKey(Required(r.Name, "name"), Required(r.Algorithm, "algorithm"), r.Secret);
                notify?.Invoke()?.KeyAdded(key.Name, snapshots.Current);
                return new ControlReply { Data = key.Secret };
            case ControlCommand.KeyList:
                return new ControlReply { Keys = store.ListKeys() };
            case ControlCommand.KeyRemove:
                return new ControlReply { Count = store.RemoveKey(Required(r.Name, "name")) ? 1 : 0 };
            case ControlCommand.CacheFlush:
                return new ControlReply { Count = Cache().Flush(r.Name ?? default, r.Subtree) };
            case ControlCommand.CacheDump:
                return new ControlReply { Lines = Cache().Dump(r.Name ?? default, r.Subtree) };
            default:
                throw new ControlProtocolException($"unknown command '{r.Command}'");
        }
    }

    // The zone's serial, what its secondaries were last told and said, and its last transfer out (since the start).
    private ControlReply ZoneStatus(byte[] name)
    {
        var (serial, _) = store.ReadSerial(name);
        var origin = DnsName.ToLowerCopy(name);
        var lines = new List<string>(secondaries?.StatusOf(origin) ?? []);
        var told = notify?.Invoke()?.StatusOf(origin) ?? [];
        foreach (var secondary in told)
            lines.Add($"notified {secondary.Server} of serial {secondary.Serial} at {secondary.SentUtc:yyyy-MM-ddTHH:mm:ssZ}: "
                + (secondary.Acknowledged ? "acknowledged" : secondary.Problem));
        if (told.Count == 0)
            lines.Add(notify?.Invoke() is null ? "no secondaries to notify (--notify)" : "no NOTIFY sent yet");
        lines.Add(transfers is null ? "transfers out are off (--allow-transfer)" : transfers.LastTransferOf(origin) ?? "no transfer out since the start");
        return new ControlReply { Serial = serial, Lines = lines };
    }

    private MiniDns.Resolution.ResolverCache Cache() =>
        recursion?.Resolver.Cache ?? throw new ZoneStoreException("the server does not recurse (--recursion-allow none), so it has no cache");

    // The resolution path from the root (or the forwarders), with a resolver that has learned nothing yet.
    private async Task<ControlReply> TraceAsync(byte[] name, ushort type, CancellationToken cancel)
    {
        var resolver = recursion?.Resolver.Fresh() ?? throw new ZoneStoreException("the server does not recurse (--recursion-allow none): there is nothing to trace");
        var exchanges = new List<WireExchange>();
        var answer = await resolver.ResolveAsync(name, type, cancel, exchange =>
        {
            lock (exchanges)
                exchanges.Add(new WireExchange(NameText.Format(exchange.Zone), exchange.Server.ToString(),
                    $"{NameText.Format(exchange.Name)} {RecordType.ToText(exchange.Type)}", exchange.Tcp, exchange.Elapsed.TotalMilliseconds,
                    exchange.Reply?.Rcode.ToString().ToUpperInvariant(),
                    exchange.Reply is { } reply ? [.. reply.Answer.Concat(reply.Authority).Concat(reply.Additional).Where(r => r.Type != RecordType.OPT).Select(r => r.ToString())] : [],
                    exchange.Failure));
        });
        var lines = answer.Answer.SelectMany(set => set.Records.ToArrays().Select(d => $"{NameText.Format(set.Owner.Span)} {set.Ttl} IN {RecordType.ToText(set.Type)} {RdataText.Format(set.Type, d)}"))
            .Concat(answer.Soa is { } soa ? [$"{NameText.Format(soa.Owner.Span)} {soa.Ttl} IN SOA {RdataText.Format(RecordType.SOA, soa.First.Span)}"] : [])
            .Concat(answer.Error is { } error ? [$"; {error}"] : [])
            .ToList();
        return new ControlReply { Exchanges = exchanges, Rcode = answer.Rcode.ToString().ToUpperInvariant(), Lines = lines };
    }

    // A field the command needs and the request lacks is a client bug, told as a protocol error.
    private static T Required<T>(T? value, string field) where T : class =>
        value ?? throw new ControlProtocolException($"the request lacks '{field}'");

    private static T Required<T>(T? value, string field) where T : struct =>
        value ?? throw new ControlProtocolException($"the request lacks '{field}'");

    private async Task PublishAsync(CancellationToken cancel)
    {
        long version = store.ReadChangeCounter();
        snapshots.Changed();
        if (!await snapshots.WaitForVersionAsync(version, cancel))
            throw new ZoneStoreException($"the edit is stored, but the server could not load version {version} and still serves version {snapshots.Current.Version}: see its log");
    }

    private ServerStatus Status()
    {
        var info = status();
        var snapshot = snapshots.Current;
        return new ServerStatus(info.Version, Environment.ProcessId, info.StartedUtc, store.Path, info.Control,
            info.Listeners.Select(l => l.ToString()).ToList(), snapshot.Version, snapshots.PublishedUtc,
            snapshot.Zones.Select(z => new ZoneSummary(Wire.NameText.Format(z.Origin), z.Serial, z.RecordCount))
                .OrderBy(z => z.Origin, StringComparer.Ordinal).ToList(),
            counters.ToDictionary());
    }
}

/// <summary>What the host knows of itself for <c>minidns status</c>.</summary>
public sealed record ServerStatusInfo(string Version, DateTime StartedUtc, string Control, IReadOnlyList<IPEndPoint> Listeners);
