using LiteDB;
using MiniDns.Transfer;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>A secondary zone as the store keeps it: where it is copied from, and how its copying went.</summary>
/// <param name="Primary">"address:port"</param>
/// <param name="Key">the TSIG key its transfers and NOTIFYs are signed with, or null</param>
/// <param name="Loaded">false until the first transfer lands</param>
/// <param name="RefreshedUnix">when the primary last answered us (seconds since 1970; 0: never)</param>
/// <param name="LastTransfer">the last transfer in, as a line for <c>minidns zone status</c></param>
public sealed record SecondaryZone(byte[] Origin, string Primary, byte[]? Key, uint Serial, bool Loaded, bool Expired, long RefreshedUnix, string? LastTransfer);

// Secondary zones (RFC 1034 4.3.5): the zone's document names its primary ("primary", "key"), and says how
// the copying went ("refreshed", "expired", "lastin"); the content lands in the blocks like any zone's, with
// the primary's serial, and the IXFR journal follows, so our own secondaries can copy from us in turn. Local
// edits to such a zone are refused: the next transfer would undo them.
public sealed partial class ZoneStore
{
    private static readonly string[] SecondaryFields = ["primary", "key", "refreshed", "expired", "lastin"];

    private static string? PrimaryOf(BsonDocument zone) => zone["primary"].IsString ? zone["primary"].AsString : null;

    // Not transferred yet, or expired: served as SERVFAIL.
    private static bool IsUnavailable(BsonDocument zone) =>
        PrimaryOf(zone) is not null && (zone["records"].AsInt32 == 0 || zone["expired"].IsBoolean && zone["expired"].AsBoolean);

    private static void RefuseIfSecondary(BsonDocument? zone)
    {
        if (zone is not null && PrimaryOf(zone) is { } primary)
            throw new ZoneStoreException($"zone {zone["_id"].AsString} is a secondary of {primary}: edit it on its primary (or remove it here to stop copying it)");
    }

    /// <summary>
    /// Makes a secondary zone, empty until its first transfer (and SERVFAIL until then): copied from
    /// <paramref name="primary"/> ("address:port"), with TSIG key <paramref name="keyName"/> when given, which must be in the store.
    /// </summary>
    public void AddSecondaryZone(byte[] origin, string primary, byte[]? keyName)
    {
        origin = DnsName.ToLowerCopy(origin);
        string key = NameText.Format(origin);
        primary = ServerAddress.TryParse(primary, out var endpoint) ? endpoint.ToString()
            : throw new ZoneStoreException($"'{primary}' is not a primary's address (a.b.c.d[:PORT], IPv6, [IPv6]:PORT; not 0.0.0.0, ::, broadcast or multicast)");
        string? keyId = keyName is null ? null : NameText.Format(DnsName.ToLowerCopy(keyName));
        Write(() =>
        {
            if (_zones.FindById(key) is not null)
                throw new ZoneStoreException($"zone {key} exists already");
            if (keyId is not null && _keys.FindById(keyId) is null)
                throw new ZoneStoreException($"there is no key {keyId} (give the primary's key: minidns key add {keyId.TrimEnd('.')} --secret SECRET)");
            CheckChildZones(key, new ZoneContent(origin, []), []);
            var doc = new BsonDocument { ["_id"] = key, ["serial"] = 0L, ["records"] = 0, ["blocks"] = 1, ["primary"] = primary };
            if (keyId is not null)
                doc["key"] = keyId;
            _zones.Insert(doc);
            _journal.TouchZone(key);
            return true;
        });
    }

    /// <summary>Every secondary zone, by origin.</summary>
    public IReadOnlyList<SecondaryZone> ListSecondaries() => Guard(() => _zones.FindAll()
        .Where(z => PrimaryOf(z) is not null)
        .Select(z => new SecondaryZone(ParseName(z["_id"].AsString), PrimaryOf(z)!, z["key"].IsString ? ParseName(z["key"].AsString) : null,
            (uint)z["serial"].AsInt64, z["records"].AsInt32 > 0, z["expired"].IsBoolean && z["expired"].AsBoolean,
            z["refreshed"].IsInt64 ? z["refreshed"].AsInt64 : 0, z["lastin"].IsString ? z["lastin"].AsString : null))
        .OrderBy(z => NameText.Format(z.Origin), StringComparer.Ordinal)
        .ToList());

