using LiteDB;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// The zone store: one LiteDB file owned by one process at a time (<see cref="StoreFile"/>: its lock, its
/// transactions, its change counter); the running server is the owner, and <c>minidns</c> reaches it over the
/// control socket. Collections: <c>zones</c> (origin, serial, serial policy, record count, block count);
/// <c>blocks</c>, the zones' names and records (<see cref="ZoneBlocks"/>); <c>changes</c>, what the last edits
/// touched (<see cref="ChangeJournal"/>); <c>ixfr</c>, each zone's last versions as differences (<see cref="TransferJournal"/>);
/// <c>keys</c>, the TSIG keys (name, algorithm, secret). Secondary zones, copied from a primary, are in
/// ZoneStore.Secondaries.cs. What an edit may do to a name is decided by
/// <see cref="RecordEditRules"/>; this class reads, asks, and writes in one transaction. Safe to call from
/// several threads: calls run one at a time.
/// </summary>
public sealed partial class ZoneStore : IZoneStore
{
    private readonly StoreFile _file;
    private readonly ILiteCollection<BsonDocument> _zones;
    private readonly ZoneBlocks _blocks;
    private readonly ChangeJournal _journal;
    private readonly TransferJournal _transfers;
    private readonly ILiteCollection<BsonDocument> _keys;

    /// <summary>Versions of each zone the IXFR journal keeps by default (<c>--ixfr-journal</c>).</summary>
    public const int DefaultJournalVersions = 100;

