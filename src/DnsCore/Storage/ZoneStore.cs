using LiteDB;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// The zone store: one LiteDB file owned by one process at a time. The process takes the store's OS lock
/// (<see cref="StoreLock"/>) before LiteDB opens the file, and LiteDB runs in direct (exclusive) mode; the
/// running server is the owner, and <c>minidns</c> reaches it over the control socket. Collections:
/// <c>zones</c> (origin, serial, record count, block count); <c>blocks</c>, each holding the names of one
/// zone that hash to it with their records (<see cref="NameBlock"/>), so an edit rewrites a few kilobytes
/// and a load reads a few thousand documents; <c>changes</c>, the names the last edits touched; and
/// <c>meta</c>, whose change counter every edit bumps in the same transaction. Safe to call from several
/// threads: calls run one at a time. The only code that knows LiteDB.
/// </summary>
public sealed partial class ZoneStore : IZoneStore
{
    private const string ChangeCounterId = "changes";
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _zones;
    private readonly ILiteCollection<BsonDocument> _blocks;
    private readonly ILiteCollection<BsonDocument> _meta;
    private readonly ILiteCollection<BsonDocument> _changes;
    private readonly List<(string Zone, string? Name)> _touched = [];
    private readonly StoreLock _lock;
    private readonly Lock _gate = new();

    /// <summary>
    /// Opens the store under <paramref name="held"/>, the lock this process took for it, or takes the
    /// lock now (<see cref="StoreInUseException"/> when another process holds it).
    /// </summary>
    public ZoneStore(string path, StoreLock? held = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        _lock = held ?? StoreLock.Acquire(path, TimeSpan.Zero);
        try
        {
            RefuseForeignFile(Path);
            _db = Guard(() => new LiteDatabase(new ConnectionString { Filename = Path, Connection = ConnectionType.Direct }));
            _zones = _db.GetCollection("zones");
            _blocks = _db.GetCollection("blocks");
            _meta = _db.GetCollection("meta");
            _changes = _db.GetCollection("changes");
            Guard(() => _blocks.EnsureIndex("z"));
        }
        catch
        {
            _db?.Dispose();
            _lock.Dispose();
            throw;
        }
    }

    public string Path { get; }

    /// <summary>The change counter: any committed edit makes it larger.</summary>
    public long ReadChangeCounter() => Guard(() =>
    {
        var doc = _meta.FindById(ChangeCounterId);
        return doc is null ? 0 : doc["value"].AsInt64;
    });

    public bool IsEmpty => Guard(() => _zones.Count() == 0);

