using LiteDB;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// Edits of single zones and records, as the CLI makes them while the server runs. Each one is checked
/// before anything is written, and commits with the zone's SOA serial bump and the change counter bump in
/// one transaction.
/// </summary>
public sealed partial class ZoneStore
{
    /// <summary>TTL of a record added to a new RRset when none is given.</summary>
    public const uint DefaultTtl = 3600;

    // A query is read to the end inside the call: a cursor left open would outlive the store's gate.
    public IReadOnlyList<ZoneSummary> ListZones() => Guard(() => _zones.FindAll()
        .Select(z => new ZoneSummary(z["_id"].AsString, (uint)z["serial"].AsInt64, z["records"].AsInt32))
        .OrderBy(z => z.Origin, StringComparer.Ordinal)
        .ToList());

    /// <summary>The origin of the zone that holds <paramref name="name"/> (the longest match), or null.</summary>
    public byte[]? FindZone(ReadOnlySpan<byte> name)
    {
        var lower = DnsName.ToLowerCopy(name);
        byte[]? best = null;
        foreach (var zone in Guard(() => _zones.FindAll().Select(z => ParseName(z["_id"].AsString)).ToList()))
        {
            if (DnsName.IsSubdomainOf(lower, zone) && (best is null || zone.Length > best.Length))
                best = zone;
        }
        return best;
    }

