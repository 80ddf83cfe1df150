using System.Text.Json.Serialization;
using MiniDns.Storage;
using MiniDns.Zones;

namespace MiniDns.Control;

/// <summary>
/// One command for the store's owner, sent by <c>minidns</c> over the control socket. Names and record
/// data travel in wire form (base64 in JSON), so nothing is parsed twice or differently on the two sides.
/// Which fields a command reads is said by <see cref="ControlCommand"/>.
/// </summary>
public sealed record ControlRequest
{
    public int Version { get; init; } = ControlProtocol.Version;
    public string Command { get; init; } = "";
    public byte[]? Name { get; init; }
    public ushort? Type { get; init; }
    public byte[]? Data { get; init; }
    public uint? Ttl { get; init; }
    public bool Replace { get; init; }
    public IReadOnlyList<byte[]>? NameServers { get; init; }
    public byte[]? Admin { get; init; }
    public IReadOnlyList<WireZone>? Zones { get; init; }
    public IReadOnlyList<WireEdit>? Edits { get; init; }
    public string? Policy { get; init; }
    public uint? Serial { get; init; }
    public string? Digest { get; init; }
    public bool Subtree { get; init; }
    public bool Bump { get; init; }
    public SoaFields? Soa { get; init; }
    public string? Algorithm { get; init; }
    public string? Primary { get; init; }
    public byte[]? Key { get; init; }

    /// <summary>key add: a secret given (a primary's key); null for a new random one.</summary>
    public byte[]? Secret { get; init; }
}

/// <summary>The owner's answer: a refusal (<see cref="Error"/> set, the same lines the CLI would print offline) or the result.</summary>
public sealed record ControlReply
{
    public int Version { get; init; } = ControlProtocol.Version;

    /// <summary>The server has no room for another control connection now: try again.</summary>
    public const string Busy = "busy";

    /// <summary>null on success; else "store" (a refusal), "data" (invalid zone data), "protocol" (a bad frame or request), <see cref="Busy"/>.</summary>
    public string? Error { get; init; }
    public IReadOnlyList<string>? Messages { get; init; }
    public bool Written { get; init; }
    public int Count { get; init; }
    public IReadOnlyList<ZoneSummary>? ZoneList { get; init; }
    public IReadOnlyList<WireRecord>? Records { get; init; }
    public IReadOnlyList<int>? Changes { get; init; }
    public uint? Serial { get; init; }
    public string? Policy { get; init; }
    public byte[]? Data { get; init; }
    public ServerStatus? Status { get; init; }
    public IReadOnlyList<string>? Lines { get; init; }
    public string? Rcode { get; init; }
    public IReadOnlyList<WireExchange>? Exchanges { get; init; }
    public IReadOnlyList<KeySummary>? Keys { get; init; }
}

/// <summary>One upstream query of <c>minidns trace</c>: the zone whose server was asked, the server, the time, what came back.</summary>
public sealed record WireExchange(string Zone, string Server, string Question, bool Tcp, double Milliseconds, string? Rcode, IReadOnlyList<string> Records, string? Failure);

/// <summary>A record as the control channel carries it, with the "file:line" it was read from, for the server's error messages.</summary>
public sealed record WireRecord(byte[] Owner, ushort Type, uint Ttl, byte[] Data, string? Source = null)
{
    public static WireRecord From(ZoneRecord r) => new(r.Owner, r.Type, r.Ttl, r.Data, r.Source);

    public ZoneRecord ToRecord() => new(Owner, Type, Ttl, Data) { Source = Source };
}

/// <summary>A record edit (<see cref="RecordEdit"/>) as the control channel carries it.</summary>
public sealed record WireEdit(RecordEditKind Kind, byte[] Owner, ushort? Type, IReadOnlyList<byte[]> Data, uint? Ttl, string? Source)
{
    public static WireEdit From(RecordEdit e) => new(e.Kind, e.Owner, e.Type, e.Data, e.Ttl, e.Source);

    public RecordEdit ToEdit() => new(Kind, Owner, Type, Data ?? [], Ttl, Source);
}

/// <summary>A whole zone for an import or an edit.</summary>
public sealed record WireZone(byte[] Origin, IReadOnlyList<WireRecord> Records)
{
    public static WireZone From(ZoneContent zone) => new(zone.Origin, zone.Records.Select(WireRecord.From).ToList());

    public ZoneContent ToContent() => new(Origin, Records.Select(r => r.ToRecord()).ToList());
}

/// <summary>What <c>minidns status</c> shows of the running server.</summary>
public sealed record ServerStatus(string Version, int ProcessId, DateTime StartedUtc, string Store, string Control,
    IReadOnlyList<string> Listeners, long SnapshotVersion, DateTime SnapshotUtc, IReadOnlyList<ZoneSummary> Zones,
    IReadOnlyDictionary<string, long> Counters);

/// <summary>The command names on the wire.</summary>
public static class ControlCommand
{
    public const string ZoneList = "zone list";                // -> ZoneList
    public const string ZoneAdd = "zone add";                  // Name, NameServers, Admin, Ttl
    public const string ZoneAddSecondary = "zone add secondary"; // Name, Primary, Key?
    public const string ZoneRemove = "zone remove";            // Name -> Written
    public const string ZoneImport = "zone import";            // Zones, Replace
    public const string ZoneEdit = "zone edit";                // Zones (one), Serial (the one edited) -> Serial
    public const string RecordAdd = "record add";              // Name, Type, Data, Ttl? -> Written
    public const string RecordRemove = "record remove";        // Name, Type?, Data? -> Count
    public const string RecordList = "record list";            // Name? -> Records
    public const string Apply = "apply";                       // Edits, in one transaction -> Changes
    public const string ZoneSerial = "zone serial";            // Name, Policy?, Serial?, Bump -> Serial, Policy
    public const string ZoneSoa = "zone soa";                  // Name, Soa -> Data
    public const string ZoneStatus = "zone status";            // Name -> Serial, Lines (NOTIFY and transfers)
    public const string Status = "status";                     // -> Status
    public const string CacheFlush = "cache flush";            // Name?, Subtree -> Count
    public const string CacheDump = "cache dump";              // Name?, Subtree -> Lines
    public const string Trace = "trace";                       // Name, Type -> Exchanges, Rcode, Lines (the answer)
    public const string KeyAdd = "key add";                    // Name, Algorithm -> Data (the secret, shown once)
    public const string KeyList = "key list";                  // -> Keys
    public const string KeyRemove = "key remove";              // Name -> Written
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlReply))]
public sealed partial class ControlJson : JsonSerializerContext;
