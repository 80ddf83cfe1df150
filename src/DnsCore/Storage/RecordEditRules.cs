using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// What a record edit does to one name's records, and what it may not do: pure, so the rules are tested
/// without a store. The store reads the name's records, asks here for the records after the edit, and
/// writes them; a refusal is a <see cref="ZoneStoreException"/> whose message the user sees.
/// </summary>
public static class RecordEditRules
{
    /// <summary>TTL of a record added to a new RRset when none is given.</summary>
    public const uint DefaultTtl = 3600;

    /// <summary>
    /// Refuses an edit whose shape is wrong before any zone is looked up: an add names a type and one
    /// record, a set a type and records, a remove at most one record (with its type); SOA records are made
    /// by <c>zone add</c>, and question-only types (ANY, AXFR…) are never stored.
    /// </summary>
    public static void CheckShape(RecordEdit edit)
    {
        bool shapeFits = edit.Kind switch
        {
            RecordEditKind.Add => edit.Type is not null && edit.Data.Count == 1,
            RecordEditKind.Set => edit.Type is not null && edit.Data.Count > 0,
            RecordEditKind.Remove => edit.Data.Count <= 1 && (edit.Data.Count == 0 || edit.Type is not null),
            _ => false,
        };
        if (!shapeFits)
            throw new ZoneStoreException($"a {edit.Kind.ToString().ToLowerInvariant()} edit of {NameText.Format(edit.Owner)} needs a type and {(edit.Kind == RecordEditKind.Remove ? "at most one record" : "record data")}");
        if (edit.Kind == RecordEditKind.Remove)
            return;
        if (edit.Ttl is { } ttl && TtlText.Refusal(ttl) is { } tooLarge)
            throw new ZoneStoreException(tooLarge);
        if (edit.Type == RecordType.SOA)
            throw new ZoneStoreException("the SOA record is made by 'zone add' and kept by MiniDns; it cannot be added");
        if (edit.Type == 0 || RecordType.IsQuestionOnly(edit.Type!.Value))
            throw new ZoneStoreException($"{RecordType.ToText(edit.Type.Value)} cannot be stored in a zone");
    }