    /// <summary>Creates a zone with its SOA (MNAME = the first name server) and NS records.</summary>
    public void AddZone(byte[] origin, IReadOnlyList<byte[]> nameServers, byte[] admin, uint ttl)
    {
        if (nameServers.Count == 0)
            throw new ZoneStoreException("a zone needs at least one name server (--ns)");
        origin = DnsName.ToLowerCopy(origin);
        var soa = new List<byte>();
        soa.AddRange(nameServers[0]);
        soa.AddRange(admin);
        foreach (uint value in (uint[])[SoaSerial.DateBased(Today), 7200, 3600, 1_209_600, 300])
            soa.AddRange([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
        var records = new List<ZoneRecord> { new(origin, RecordType.SOA, ttl, [.. soa]) };
        records.AddRange(nameServers.Distinct(NameComparer.Instance).Select(ns => new ZoneRecord(origin, RecordType.NS, ttl, ns)));
        if (FindZone(origin) is { } existing && existing.Length == origin.Length)
            throw new ZoneStoreException($"zone {NameText.Format(origin)} exists already");
        ImportZones([new ZoneContent(origin, records)], replace: false);
    }

    /// <summary>Removes a zone and all its records; false when there is no such zone.</summary>
    public bool RemoveZone(byte[] origin)
    {
        string key = NameText.Format(DnsName.ToLowerCopy(origin));
        return Write(() =>
        {
            if (!_zones.Delete(key))
                return false;
            _blocks.DeleteMany(Query.EQ("z", key));
            TouchZone(key);
            return true;
        });
    }

    /// <summary>
    /// Adds one record. A record that is there already changes nothing; a TTL given for an existing RRset
    /// applies to the whole set (RFC 2181 5.2). Refused: a name outside every zone, an SOA (zone add makes
    /// it), and anything that breaks <see cref="ZoneRules"/> such as a CNAME beside other data.
    /// </summary>
    public EditOutcome AddRecord(byte[] owner, ushort type, byte[] data, uint? ttl)
    {
        owner = DnsName.ToLowerCopy(owner);
        if (type == RecordType.SOA)
            throw new ZoneStoreException("the SOA record is made by 'zone add' and kept by MiniDns; it cannot be added");
        if (RecordType.IsQuestionOnly(type))
            throw new ZoneStoreException($"{RecordType.ToText(type)} cannot be stored in a zone");
        var origin = FindZone(owner) ?? throw NotInAnyZone(owner);
        string zone = NameText.Format(origin), name = NameText.Format(owner);
        bool written = Write(() =>
        {
            var existing = ReadName(zone, owner);
            var set = existing.Where(r => r.Type == type).ToList();
            uint setTtl = ttl ?? (set.Count > 0 ? set[0].Ttl : DefaultTtl);
            bool present = set.Any(r => r.Data.AsSpan().SequenceEqual(data));
            bool ttlChanges = set.Any(r => r.Ttl != setTtl);
            if (present && !ttlChanges)
                return false;

            var after = existing.Select(r => r.Type == type ? r with { Ttl = setTtl } : r).ToList();
            if (!present)
                after.Add(new ZoneRecord(owner, type, setTtl, data));
            var errors = ZoneRules.CheckOwner(origin, after);
            if (errors.Count > 0)
                throw new ZoneStoreException(errors[0]);
            WriteName(zone, owner, after);
            TouchName(zone, name);
            BumpSerial(zone, after.Count - existing.Count);
            return true;
        });
        return written ? EditOutcome.Written : EditOutcome.Unchanged;
    }

    /// <summary>
    /// Removes the records of a name, of one type, or one record; returns how many. Refused: removing the
    /// apex SOA or the last apex NS, which would leave a zone that cannot be served.
    /// </summary>
    public int RemoveRecords(byte[] owner, ushort? type, byte[]? data)
    {
        owner = DnsName.ToLowerCopy(owner);
        var origin = FindZone(owner) ?? throw NotInAnyZone(owner);
        string zone = NameText.Format(origin), name = NameText.Format(owner);
        int removed = 0;
        Write(() =>
        {
            var existing = ReadName(zone, owner);
            var doomed = existing.Where(r => (type is null || r.Type == type) && (data is null || r.Data.AsSpan().SequenceEqual(data))).ToList();
            if (doomed.Count == 0)
                return false;
            if (owner.Length == origin.Length)
            {
                if (doomed.Any(r => r.Type == RecordType.SOA))
                    throw new ZoneStoreException($"the SOA of {zone} cannot be removed (remove the zone instead)");
                int ns = existing.Count(r => r.Type == RecordType.NS);
                if (ns > 0 && doomed.Count(r => r.Type == RecordType.NS) == ns)
                    throw new ZoneStoreException($"the last NS records of {zone} cannot be removed: a zone needs a name server");
            }
            WriteName(zone, owner, existing.Except(doomed).ToList());
            removed = doomed.Count;
            TouchName(zone, name);
            BumpSerial(zone, -removed);
            return true;
        });
        return removed;
    }

    /// <summary>Every record, or those of one zone (by its origin), or those of one name.</summary>
    public IReadOnlyList<ZoneRecord> ListRecords(byte[]? zoneOrName) => Guard(() =>
    {
        IEnumerable<ZoneRecord> records;
        if (zoneOrName is null)
        {
            records = _blocks.FindAll().ToList().SelectMany(doc => NameBlock.Decode(doc["d"].AsBinary).Records);
        }
        else
        {
            var lower = DnsName.ToLowerCopy(zoneOrName);
            string key = NameText.Format(lower);
            records = _zones.FindById(key) is not null
                ? ZoneRecords(key)
                : FindZone(lower) is { } origin ? ReadName(NameText.Format(origin), lower) : [];
        }
        return (IReadOnlyList<ZoneRecord>)records
            .OrderBy(r => r.Type != RecordType.SOA)
            .ThenBy(r => r.OwnerText, StringComparer.Ordinal)
            .ThenBy(r => r.Type)
            .ThenBy(r => r.DataText, StringComparer.Ordinal)
            .ToList();
    });

    // Every edit moves the serial forward, so secondaries see the zone changed (RFC 1982, RFC 1996), and
    // keeps the zone's record count.
    private void BumpSerial(string zone, int recordDelta)
    {
        var origin = ParseName(zone);
        var apex = ReadName(zone, origin);
        var soa = apex.FirstOrDefault(r => r.Type == RecordType.SOA)
            ?? throw new ZoneStoreException($"zone {zone} has no SOA record in the store");
        uint serial = SoaSerial.Next(SoaSerial.Read(soa.Data), Today);
        WriteName(zone, origin, apex.Select(r => r.Type == RecordType.SOA ? r with { Data = SoaSerial.With(r.Data, serial) } : r).ToList());
        TouchName(zone, zone);
        var doc = _zones.FindById(zone);
        doc["serial"] = (long)serial;
        doc["records"] = doc["records"].AsInt32 + recordDelta;
        _zones.Update(doc);
    }

    private static ZoneStoreException NotInAnyZone(byte[] name) =>
        new($"{NameText.Format(name)} is not inside any zone in the store");
}
