using System.Numerics;
using LiteDB;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// The store's <c>blocks</c> collection: a zone's names and their records in blocks (<see cref="NameBlock"/>),
/// spread over a power of two of blocks by a stable hash; the zone's document in <c>zones</c> says how many.
/// An edit rewrites a few kilobytes and a load reads a few thousand documents. Used inside the store's
/// transactions only.
/// </summary>
internal sealed class ZoneBlocks(ILiteCollection<BsonDocument> zones, ILiteCollection<BsonDocument> blocks)
{
    // A zone starts with about this many names per block; an edit that takes a block past the most doubles
    // the zone's blocks, so a zone grown one record at a time keeps small blocks too.
    private const int NamesPerBlock = 64;
    private const int MostNamesPerBlock = 256;

    public static int BlockCountFor(int names) =>
        (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, (names + NamesPerBlock - 1) / NamesPerBlock));

    // A parent zone and a child zone it delegates to both hold names at and below the cut (the child's
    // apex, glue): a block belongs to one zone.
    private static string BlockId(string zone, int block) => $"{zone} {block}";

    private int BlockCount(string zone)
    {
        var doc = zones.FindById(zone) ?? throw new ZoneStoreException($"zone {zone} is not in the store");
        int count = doc["blocks"].AsInt32;
        // A damaged count would send names to blocks where nobody finds them again.
        return count > 0 && BitOperations.IsPow2(count) ? count : throw new InvalidDataException($"zone {zone} has a bad block count");
    }

    /// <summary>Every record of the zone.</summary>
    public List<ZoneRecord> ZoneRecords(string zone) =>
        blocks.Find(Query.EQ("z", zone)).SelectMany(doc => NameBlock.Decode(doc["d"].AsBinary).Records).ToList();

    /// <summary>Every record of all zones.</summary>
    public IEnumerable<ZoneRecord> AllRecords() =>
        blocks.FindAll().ToList().SelectMany(doc => NameBlock.Decode(doc["d"].AsBinary).Records);

    /// <summary>Feeds every block of the zones that have a builder into it (the store's load).</summary>
    public void AddTo(IReadOnlyDictionary<string, ZoneBuilder> builders)
    {
        foreach (var doc in blocks.FindAll())
        {
            if (builders.TryGetValue(doc["z"].AsString, out var builder))
                NameBlock.AddTo(doc["d"].AsBinary, builder);
        }
    }

    public IReadOnlyList<ZoneRecord> ReadName(string zone, byte[] name) =>
        ReadBlock(zone, NameBlock.BlockOf(name, BlockCount(zone))).Get(name);

    private NameBlock ReadBlock(string zone, int index) =>
        NameBlock.Decode(blocks.FindById(BlockId(zone, index)) is { } doc ? doc["d"].AsBinary : null);

    /// <summary>Replaces the records of one name (none: the name goes).</summary>
    public void WriteName(string zone, byte[] name, IReadOnlyList<ZoneRecord> records)
    {
        int count = BlockCount(zone);
        int index = NameBlock.BlockOf(name, count);
        var block = ReadBlock(zone, index);
        block.Set(name, records);
        if (block.Count == 0)
            blocks.Delete(BlockId(zone, index));
        else
            blocks.Upsert(new BsonDocument { ["_id"] = BlockId(zone, index), ["z"] = zone, ["d"] = block.Encode() });
        if (block.Count > MostNamesPerBlock)
            SpreadBlocks(zone, count * 2);
    }

    /// <summary>Drops every block of the zone.</summary>
    public void DeleteZone(string zone) => blocks.DeleteMany(Query.EQ("z", zone));

    /// <summary>Writes a zone's names, new or after <see cref="DeleteZone"/>, over <paramref name="count"/> blocks.</summary>
    public void WriteBlocks(string zone, IEnumerable<(byte[] Name, IReadOnlyList<ZoneRecord> Records)> names, int count)
    {
        var filled = new NameBlock[count];
        foreach (var (name, records) in names)
            (filled[NameBlock.BlockOf(name, count)] ??= new NameBlock()).Set(name, records);
        blocks.InsertBulk(filled.Select((block, i) => (block, i)).Where(b => b.block is not null)
            .Select(b => new BsonDocument { ["_id"] = BlockId(zone, b.i), ["z"] = zone, ["d"] = b.block.Encode() }));
    }

    // Rewrites a zone's names over a new number of blocks.
    private void SpreadBlocks(string zone, int count)
    {
        var names = blocks.Find(Query.EQ("z", zone)).SelectMany(doc => NameBlock.Decode(doc["d"].AsBinary).Names)
            .Select(n => (n.Key, n.Value)).ToList();
        DeleteZone(zone);
        WriteBlocks(zone, names, count);
        var doc = zones.FindById(zone);
        doc["blocks"] = count;
        zones.Update(doc);
    }
}