    /// <summary>
    /// The SOA the secondary zone holds in the store (whatever the snapshot served says yet), or null before
    /// its first transfer: what IXFR asks from and the SOA timers come from.
    /// </summary>
    public ZoneRecord? ReadSecondarySoa(byte[] origin) => Guard(() =>
    {
        origin = DnsName.ToLowerCopy(origin);
        string key = NameText.Format(origin);
        var doc = SecondaryDocument(key);
        return doc["records"].AsInt32 == 0 ? null : _blocks.ReadName(key, origin).FirstOrDefault(r => r.Type == RecordType.SOA);
    });

    /// <summary>
    /// Stores a whole transfer in as the secondary zone's content, in one transaction, checked as an import
    /// is (nothing is written if the zone cannot be served); the zone is no longer expired.
    /// </summary>
    public void StoreWholeTransfer(byte[] origin, IReadOnlyList<ZoneRecord> records, string line, long nowUnix)
    {
        var (key, content, _) = CheckZones([new ZoneContent(origin, records)])[0];
        Write(() =>
        {
            SecondaryDocument(key);
            CheckChildZones(key, content, []);
            WriteZone(key, content.Records);
            MarkTransferred(key, line, nowUnix);
            return true;
        });
    }

    /// <summary>
    /// Applies IXFR differences to the secondary zone in one transaction: they must start at the serial it
    /// holds, remove only records it has and add only records it lacks, and leave each name they touch as the
    /// zone rules allow; else nothing is written (<see cref="ZoneStoreException"/>, <see cref="ZoneDataException"/>)
    /// and the caller transfers the whole zone. Only the names the differences touch are read and rewritten.
    /// </summary>
    public void StoreIncrementalTransfer(byte[] origin, IReadOnlyList<TransferStep> steps, string line, long nowUnix)
    {
        origin = DnsName.ToLowerCopy(origin);
        string key = NameText.Format(origin);
        Write(() =>
        {
            var doc = SecondaryDocument(key);
            uint held = (uint)doc["serial"].AsInt64;
            if (doc["records"].AsInt32 == 0 || steps.Count == 0 || steps[0].From != held)
                throw new ZoneStoreException($"the differences start at serial {(steps.Count > 0 ? steps[0].From : 0)}, and zone {key} holds {held}");
            // Only the names the differences touch are read and checked, as an edit's are: a one-record
            // change to a zone of 700,000 records took 5 s of CPU and 667 MB when the whole zone was read,
            // keyed and checked again (found by attack).
            // Each touched name as stored, read once, and as the differences leave it.
            var stored = new Dictionary<byte[], IReadOnlyList<ZoneRecord>>(NameComparer.Instance);
            var names = new Dictionary<byte[], List<ZoneRecord>>(NameComparer.Instance);
            List<ZoneRecord> Held(byte[] owner)
            {
                owner = DnsName.ToLowerCopy(owner);
                if (!names.TryGetValue(owner, out var list))
                {
                    stored[owner] = _blocks.ReadName(key, owner);
                    names[owner] = list = [.. stored[owner]];
                }
                return list;
            }
            foreach (var step in steps)
            {
                foreach (var record in step.Removed)
                {
                    var list = Held(record.Owner);
                    string identity = IdentityOf(record);
                    int at = list.FindIndex(r => IdentityOf(r) == identity);
                    if (at < 0)
                        throw new ZoneStoreException($"the differences to serial {step.To} remove {record}, which zone {key} does not hold");
                    list.RemoveAt(at);
                }
                foreach (var record in step.Added)
                {
                    var list = Held(record.Owner);
                    string identity = IdentityOf(record);
                    if (list.Exists(r => IdentityOf(r) == identity))
                        throw new ZoneStoreException($"the differences to serial {step.To} add {record}, which zone {key} holds already");
                    list.Add(record with { Owner = DnsName.ToLowerCopy(record.Owner) });
                }
            }
            var after = names.ToDictionary(n => n.Key, n => RecordEditRules.Normalise(n.Value), NameComparer.Instance);
            var errors = after.Values.SelectMany(list => ZoneRules.CheckOwner(origin, list)).ToList();
            if (!after.TryGetValue(origin, out var apex) || apex.Count > 0)
                errors.AddRange(InHostedChildZones(key, origin, after));
            else
                errors.Add($"zone {key} has no SOA and NS records at its apex");
            if (errors.Count > 0)
                throw new ZoneDataException(errors);
            int delta = 0;
            foreach (var (owner, records) in after)
            {
                var before = stored[owner];
                delta += records.Count - before.Count;
                _transfers.Before(key, owner, before);
                _blocks.WriteName(key, owner, records);
                _journal.TouchName(key, NameText.Format(owner));
            }
            doc = _zones.FindById(key);
            if (doc["expired"].IsBoolean && doc["expired"].AsBoolean)
                _journal.TouchZone(key); // served again: read whole
            doc["serial"] = (long)steps[^1].To;
            doc["records"] = doc["records"].AsInt32 + delta;
            _zones.Update(doc);
            MarkTransferred(key, line, nowUnix);
            return true;
        });
    }

