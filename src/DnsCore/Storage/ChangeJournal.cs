using LiteDB;

namespace MiniDns.Storage;

/// <summary>
/// The change log in the store's <c>changes</c> collection: every committed edit records, under its
/// change-counter value, the names (or whole zones) it touched, so the server's publisher, a few edits
/// behind, re-reads those names instead of the store. Only the last <see cref="Kept"/> entries are kept; a
/// reader further behind loads everything. Used inside the store's transactions only.
/// </summary>
internal sealed class ChangeJournal(ILiteCollection<BsonDocument> changes)
{
    public const int Kept = 256;
    private readonly List<(string Zone, string? Name)> _touched = [];

    /// <summary>Starts the list of what the transaction about to run touches.</summary>
    public void Begin() => _touched.Clear();

    public void TouchName(string zone, string name) => _touched.Add((zone, name));

    public void TouchZone(string zone) => _touched.Add((zone, null));

    /// <summary>Writes what the transaction touched under its change counter, and drops entries past the kept ones.</summary>
    public void Log(long counter)
    {
        var items = new BsonArray(_touched.Distinct().Select(t => new BsonDocument { ["z"] = t.Zone, ["n"] = t.Name is null ? BsonValue.Null : t.Name }));
        changes.Insert(new BsonDocument { ["_id"] = counter, ["c"] = items });
        changes.DeleteMany(Query.LTE("_id", counter - Kept));
    }

    /// <summary>
    /// The zones and names touched after <paramref name="version"/> up to <paramref name="current"/> (a null name:
    /// the whole zone), or null when the log no longer reaches that far back.
    /// </summary>
    public List<(string Zone, string? Name)>? TouchedSince(long version, long current)
    {
        var entries = changes.Find(Query.GT("_id", version)).ToList();
        if (entries.Count != current - version || entries.Any(e => e["_id"].AsInt64 > current))
            return null;
        return entries.SelectMany(e => e["c"].AsArray).Select(i => i.AsDocument)
            .Select(item => (item["z"].AsString, item["n"].IsNull ? null : item["n"].AsString)).ToList();
    }
}
