using LiteDB;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// The store's LiteDB file, owned by this process: the store's OS lock (<see cref="StoreLock"/>) is taken
/// before LiteDB opens the file, LiteDB runs in direct (exclusive) mode, and a file that is not LiteDB's is
/// refused untouched. Calls run one at a time. Whatever LiteDB throws on a damaged file becomes one
/// <see cref="ZoneStoreException"/> naming the file. The change counter in <c>meta</c> moves forward with
/// every committed write, in its transaction.
/// </summary>
internal sealed class StoreFile : IDisposable
{
    private const string ChangeCounterId = "changes";
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _meta;
    private readonly StoreLock _lock;
    private readonly Lock _gate = new();

    /// <summary>Opens the file under <paramref name="held"/>, the lock this process took for it, or takes the lock now.</summary>
    public StoreFile(string path, StoreLock? held)
    {
        Path = System.IO.Path.GetFullPath(path);
        _lock = held ?? StoreLock.Acquire(path, TimeSpan.Zero);
        try
        {
            RefuseForeignFile(Path);
            _db = Read(() => new LiteDatabase(new ConnectionString { Filename = Path, Connection = ConnectionType.Direct }));
            _meta = _db.GetCollection("meta");
        }
        catch
        {
            _db?.Dispose();
            _lock.Dispose();
            throw;
        }
    }

    public string Path { get; }

    public ILiteCollection<BsonDocument> Collection(string name) => _db.GetCollection(name);

    /// <summary>The change counter: any committed write makes it larger.</summary>
    public long ChangeCounter => Read(() => _meta.FindById(ChangeCounterId) is { } doc ? doc["value"].AsInt64 : 0);

    /// <summary>Runs a read.</summary>
    public T Read<T>(Func<T> operation)
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

    /// <summary>Runs reads in one transaction, so they see one committed state of the file.</summary>
    public T ReadCommitted<T>(Func<T> operation) => Read(() =>
    {
        _db.BeginTrans();
        try
        {
            return operation();
        }
        finally
        {
            _db.Rollback();
        }
    });

    /// <summary>
    /// Runs an edit in one transaction with the change counter bump, and <paramref name="beforeCommit"/> with the
    /// new counter; commits only when the edit says it wrote, so an edit that changes nothing leaves the file
    /// as it was. A refusal rolls everything back.
    /// </summary>
    public bool Write(Func<bool> edit, Action<long> beforeCommit)
    {
        lock (_gate)
        {
            Read(() => _db.BeginTrans());
            try
            {
                if (!edit())
                {
                    _db.Rollback();
                    return false;
                }
                long next = ChangeCounter + 1;
                _meta.Upsert(new BsonDocument { ["_id"] = ChangeCounterId, ["value"] = next });
                beforeCommit(next);
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
    }

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

    private ZoneStoreException Unreadable(Exception e) =>
        new($"{Path} is not a readable MiniDns store: {e.Message}", e);

    public void Dispose()
    {
        lock (_gate)
            _db.Dispose();
        _lock.Dispose();
    }
}