    /// <summary>
    /// The primary answered (current or not): the expire clock starts again, and an expired zone serves
    /// again. True when it had expired (the snapshot must change).
    /// </summary>
    public bool MarkRefreshed(byte[] origin, long nowUnix)
    {
        bool wasExpired = false;
        Write(() =>
        {
            string key = NameText.Format(DnsName.ToLowerCopy(origin));
            var doc = SecondaryDocument(key);
            doc["refreshed"] = nowUnix;
            if (doc["expired"].IsBoolean && doc["expired"].AsBoolean)
            {
                doc["expired"] = false;
                _journal.TouchZone(key);
                wasExpired = true;
            }
            _zones.Update(doc);
            return true;
        });
        return wasExpired;
    }

    /// <summary>The primary has not answered for the SOA's expire time: the zone is SERVFAIL until it does (RFC 1035 3.3.13).</summary>
    public void MarkExpired(byte[] origin) => Write(() =>
    {
        string key = NameText.Format(DnsName.ToLowerCopy(origin));
        var doc = SecondaryDocument(key);
        if (doc["expired"].IsBoolean && doc["expired"].AsBoolean)
            return false;
        doc["expired"] = true;
        _zones.Update(doc);
        _journal.TouchZone(key);
        return true;
    });

    private BsonDocument SecondaryDocument(string key)
    {
        var doc = _zones.FindById(key) ?? throw new ZoneStoreException($"there is no zone {key}");
        return PrimaryOf(doc) is not null ? doc : throw new ZoneStoreException($"zone {key} is not a secondary zone");
    }

    private void MarkTransferred(string key, string line, long nowUnix)
    {
        var doc = _zones.FindById(key);
        if (doc["expired"].IsBoolean && doc["expired"].AsBoolean)
            _journal.TouchZone(key);
        doc["lastin"] = line;
        doc["refreshed"] = nowUnix;
        doc["expired"] = false;
        _zones.Update(doc);
    }

    // The records of touched names that belong to a zone of the store hosted below this one (the delegation's
    // NS and DS and its glue excepted, which the delegation's NS set, read from the store when untouched, says).
    // The glue of the NS set as it was is judged again too: a new NS set can leave it glue of nothing (found
    // by attack: an IXFR that renamed the child's name server kept the old glue, which a whole transfer refuses).
    private List<string> InHostedChildZones(string key, byte[] origin, Dictionary<byte[], List<ZoneRecord>> touched)
    {
        var children = _zones.FindAll().Select(z => ParseName(z["_id"].AsString))
            .Where(z => z.Length > origin.Length && DnsName.IsSubdomainOf(z, origin)).ToList();
        var below = children.Where(c => touched.Keys.Any(owner => DnsName.IsSubdomainOf(owner, c))).ToList();
        if (below.Count == 0)
            return [];
        var records = touched.Values.SelectMany(r => r).ToList();
        foreach (var cut in below)
        {
            var stored = _blocks.ReadName(key, cut); // as it was: nothing is written yet
            if (!touched.ContainsKey(cut))
                records.AddRange(stored);
            var oldGlue = stored.Where(r => r.Type == RecordType.NS).Select(r => DnsName.ToLowerCopy(r.Data))
                .Where(target => DnsName.IsSubdomainOf(target, cut) && !touched.ContainsKey(target)).Distinct(NameComparer.Instance);
            foreach (var target in oldGlue)
                records.AddRange(_blocks.ReadName(key, target));
        }
        return RecordEditRules.CheckChildZones(records, children);
    }

    // A record's identity for IXFR: owner, type and data, names in the data compared without case; not the TTL
    // (RFC 1995 leaves a removed record's TTL to the sender).
    private static string IdentityOf(ZoneRecord record) =>
        $"{NameText.Format(DnsName.ToLowerCopy(record.Owner))} {record.Type} {Convert.ToHexString(RecordEditRules.SameDataKey(record.Type, record.Data))}";
}
