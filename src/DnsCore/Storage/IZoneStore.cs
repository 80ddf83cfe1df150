using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// What <c>minidns</c> does to zones, whoever owns the store: <see cref="ZoneStore"/> when the CLI opens
/// the file itself, the control channel's client when the running server owns it. Both refuse with the
/// same exceptions and messages, so a command prints the same either way.
/// </summary>
public interface IZoneStore : IDisposable
{
    IReadOnlyList<ZoneSummary> ListZones();

    /// <summary>Every record, or those of one zone (by its origin), or those of one name.</summary>
    IReadOnlyList<ZoneRecord> ListRecords(byte[]? zoneOrName);

    void AddZone(byte[] origin, IReadOnlyList<byte[]> nameServers, byte[] admin, uint ttl);

    /// <summary>Makes a secondary zone, copied from <paramref name="primary"/> ("address[:port]") by the running server, with TSIG key <paramref name="key"/>.</summary>
    void AddSecondaryZone(byte[] origin, string primary, byte[]? key);

    bool RemoveZone(byte[] origin);

    void ImportZones(IReadOnlyList<ZoneContent> zones, bool replace);

    /// <summary>Swaps a zone's content unless it is no longer the one read (serial and <see cref="ZoneDigest"/>); the serial stored.</summary>
    uint EditZone(ZoneContent content, uint baseSerial, string baseDigest);

    EditOutcome AddRecord(byte[] owner, ushort type, byte[] data, uint? ttl);

    int RemoveRecords(byte[] owner, ushort? type, byte[]? data);

    (uint Serial, string Policy) ReadSerial(byte[] origin);

    (uint Serial, string Policy) SetSerial(byte[] origin, string? policy, uint? set, bool bump);

    byte[] EditSoa(byte[] origin, SoaFields fields);

    /// <summary>Record edits in one transaction, all or none; what each changed.</summary>
    IReadOnlyList<int> Apply(IReadOnlyList<RecordEdit> edits);

    /// <summary>Stores a TSIG key, with <paramref name="secret"/> (another server's key) or a random one; the key, whose secret is shown this once.</summary>
    Tsig.TsigKey AddKey(byte[] name, string algorithm, byte[]? secret = null);

    /// <summary>The TSIG keys stored, by name and algorithm (never their secrets).</summary>
    IReadOnlyList<KeySummary> ListKeys();

    bool RemoveKey(byte[] name);
}
