using LiteDB;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// Edits of zones and records. Each is checked before anything is written, and commits with the zone's SOA
/// serial bump and the change counter bump in one transaction; a batch of record edits is one transaction.
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
    public EditOutcome AddRecord(byte[] owner, ushort type, byte[] data, uint? ttl) =>
        Apply([RecordEdit.Add(owner, type, data, ttl)])[0] > 0 ? EditOutcome.Written : EditOutcome.Unchanged;

    /// <summary>
    /// Removes the records of a name, of one type, or one record; returns how many. Refused: removing the
    /// apex SOA or the last apex NS, which would leave a zone that cannot be served.
    /// </summary>
    public int RemoveRecords(byte[] owner, ushort? type, byte[]? data) =>
        Apply([RecordEdit.Remove(owner, type, data)])[0];

    /// <summary>
    /// Applies edits in one transaction, all or none, with one serial bump per zone they change; returns
    /// what each changed (records added or removed; for a set, 1 when it changed). A refusal names the
    /// edit's source ("file:line") when it has one, and nothing is written.
    /// </summary>
    public IReadOnlyList<int> Apply(IReadOnlyList<RecordEdit> edits)
    {
        var changed = new int[edits.Count];
        Write(() =>
        {
            var deltas = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < edits.Count; i++)
            {
                try
                {
                    changed[i] = ApplyOne(edits[i], deltas);
                }
                catch (ZoneStoreException e) when (edits[i].Source is { } source)
                {
                    throw new ZoneStoreException($"{source}: {e.Message}", e);
                }
            }
            foreach (var (zone, delta) in deltas)
                BumpSerial(zone, delta);
            return deltas.Count > 0;
        });
        return changed;
    }

    // One edit inside the transaction: writes the name's new records and notes the zone's record delta.
    private int ApplyOne(RecordEdit edit, Dictionary<string, int> deltas)
    {
        var owner = DnsName.ToLowerCopy(edit.Owner);
        bool shapeFits = edit.Kind switch
        {
            RecordEditKind.Add => edit.Type is not null && edit.Data.Count == 1,
            RecordEditKind.Set => edit.Type is not null && edit.Data.Count > 0,
            RecordEditKind.Remove => edit.Data.Count <= 1 && (edit.Data.Count == 0 || edit.Type is not null),
            _ => false,
        };
        if (!shapeFits)
            throw new ZoneStoreException($"a {edit.Kind.ToString().ToLowerInvariant()} edit of {NameText.Format(owner)} needs a type and {(edit.Kind == RecordEditKind.Remove ? "at most one record" : "record data")}");
        if (edit.Kind != RecordEditKind.Remove)
        {
            if (edit.Type == RecordType.SOA)
                throw new ZoneStoreException("the SOA record is made by 'zone add' and kept by MiniDns; it cannot be added");
            if (edit.Type == 0 || RecordType.IsQuestionOnly(edit.Type!.Value))
                throw new ZoneStoreException($"{RecordType.ToText(edit.Type.Value)} cannot be stored in a zone");
        }
        var origin = FindZone(owner) ?? throw NotInAnyZone(owner);
        string zone = NameText.Format(origin), name = NameText.Format(owner);
        var existing = ReadName(zone, owner);
        List<ZoneRecord> after;
        int changed;
        switch (edit.Kind)
        {
            case RecordEditKind.Add:
            {
                ushort type = edit.Type!.Value;
                var data = edit.Data[0];
                var set = existing.Where(r => r.Type == type).ToList();
                uint setTtl = edit.Ttl ?? (set.Count > 0 ? set[0].Ttl : DefaultTtl);
                bool present = set.Any(r => r.Data.AsSpan().SequenceEqual(data));
                if (present && set.All(r => r.Ttl == setTtl))
                    return 0;
                after = existing.Select(r => r.Type == type ? r with { Ttl = setTtl } : r).ToList();
                if (!present)
                    after.Add(new ZoneRecord(owner, type, setTtl, data));
                changed = 1;
                break;
            }
            case RecordEditKind.Set:
            {
                ushort type = edit.Type!.Value;
                var set = existing.Where(r => r.Type == type).ToList();
                uint setTtl = edit.Ttl ?? (set.Count > 0 ? set[0].Ttl : DefaultTtl);
                var records = edit.Data.DistinctBy(d => Convert.ToHexString(d)).Select(d => new ZoneRecord(owner, type, setTtl, d)).ToList();
                if (records.Count == set.Count && records.All(set.Contains))
                    return 0;
                after = [.. existing.Where(r => r.Type != type), .. records];
                changed = 1;
                break;
            }
            default:
            {
                var doomed = existing.Where(r => (edit.Type is null || r.Type == edit.Type) && (edit.Data.Count == 0 || r.Data.AsSpan().SequenceEqual(edit.Data[0]))).ToList();
                if (doomed.Count == 0)
                    return 0;
                if (owner.Length == origin.Length && doomed.Any(r => r.Type == RecordType.SOA))
                    throw new ZoneStoreException($"the SOA of {zone} cannot be removed (remove the zone instead)");
                after = existing.Except(doomed).ToList();
                changed = doomed.Count;
                break;
            }
        }
        if (owner.Length == origin.Length && existing.Any(r => r.Type == RecordType.NS) && !after.Any(r => r.Type == RecordType.NS))
            throw new ZoneStoreException($"the last NS records of {zone} cannot be removed: a zone needs a name server");
        var errors = ZoneRules.CheckOwner(origin, after);
        if (errors.Count > 0)
            throw new ZoneStoreException(errors[0]);
        WriteName(zone, owner, after);
        TouchName(zone, name);
        deltas[zone] = deltas.GetValueOrDefault(zone) + after.Count - existing.Count;
        return changed;
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

    // Every edit moves the serial forward by the zone's policy, so secondaries see the zone changed (RFC
    // 1982, RFC 1996), and keeps the zone's record count.
    // soaEdit changes the SOA record itself (zone soa) before the new serial goes in.
    private void BumpSerial(string zone, int recordDelta, uint? serial = null, Func<ZoneRecord, ZoneRecord>? soaEdit = null)
    {
        var origin = ParseName(zone);
        var apex = ReadName(zone, origin);
        var soa = apex.FirstOrDefault(r => r.Type == RecordType.SOA)
            ?? throw new ZoneStoreException($"zone {zone} has no SOA record in the store");
        var doc = _zones.FindById(zone);
        uint next = serial ?? SerialPolicy.Next(PolicyOf(doc), SoaSerial.Read(soa.Data), DateTime.UtcNow);
        var edited = soaEdit?.Invoke(soa) ?? soa;
        edited = edited with { Data = SoaSerial.With(edited.Data, next) };
        WriteName(zone, origin, apex.Select(r => r.Type == RecordType.SOA ? edited : r).ToList());
        TouchName(zone, zone);
        doc["serial"] = (long)next;
        doc["records"] = doc["records"].AsInt32 + recordDelta;
        _zones.Update(doc);
    }

    private static string PolicyOf(BsonDocument zone) => zone["policy"].IsString ? zone["policy"].AsString : SerialPolicy.Date;

    /// <summary>The zone's serial and serial policy.</summary>
    public (uint Serial, string Policy) ReadSerial(byte[] origin) => Guard(() =>
    {
        var doc = _zones.FindById(NameText.Format(DnsName.ToLowerCopy(origin))) ?? throw NoZone(origin);
        return ((uint)doc["serial"].AsInt64, PolicyOf(doc));
    });

    /// <summary>
    /// Keeps a new serial policy for the zone, and/or moves its serial: to <paramref name="set"/>, which must
    /// be after the current one in serial arithmetic (secondaries would not follow a step back), or, with
    /// <paramref name="bump"/>, by the policy.
    /// </summary>
    public (uint Serial, string Policy) SetSerial(byte[] origin, string? policy, uint? set, bool bump)
    {
        if (policy is not null && !SerialPolicy.All.Contains(policy))
            throw new ZoneStoreException($"'{policy}' is not a serial policy ({string.Join(", ", SerialPolicy.All)})");
        string zone = NameText.Format(DnsName.ToLowerCopy(origin));
        Write(() =>
        {
            var doc = _zones.FindById(zone) ?? throw NoZone(origin);
            uint current = (uint)doc["serial"].AsInt64;
            if (set is { } wanted && !SoaSerial.IsAfter(wanted, current))
                throw new ZoneStoreException($"serial {wanted} is not after {current} (RFC 1982): secondaries would not take it");
            bool changed = false;
            if (policy is not null && policy != PolicyOf(doc))
            {
                doc["policy"] = policy;
                _zones.Update(doc);
                changed = true;
            }
            if (set is not null || bump)
            {
                BumpSerial(zone, 0, set);
                changed = true;
            }
            return changed;
        });
        return ReadSerial(origin);
    }

    /// <summary>
    /// Changes SOA fields (null: kept) with the serial moved by the policy; returns the new SOA data.
    /// MNAME and RNAME are wire names.
    /// </summary>
    public byte[] EditSoa(byte[] origin, SoaFields fields)
    {
        var apex = DnsName.ToLowerCopy(origin);
        string zone = NameText.Format(apex);
        Write(() =>
        {
            _ = _zones.FindById(zone) ?? throw NoZone(origin);
            BumpSerial(zone, 0, null, soa => soa with { Data = fields.ApplyTo(soa.Data), Ttl = fields.Ttl ?? soa.Ttl });
            return true;
        });
        return Guard(() => ReadName(zone, apex).First(r => r.Type == RecordType.SOA).Data);
    }

    private static ZoneStoreException NoZone(byte[] origin) => new($"there is no zone {NameText.Format(DnsName.ToLowerCopy(origin))}");

    private static ZoneStoreException NotInAnyZone(byte[] name) =>
        new($"{NameText.Format(name)} is not inside any zone in the store");
}