    /// <summary>
    /// The name's records after <paramref name="edit"/> and how many it changed (records added or removed;
    /// 1 for a changed set), or null when it changes nothing. An add of a record that is there with the
    /// set's TTL changes nothing; a TTL given applies to the whole RRset (RFC 2181 5.2). Refused: removing
    /// the apex SOA or the last apex NS, and any result <see cref="ZoneRules.CheckOwner"/> rejects (a CNAME
    /// beside other data, …). <paramref name="owner"/> is lower case and inside <paramref name="origin"/>.
    /// </summary>
    public static (List<ZoneRecord> After, int Changed)? Apply(RecordEdit edit, byte[] owner, byte[] origin, IReadOnlyList<ZoneRecord> existing)
    {
        CheckShape(edit);
        bool apex = owner.Length == origin.Length;
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
                bool present = set.Any(r => SameData(type, r.Data, data));
                if (present && set.All(r => r.Ttl == setTtl))
                    return null;
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
                var records = edit.Data.DistinctBy(d => IsName(type) ? DnsName.ToLowerCopy(d) : d, NameComparer.Instance).Select(d => new ZoneRecord(owner, type, setTtl, d)).ToList();
                if (records.Count == set.Count && records.All(set.Contains))
                    return null;
                after = [.. existing.Where(r => r.Type != type), .. records];
                changed = 1;
                break;
            }
            default:
            {
                var doomed = existing.Where(r => (edit.Type is null || r.Type == edit.Type) && (edit.Data.Count == 0 || SameData(r.Type, r.Data, edit.Data[0]))).ToList();
                if (doomed.Count == 0)
                    return null;
                if (apex && doomed.Any(r => r.Type == RecordType.SOA))
                    throw new ZoneStoreException($"the SOA of {NameText.Format(origin)} cannot be removed (remove the zone instead)");
                after = existing.Except(doomed).ToList();
                changed = doomed.Count;
                break;
            }
        }
        if (apex && existing.Any(r => r.Type == RecordType.NS) && !after.Any(r => r.Type == RecordType.NS))
            throw new ZoneStoreException($"the last NS records of {NameText.Format(origin)} cannot be removed: a zone needs a name server");
        var errors = ZoneRules.CheckOwner(origin, after);
        if (errors.Count > 0)
            throw new ZoneStoreException(errors[0]);
        return (after, changed);
    }

    /// <summary>
    /// The records of a new zone: its SOA (MNAME the first name server, serial by date, NSD's and BIND's
    /// usual timers) and one NS record per distinct name server.
    /// </summary>
    public static List<ZoneRecord> NewZone(byte[] origin, IReadOnlyList<byte[]> nameServers, byte[] admin, uint ttl, DateOnly today)
    {
        if (nameServers.Count == 0)
            throw new ZoneStoreException("a zone needs at least one name server (--ns)");
        if (TtlText.Refusal(ttl) is { } tooLarge)
            throw new ZoneStoreException(tooLarge);
        var soa = new List<byte>();
        soa.AddRange(nameServers[0]);
        soa.AddRange(admin);
        foreach (uint value in (uint[])[SoaSerial.DateBased(today), 7200, 3600, 1_209_600, 300])
            soa.AddRange([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
        var records = new List<ZoneRecord> { new(origin, RecordType.SOA, ttl, [.. soa]) };
        records.AddRange(nameServers.Distinct(NameComparer.Instance).Select(ns => new ZoneRecord(origin, RecordType.NS, ttl, ns)));
        return records;
    }

    /// <summary>
    /// A zone's records as stored: each record once (RFC 2181 5: an RRset holds no duplicates, and names in
    /// RDATA compare without case, RFC 4343) and one TTL per RRset (RFC 2181 5.2), the smallest given, which is
    /// the one the zone builder serves. A TTL with the top bit set, as a primary may send one, is 0 (RFC 2181 8).
    /// </summary>
    public static List<ZoneRecord> Normalise(IReadOnlyList<ZoneRecord> records)
    {
        // Keys as bytes: the type, then the lower-cased owner (a wire name ends itself), then for a record
        // its data (names lower-cased): one array a record, where text keys made two strings.
        var ttls = new Dictionary<byte[], uint>(NameComparer.Instance);
        var seen = new HashSet<byte[]>(NameComparer.Instance);
        var kept = new List<(ZoneRecord Record, byte[] Set)>(records.Count);
        foreach (var given in records)
        {
            var record = given.Ttl > TtlText.MaxTtl ? given with { Ttl = 0 } : given;
            byte[] set = [(byte)(record.Type >> 8), (byte)record.Type, .. DnsName.ToLowerCopy(record.Owner)];
            ttls[set] = Math.Min(ttls.GetValueOrDefault(set, uint.MaxValue), record.Ttl);
            if (seen.Add([.. set, .. IsName(record.Type) ? DnsName.ToLowerCopy(record.Data) : record.Data]))
                kept.Add((record, set));
        }
        return kept.Select(k => ttls[k.Set] is var ttl && ttl == k.Record.Ttl ? k.Record : k.Record with { Ttl = ttl }).ToList();
    }

    /// <summary>True when two records' data are the same record: byte for byte, or a name that differs only in case.</summary>
    public static bool SameData(ushort type, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        IsName(type) ? DnsName.EqualsIgnoreCase(a, b) : a.SequenceEqual(b);

    /// <summary>The record data as <see cref="SameData"/> compares it: a name lower-cased, anything else as it is.</summary>
    public static byte[] SameDataKey(ushort type, byte[] data) => IsName(type) ? DnsName.ToLowerCopy(data) : data;

    // The types whose whole RDATA is one domain name.
    private static bool IsName(ushort type) => type is RecordType.NS or RecordType.CNAME or RecordType.DNAME or RecordType.PTR;

    /// <summary>
    /// The records of a parent zone's content that belong to a child zone hosted in the same store: at or
    /// below the child's apex, other than what the parent's side of a cut holds (the delegation's NS and DS
    /// records, RFC 4034 5) and the address records of the names the NS records point to (glue). Those would
    /// be stored and never served.
    /// </summary>
    public static List<string> CheckChildZones(IReadOnlyList<ZoneRecord> records, IReadOnlyList<byte[]> children) =>
        InChildZones(records, children).Select(r => $"{r.Record}: the name belongs to zone {NameText.Format(r.Child)} in the store; edit it there").ToList();

    /// <summary>The records <see cref="CheckChildZones"/> refuses, each with the child zone it belongs to.</summary>
    public static List<(ZoneRecord Record, byte[] Child)> InChildZones(IReadOnlyList<ZoneRecord> records, IReadOnlyList<byte[]> children)
    {
        var found = new List<(ZoneRecord, byte[])>();
        if (children.Count == 0)
            return found;
        var nsTargets = records.Where(r => r.Type == RecordType.NS).Select(r => DnsName.ToLowerCopy(r.Data)).ToHashSet(NameComparer.Instance);
        foreach (var record in records)
        {
            var owner = DnsName.ToLowerCopy(record.Owner);
            var child = children.Where(c => DnsName.IsSubdomainOf(owner, c)).MaxBy(c => c.Length);
            if (child is null)
                continue;
            bool delegation = record.Type is RecordType.NS or RecordType.DS && owner.AsSpan().SequenceEqual(child);
            bool glue = record.Type is RecordType.A or RecordType.AAAA && nsTargets.Contains(owner);
            if (!delegation && !glue)
                found.Add((record, child));
        }
        return found;
    }
}