    /// <summary>
    /// Reads every zone in one transaction, so the result is one committed state of the store. Records go
    /// from each block straight into the zones' builders, so the load makes no object per record.
    /// </summary>
    public ZoneSnapshot LoadSnapshot()
    {
        long version = 0;
        var builders = new Dictionary<string, ZoneBuilder>(StringComparer.Ordinal);
        Guard(() =>
        {
            _db.BeginTrans();
            try
            {
                version = ReadChangeCounter();
                foreach (var zone in _zones.FindAll())
                    builders[zone["_id"].AsString] = new ZoneBuilder(ParseName(zone["_id"].AsString), zone["records"].AsInt32);
                foreach (var doc in _blocks.FindAll())
                {
                    if (builders.TryGetValue(doc["z"].AsString, out var builder))
                        NameBlock.AddTo(doc["d"].AsBinary, builder);
                }
                return version;
            }
            finally
            {
                _db.Rollback();
            }
        });
        // The read leaves LiteDB's page cache and documents behind as garbage, much of it large objects that
        // only a full collection frees: freeing it before the zones' arrays are made keeps the peak down
        // (200,000 names: 97 to 76 MB resident, a few milliseconds of a load that happens at start and
        // after a gap in the change log).
        GC.Collect();
        return new ZoneSnapshot(builders.Values.Select(b => b.ToZone()).ToList(), version);
    }

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
            foreach (var (key, content, serial) in built)
            {
                var records = content.Records;
                if (_zones.FindById(key) is { } existing)
                {
                    if (!replace)
                        throw new ZoneStoreException($"zone {key} exists already (use --replace to swap its content)");
                    uint old = (uint)existing["serial"].AsInt64;
                    if (!SoaSerial.IsAfter(serial, old))
                        records = WithSerial(records, SerialPolicy.Next(PolicyOf(existing), old, DateTime.UtcNow));
                }
                WriteZone(key, records);
            }
            return true;
        });
    }

    /// <summary>
    /// Swaps the content of a zone that exists (<c>minidns zone edit</c>), unless the zone changed since the
    /// editor read it at <paramref name="baseSerial"/>. The serial is the content's when it is after the
    /// stored one (the user moved it), else the next by the zone's policy. Returns the serial stored.
    /// </summary>
    public uint EditZone(ZoneContent content, uint baseSerial)
    {
        var (key, _, given) = CheckZones([content])[0];
        uint next = 0;
        Write(() =>
        {
            var doc = _zones.FindById(key) ?? throw new ZoneStoreException($"there is no zone {key}");
            uint current = (uint)doc["serial"].AsInt64;
            if (current != baseSerial)
                throw new ZoneStoreException($"zone {key} changed while it was being edited (serial {baseSerial}, now {current}): nothing applied");
            next = SoaSerial.IsAfter(given, current) ? given : SerialPolicy.Next(PolicyOf(doc), current, DateTime.UtcNow);
            WriteZone(key, WithSerial(content.Records, next));
            return true;
        });
        return next;
    }

    // Every zone checked by the rules and the zone builder before anything is written: all or nothing.
    private static List<(string Key, ZoneContent Content, uint Serial)> CheckZones(IReadOnlyList<ZoneContent> zones)
    {
        var errors = new List<string>();
        var built = new List<(string Key, ZoneContent Content, uint Serial)>();
        foreach (var content in zones)
        {
            var ruleErrors = ZoneRules.Check(DnsName.ToLowerCopy(content.Origin), content.Records);
            if (ruleErrors.Count > 0)
            {
                errors.AddRange(ruleErrors);
                continue;
            }
            try
            {
                var zone = ZoneBuilder.Build(content.Origin, content.Records);
                built.Add((NameText.Format(zone.Origin), content, zone.Serial));
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

    // Inside a transaction: the zone's blocks and document replaced by these records; its serial policy kept.
    private void WriteZone(string key, IReadOnlyList<ZoneRecord> records)
    {
        var existing = _zones.FindById(key);
        if (existing is not null)
            _blocks.DeleteMany(Query.EQ("z", key));
        TouchZone(key);
        var names = records.GroupBy(r => r.Owner, NameComparer.Instance).ToList();
        int blocks = BlockCountFor(names.Count);
        var doc = new BsonDocument
        {
            ["_id"] = key,
            ["serial"] = (long)SoaSerial.Read(records.First(r => r.Type == RecordType.SOA).Data),
            ["records"] = records.Count,
            ["blocks"] = blocks,
        };
        if (existing is not null && existing["policy"].IsString)
            doc["policy"] = existing["policy"];
        _zones.Upsert(doc);
        WriteBlocks(key, names.Select(g => (g.Key, (IReadOnlyList<ZoneRecord>)g.ToList())), blocks);
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

    /// <summary>
    /// Runs an edit in one transaction with the change counter bump; commits only when the edit says it wrote,
    /// so an edit that changes nothing leaves the file as it was.
    /// </summary>
    private bool Write(Func<bool> edit)
    {
        lock (_gate)
            return WriteInTransaction(edit);
    }

    private bool WriteInTransaction(Func<bool> edit)
    {
        Guard(() => _db.BeginTrans());
        _touched.Clear();
        try
        {
            if (!edit())
            {
                _db.Rollback();
                return false;
            }
            long next = ReadChangeCounter() + 1;
            _meta.Upsert(new BsonDocument { ["_id"] = ChangeCounterId, ["value"] = next });
            LogChanges(next);
            _db.Commit();
            return true;
        }
        catch (Exception e) when (e is ZoneStoreException or ZoneDataException)
        {
            _db.Rollback();
            throw;
        }
        catch (Exception e)
        {
            _db.Rollback();
            throw Unreadable(e);
        }
    }

    /// <summary>The day used for date-based serials; UTC so every editor agrees.</summary>
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static byte[] ParseName(string text) =>
        NameText.TryParse(text, [], out var name, out var error)
            ? DnsName.ToLowerCopy(name)
            : throw new ZoneStoreException($"the store holds a bad name '{text}': {error}");

    // LiteDB "repairs" a file it does not recognise (it truncated a 20,000-byte file to 16,384 in a test):
    // a file that is not empty must carry LiteDB's header mark before LiteDB may open it.
    private static void RefuseForeignFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0)
            return;
        ReadOnlySpan<byte> mark = "** This is a LiteDB file **"u8;
        const int markOffset = 32; // after the 32-byte page header of page 0
        var head = new byte[markOffset + mark.Length];
        int read;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (IOException e)
        {
            throw new ZoneStoreException($"{path} cannot be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ZoneStoreException($"{path} cannot be read: {e.Message}", e);
        }
        if (read < head.Length || !head.AsSpan(markOffset).SequenceEqual(mark))
            throw new ZoneStoreException($"{path} is not a readable MiniDns store: it is not a LiteDB file (left untouched)");
    }

    /// <summary>
    /// LiteDB reports a damaged file with whatever exception its reader trips on (format errors, casts,
    /// out-of-range dates); the operator gets one message naming the file instead.
    /// </summary>
    private T Guard<T>(Func<T> operation)
    {
        try
        {
            lock (_gate)
                return operation();
        }
        catch (Exception e) when (e is not (ZoneStoreException or ZoneDataException or OutOfMemoryException))
        {
            throw Unreadable(e);
        }
    }

    private ZoneStoreException Unreadable(Exception e) =>
        new($"{Path} is not a readable MiniDns store: {e.Message}", e);

    public void Dispose()
    {
        lock (_gate)
            _db.Dispose();
        _lock.Dispose();
    }
}
