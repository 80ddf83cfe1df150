using LiteDB;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// The zone store: one LiteDB file opened in shared mode, so the CLI can write while the server runs.
/// Collections: <c>zones</c> (origin, serial), <c>records</c> (zone, owner, type, TTL, wire data) and <c>meta</c>,
/// whose change counter every edit bumps in the same transaction; readers poll it to know when to rebuild.
/// The only code that knows LiteDB.
/// </summary>
public sealed class ZoneStore : IDisposable
{
    private const string ChangeCounterId = "changes";
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _zones;
    private readonly ILiteCollection<BsonDocument> _records;
    private readonly ILiteCollection<BsonDocument> _meta;

    public ZoneStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        RefuseForeignFile(Path);
        _db = Guard(() => new LiteDatabase(new ConnectionString { Filename = Path, Connection = ConnectionType.Shared }));
        _zones = _db.GetCollection("zones");
        _records = _db.GetCollection("records");
        _meta = _db.GetCollection("meta");
        Guard(() =>
        {
            _records.EnsureIndex("zone");
            return _records.EnsureIndex("name");
        });
    }

    public string Path { get; }

    /// <summary>The change counter: any committed edit makes it larger.</summary>
    public long ReadChangeCounter() => Guard(() =>
    {
        var doc = _meta.FindById(ChangeCounterId);
        return doc is null ? 0 : doc["value"].AsInt64;
    });

    public bool IsEmpty => Guard(() => _zones.Count() == 0);

    /// <summary>Reads every zone in one transaction, so the result is one committed state of the store.</summary>
    public ZoneSnapshot LoadSnapshot() => Guard(() =>
    {
        _db.BeginTrans();
        try
        {
            long version = ReadChangeCounter();
            var byZone = new Dictionary<string, List<ZoneRecord>>(StringComparer.Ordinal);
            foreach (var zone in _zones.FindAll())
                byZone[zone["_id"].AsString] = [];
            foreach (var doc in _records.FindAll())
            {
                if (byZone.TryGetValue(doc["zone"].AsString, out var list))
                    list.Add(ToRecord(doc));
            }
            var zones = new List<Zone>(byZone.Count);
            foreach (var (origin, records) in byZone)
                zones.Add(ZoneBuilder.Build(ParseName(origin), records));
            return new ZoneSnapshot(zones, version);
        }
        finally
        {
            _db.Rollback();
        }
    });

    /// <summary>The records of one zone, or null when the store has no such zone.</summary>
    public IReadOnlyList<ZoneRecord>? ReadZone(byte[] origin) => Guard(() =>
    {
        string key = NameText.Format(DnsName.ToLowerCopy(origin));
        if (_zones.FindById(key) is null)
            return null;
        return (IReadOnlyList<ZoneRecord>?)_records.Find(Query.EQ("zone", key)).Select(ToRecord).ToList();
    });

    /// <summary>
    /// Stores a whole zone in one transaction: validated first (nothing is written if it cannot be served),
    /// refused if the zone exists unless <paramref name="replace"/>, which swaps its content atomically.
    /// </summary>
    public void ImportZone(byte[] origin, IReadOnlyList<ZoneRecord> records, bool replace)
    {
        var zone = ZoneBuilder.Build(origin, records);
        string key = NameText.Format(zone.Origin);
        Guard(() => _db.BeginTrans());
        try
        {
            if (_zones.FindById(key) is not null)
            {
                if (!replace)
                    throw new ZoneStoreException($"zone {key} exists already (use --replace to swap its content)");
                _records.DeleteMany(Query.EQ("zone", key));
            }
            _zones.Upsert(new BsonDocument { ["_id"] = key, ["serial"] = (long)zone.Serial });
            _records.InsertBulk(records.Select(r => ToDocument(key, r)));
            BumpChangeCounter();
            _db.Commit();
        }
        catch (Exception e) when (e is not ZoneStoreException)
        {
            _db.Rollback();
            throw Unreadable(e);
        }
        catch
        {
            _db.Rollback();
            throw;
        }
    }

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
        foreach (var file in parsed)
            ImportZone(file.Origin!, file.Records, replace: false);
        return parsed.Length;
    }

    private void BumpChangeCounter()
    {
        long next = ReadChangeCounter() + 1;
        _meta.Upsert(new BsonDocument { ["_id"] = ChangeCounterId, ["value"] = next });
    }

    private static BsonDocument ToDocument(string zone, ZoneRecord record) => new()
    {
        ["zone"] = zone,
        ["name"] = record.OwnerText,
        ["type"] = (int)record.Type,
        ["ttl"] = (long)record.Ttl,
        ["data"] = record.Data,
    };

    private static ZoneRecord ToRecord(BsonDocument doc) =>
        new(ParseName(doc["name"].AsString), (ushort)doc["type"].AsInt32, (uint)doc["ttl"].AsInt64, doc["data"].AsBinary);

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
            return operation();
        }
        catch (Exception e) when (e is not (ZoneStoreException or ZoneDataException or OutOfMemoryException))
        {
            throw Unreadable(e);
        }
    }

    private ZoneStoreException Unreadable(Exception e) =>
        new($"{Path} is not a readable MiniDns store: {e.Message}", e);

    public void Dispose() => _db.Dispose();
}