    /// <summary>
    /// Opens the store under <paramref name="held"/>, the lock this process took for it, or takes the
    /// lock now (<see cref="StoreInUseException"/> when another process holds it).
    /// </summary>
    public ZoneStore(string path, StoreLock? held = null, int journalVersions = DefaultJournalVersions)
    {
        _file = new StoreFile(path, held);
        try
        {
            _zones = _file.Collection("zones");
            var blocks = _file.Collection("blocks");
            _blocks = new ZoneBlocks(_zones, blocks);
            _journal = new ChangeJournal(_file.Collection("changes"));
            _keys = _file.Collection("keys");
            var transfers = _file.Collection("ixfr");
            _transfers = new TransferJournal(transfers, _file.Collection("ixfr_zones"), journalVersions);
            Guard(() => blocks.EnsureIndex("z") | transfers.EnsureIndex("z"));
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    public string Path => _file.Path;

    /// <summary>The change counter: any committed edit makes it larger.</summary>
    public long ReadChangeCounter() => _file.ChangeCounter;

    public bool IsEmpty => Guard(() => _zones.Count() == 0);

    /// <summary>
    /// Reads every zone in one transaction, so the result is one committed state of the store. Records go
    /// from each block straight into the zones' builders, so the load makes no object per record.
    /// </summary>
    public ZoneSnapshot LoadSnapshot()
    {
        long version = 0;
        var builders = new Dictionary<string, ZoneBuilder>(StringComparer.Ordinal);
        var unavailable = new Dictionary<string, bool>(StringComparer.Ordinal); // zone -> has content
        _file.ReadCommitted(() =>
        {
            version = ReadChangeCounter();
            foreach (var zone in _zones.FindAll())
            {
                string key = zone["_id"].AsString;
                if (IsUnavailable(zone))
                    unavailable[key] = zone["records"].AsInt32 > 0;
                if (zone["records"].AsInt32 > 0)
                    builders[key] = new ZoneBuilder(ParseName(key), zone["records"].AsInt32);
            }
            _blocks.AddTo(builders);
            return version;
        });
        // The read leaves LiteDB's page cache and documents behind as garbage, much of it large objects that
        // only a full collection frees: freeing it before the zones' arrays are made keeps the peak down
        // (200,000 names: 97 to 76 MB resident, a few milliseconds of a load that happens at start and
        // after a gap in the change log).
        GC.Collect();
        var zones = builders.Select(b => unavailable.ContainsKey(b.Key) ? b.Value.ToZone().AsUnavailable() : b.Value.ToZone())
            .Concat(unavailable.Where(u => !u.Value).Select(u => ZoneBuilder.Placeholder(ParseName(u.Key))));
        return new ZoneSnapshot(zones.ToList(), version);
    }

    /// <summary>TTL of a record added to a new RRset when none is given.</summary>
    public const uint DefaultTtl = RecordEditRules.DefaultTtl;

    // A query is read to the end inside the call: a cursor left open would outlive the store's gate.
    public IReadOnlyList<ZoneSummary> ListZones() => Guard(() => _zones.FindAll()
        .Select(z => new ZoneSummary(z["_id"].AsString, (uint)z["serial"].AsInt64, z["records"].AsInt32, PrimaryOf(z)))
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
        origin = DnsName.ToLowerCopy(origin);
        var records = RecordEditRules.NewZone(origin, nameServers, admin, ttl, Today);
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
            _transfers.BeforeZone(key, null);
            _blocks.DeleteZone(key);
            _journal.TouchZone(key);
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
        RecordEditRules.CheckShape(edit);
        var owner = DnsName.ToLowerCopy(edit.Owner);
        var origin = FindZone(owner) ?? throw NotInAnyZone(owner);
        string zone = NameText.Format(origin);
        RefuseIfSecondary(_zones.FindById(zone));
        var existing = _blocks.ReadName(zone, owner);
        if (RecordEditRules.Apply(edit, owner, origin, existing) is not var (after, changed))
            return 0;
        _transfers.Before(zone, owner, existing);
        _blocks.WriteName(zone, owner, after);
        _journal.TouchName(zone, NameText.Format(owner));
        deltas[zone] = deltas.GetValueOrDefault(zone) + after.Count - existing.Count;
        return changed;
    }

    /// <summary>Every record, or those of one zone (by its origin), or those of one name.</summary>
    public IReadOnlyList<ZoneRecord> ListRecords(byte[]? zoneOrName) => Guard(() =>
    {
        IEnumerable<ZoneRecord> records;
        if (zoneOrName is null)
        {
            records = _blocks.AllRecords();
        }
        else
        {
            var lower = DnsName.ToLowerCopy(zoneOrName);
            string key = NameText.Format(lower);
            records = _zones.FindById(key) is not null
                ? _blocks.ZoneRecords(key)
                : FindZone(lower) is { } origin ? _blocks.ReadName(NameText.Format(origin), lower) : [];
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
        var apex = _blocks.ReadName(zone, origin);
        var soa = apex.FirstOrDefault(r => r.Type == RecordType.SOA)
            ?? throw new ZoneStoreException($"zone {zone} has no SOA record in the store");
        var doc = _zones.FindById(zone);
        uint next = serial ?? SerialPolicy.Next(PolicyOf(doc), SoaSerial.Read(soa.Data), DateTime.UtcNow);
        var edited = soaEdit?.Invoke(soa) ?? soa;
        edited = edited with { Data = SoaSerial.With(edited.Data, next) };
        _transfers.Before(zone, origin, apex);
        _blocks.WriteName(zone, origin, apex.Select(r => r.Type == RecordType.SOA ? edited : r).ToList());
        _journal.TouchName(zone, zone);
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
            RefuseIfSecondary(doc);
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
        if (fields.Ttl is { } ttl && TtlText.Refusal(ttl) is { } tooLarge)
            throw new ZoneStoreException(tooLarge);
        Write(() =>
        {
            RefuseIfSecondary(_zones.FindById(zone) ?? throw NoZone(origin));
            BumpSerial(zone, 0, null, soa => soa with { Data = fields.ApplyTo(soa.Data), Ttl = fields.Ttl ?? soa.Ttl });
            return true;
        });
        return Guard(() => _blocks.ReadName(zone, apex).First(r => r.Type == RecordType.SOA).Data);
    }

    private static ZoneStoreException NoZone(byte[] origin) => new($"there is no zone {NameText.Format(DnsName.ToLowerCopy(origin))}");

    private static ZoneStoreException NotInAnyZone(byte[] name) =>
        new($"{NameText.Format(name)} is not inside any zone in the store");

    /// <summary>
    /// What changed after <paramref name="version"/>, read in one transaction with the content of every
    /// touched name, or null when the log no longer covers that far back (the caller loads everything).
    /// </summary>
    public StoreChanges? ReadChangesSince(long version) => _file.ReadCommitted(() =>
    {
        long current = ReadChangeCounter();
        if (_journal.TouchedSince(version, current) is not { } touched)
            return null;
        var zones = new Dictionary<string, ZoneChange>(StringComparer.Ordinal);
        foreach (var (zone, name) in touched)
        {
            if (!zones.TryGetValue(zone, out var change))
                zones[zone] = change = new ZoneChange(ParseName(zone));
            if (name is null)
                change.Whole = true;
            else
                change.Names.Add(name);
        }
        foreach (var (key, change) in zones)
        {
            var doc = _zones.FindById(key);
            change.Unavailable = doc is not null && IsUnavailable(doc);
            if (change.Whole)
                change.AllRecords = doc is not null ? _blocks.ZoneRecords(key) : null;
            else
                foreach (var name in change.Names)
                {
                    var wire = ParseName(name);
                    change.NameRecords[wire] = _blocks.ReadName(key, wire);
                }
        }
        return new StoreChanges(current, zones);
    });

    /// <summary>Stores one zone; see <see cref="ImportZones"/>.</summary>
    public void ImportZone(byte[] origin, IReadOnlyList<ZoneRecord> records, bool replace) =>
        ImportZones([new ZoneContent(origin, records)], replace);

    /// <summary>
    /// Stores whole zones in one transaction: every zone is checked first and nothing is written if any
    /// cannot be stored; a zone that exists is refused unless <paramref name="replace"/>, which swaps its
    /// content, keeping its SOA serial moving forward for secondaries.
    /// </summary>
    public void ImportZones(IReadOnlyList<ZoneContent> zones, bool replace)
    {
        var built = CheckZones(zones);
        Write(() =>
        {
            var batch = built.Select(b => ParseName(b.Key)).ToList();
            foreach (var (key, content, serial) in built)
            {
                CheckChildZones(key, content, batch);
                var records = content.Records;
                if (_zones.FindById(key) is { } existing)
                {
                    RefuseIfSecondary(existing);
                    if (!replace)
                        throw new ZoneStoreException($"zone {key} exists already (use --replace to swap its content)");
                    uint old = (uint)existing["serial"].AsInt64, next = SerialPolicy.ForContent(PolicyOf(existing), old, serial, DateTime.UtcNow);
                    if (next != serial)
                        records = WithSerial(records, next);
                }
                WriteZone(key, records);
            }
            return true;
        });
    }

    /// <summary>
    /// Swaps the content of a zone that exists (<c>minidns zone edit</c>), unless the zone is no longer the one
    /// the editor read (its serial <paramref name="baseSerial"/> and <see cref="ZoneDigest"/> <paramref name="baseDigest"/>).
    /// The serial is the content's when it is after the stored one (the user moved it), else the next by the
    /// zone's policy. Returns the serial stored.
    /// </summary>
    public uint EditZone(ZoneContent content, uint baseSerial, string baseDigest)
    {
        var (key, checkedContent, given) = CheckZones([content])[0];
        uint next = 0;
        Write(() =>
        {
            var doc = _zones.FindById(key) ?? throw new ZoneStoreException($"there is no zone {key}");
            RefuseIfSecondary(doc);
            uint current = (uint)doc["serial"].AsInt64;
            if (current != baseSerial || ZoneDigest.Of(_blocks.ZoneRecords(key)) != baseDigest)
                throw new ZoneChangedException($"zone {key} changed while it was being edited (serial {baseSerial}, now {current}): nothing applied");
            CheckChildZones(key, checkedContent, []);
            next = SerialPolicy.ForContent(PolicyOf(doc), current, given, DateTime.UtcNow);
            WriteZone(key, WithSerial(checkedContent.Records, next));
            return true;
        });
        return next;
    }

    // Inside a transaction: names that belong to another zone of the store hosted below this one are that
    // zone's, except the delegation's NS records and their glue (RFC 1034 4.2.1).
    // A zone added below a zone of the store must not hide names the parent holds there (the same rule seen
    // from the child's side).
    private void CheckChildZones(string key, ZoneContent content, IReadOnlyList<byte[]> alsoImported)
    {
        var origin = ParseName(key);
        var stored = _zones.FindAll().Select(z => ParseName(z["_id"].AsString)).ToList();
        var children = stored.Concat(alsoImported)
            .Where(z => z.Length > origin.Length && DnsName.IsSubdomainOf(z, origin)).Distinct(NameComparer.Instance).ToList();
        var errors = RecordEditRules.CheckChildZones(content.Records, children);
        var parents = stored.Where(z => z.Length < origin.Length && DnsName.IsSubdomainOf(origin, z) && !alsoImported.Any(i => i.AsSpan().SequenceEqual(z)));
        foreach (var parent in parents)
        {
            var hidden = RecordEditRules.InChildZones(_blocks.ZoneRecords(NameText.Format(parent)), [origin]);
            if (hidden.Count > 0)
                errors.Add($"zone {NameText.Format(parent)} holds names below {key} ({hidden.Count} records, the first: {hidden[0].Record}): move or remove them first");
        }
        if (errors.Count > 0)
            throw new ZoneDataException(errors);
    }

    // Every zone checked by the rules and the zone builder before anything is written: all or nothing.
    private static List<(string Key, ZoneContent Content, uint Serial)> CheckZones(IReadOnlyList<ZoneContent> zones)
    {
        var errors = new List<string>();
        var built = new List<(string Key, ZoneContent Content, uint Serial)>();
        foreach (var group in zones.GroupBy(z => NameText.Format(DnsName.ToLowerCopy(z.Origin))).Where(g => g.Count() > 1))
            errors.Add($"zone {group.Key} is given {group.Count()} times");
        foreach (var content in zones)
        {
            // Normalised first, so every way into the store judges the records it will keep.
            var normal = new ZoneContent(content.Origin, RecordEditRules.Normalise(content.Records));
            var ruleErrors = ZoneRules.Check(DnsName.ToLowerCopy(normal.Origin), normal.Records);
            if (ruleErrors.Count > 0)
            {
                errors.AddRange(ruleErrors);
                continue;
            }
            try
            {
                var zone = ZoneBuilder.Build(normal.Origin, normal.Records);
                built.Add((NameText.Format(zone.Origin), normal, zone.Serial));
            }
            catch (ZoneDataException e)
            {
                errors.AddRange(e.Errors);
            }
        }
        if (errors.Count > 0)
            throw new ZoneDataException(errors);
        return built;
    }

    // Inside a transaction: the zone's blocks and document replaced by these records; its serial policy and,
    // for a secondary, its primary kept.
    private void WriteZone(string key, IReadOnlyList<ZoneRecord> records)
    {
        var existing = _zones.FindById(key);
        _transfers.BeforeZone(key, existing is null || existing["records"].AsInt32 == 0 ? null : _blocks.ZoneRecords(key));
        if (existing is not null)
            _blocks.DeleteZone(key);
        _journal.TouchZone(key);
        var names = records.GroupBy(r => r.Owner, NameComparer.Instance).ToList();
        int blocks = ZoneBlocks.BlockCountFor(names.Count);
        var doc = new BsonDocument
        {
            ["_id"] = key,
            ["serial"] = (long)SoaSerial.Read(records.First(r => r.Type == RecordType.SOA).Data),
            ["records"] = records.Count,
            ["blocks"] = blocks,
        };
        foreach (var kept in (string[])["policy", .. SecondaryFields])
        {
            if (existing is not null && existing.TryGetValue(kept, out var value) && !value.IsNull)
                doc[kept] = value;
        }
        _zones.Upsert(doc);
        _blocks.WriteBlocks(key, names.Select(g => (g.Key, (IReadOnlyList<ZoneRecord>)g.ToList())), blocks);
    }

    private static IReadOnlyList<ZoneRecord> WithSerial(IReadOnlyList<ZoneRecord> records, uint serial) =>
        records.Select(r => r.Type == RecordType.SOA ? r with { Data = SoaSerial.With(r.Data, serial) } : r).ToList();

    /// <summary>On first start with an empty store, imports every *.zone file of a folder (all or nothing).</summary>
    public int ImportFolderIfEmpty(string folder)
    {
        if (!IsEmpty || !Directory.Exists(folder))
            return 0;
        var files = Directory.GetFiles(folder, "*.zone").Order(StringComparer.Ordinal).ToArray();
        var parsed = files.Select(f => MasterFileParser.ParseFile(f)).ToArray();
        var errors = parsed.SelectMany(p => p.Errors).ToList();
        if (errors.Count > 0)
            throw new ZoneDataException(errors);
        ImportZones(parsed.Select(p => new ZoneContent(p.Origin!, p.Records)).ToList(), replace: false);
        return parsed.Length;
    }

    /// <summary>The day used for date-based serials; UTC so every editor agrees.</summary>
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static byte[] ParseName(string text) =>
        NameText.TryParse(text, [], out var name, out var error)
            ? DnsName.ToLowerCopy(name)
            : throw new ZoneStoreException($"the store holds a bad name '{text}': {error}");

    private T Guard<T>(Func<T> operation) => _file.Read(operation);

    // Every edit's transaction starts a fresh list of what it touched, logged under its change counter.
    // The IXFR journal's entries are written in the same transaction, from what the edit left.
    private bool Write(Func<bool> edit) => _file.Write(() =>
    {
        _journal.Begin();
        _transfers.Begin();
        if (!edit())
            return false;
        _transfers.Commit(_blocks.ReadName, zone => _zones.FindById(zone) is null ? null : _blocks.ZoneRecords(zone));
        return true;
    }, _journal.Log);

    public Tsig.TsigKey AddKey(byte[] name, string algorithm, byte[]? secret = null)
    {
        if (!Tsig.TsigKey.Algorithms.Contains(algorithm))
            throw new ZoneStoreException($"'{algorithm}' is not a TSIG algorithm ({string.Join(", ", Tsig.TsigKey.Algorithms)})");
        // A secret shorter than 16 bytes is guessable; longer than a hash block is hashed by HMAC anyway.
        if (secret is { Length: < 16 or > 128 })
            throw new ZoneStoreException($"a secret of {secret.Length} bytes: a key's secret is 16 to 128 bytes");
        var key = secret is null ? Tsig.TsigKey.Generate(name, algorithm) : new Tsig.TsigKey(DnsName.ToLowerCopy(name), algorithm, secret);
        string id = NameText.Format(key.Name);
        Write(() =>
        {
            if (_keys.FindById(id) is not null)
                throw new ZoneStoreException($"key {id} exists already (remove it first to make a new secret)");
            _keys.Insert(new BsonDocument { ["_id"] = id, ["algorithm"] = algorithm, ["secret"] = key.Secret });
            return true;
        });
        return key;
    }

    public IReadOnlyList<KeySummary> ListKeys() => Guard(() =>
        _keys.FindAll().Select(k => new KeySummary(k["_id"].AsString, k["algorithm"].AsString)).OrderBy(k => k.Name, StringComparer.Ordinal).ToList());

    /// <summary>
    /// Removes a key; refused while a secondary zone transfers with it, which could then only expire (found by
    /// attack). Server options that name it (<c>--allow-transfer key:</c>, <c>--notify-key</c>) are not the store's to know.
    /// </summary>
    public bool RemoveKey(byte[] name)
    {
        string id = NameText.Format(DnsName.ToLowerCopy(name));
        return Write(() =>
        {
            var users = _zones.FindAll().Where(z => z["key"].IsString && z["key"].AsString == id).Select(z => z["_id"].AsString).Order(StringComparer.Ordinal).ToList();
            if (users.Count > 0)
                throw new ZoneStoreException($"key {id} signs the transfers of secondary zone {string.Join(", ", users)}: remove the zone first (minidns zone remove), then the key");
            return _keys.Delete(id);
        });
    }

    /// <summary>The TSIG keys with their secrets, for the server's own checks; a key the store holds badly is left out.</summary>
    public IReadOnlyList<Tsig.TsigKey> ReadKeys() => Guard(() => _keys.FindAll()
        .Where(k => k["secret"].IsBinary && k["algorithm"].IsString && Tsig.TsigKey.Algorithms.Contains(k["algorithm"].AsString)
            && NameText.TryParse(k["_id"].AsString, [], out _, out _))
        .Select(k => new Tsig.TsigKey(ParseName(k["_id"].AsString), k["algorithm"].AsString, k["secret"].AsBinary)).ToList());

    /// <summary>The IXFR journal of a zone: its last versions as differences, oldest first.</summary>
    public IReadOnlyList<JournalEntry> ReadJournal(byte[] origin) => Guard(() => _transfers.Read(NameText.Format(DnsName.ToLowerCopy(origin))));

    public void Dispose() => _file.Dispose();
}
