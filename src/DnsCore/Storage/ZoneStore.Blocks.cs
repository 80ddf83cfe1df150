using System.Numerics;
using LiteDB;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// Names and their records in blocks (<see cref="NameBlock"/>): a zone's names are spread over a power of
/// two of blocks by a stable hash, and the zone's document says how many.
/// </summary>
public sealed partial class ZoneStore
{
    // A zone starts with about this many names per block; an edit that takes a block past the most doubles
    // the zone's blocks, so a zone grown one record at a time keeps small blocks too.
    private const int NamesPerBlock = 64;
    private const int MostNamesPerBlock = 256;

    private static int BlockCountFor(int names) =>
        (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, (names + NamesPerBlock - 1) / NamesPerBlock));

    // A parent zone and a child zone it delegates to both hold names at and below the cut (the child's
    // apex, glue): a block belongs to one zone.
    private static string BlockId(string zone, int block) => $"{zone} {block}";

    private int BlockCount(string zone)
    {
        var doc = _zones.FindById(zone) ?? throw new ZoneStoreException($"zone {zone} is not in the store");
        int count = doc["blocks"].AsInt32;
        // A damaged count would send names to blocks where nobody finds them again.
        return count > 0 && BitOperations.IsPow2(count) ? count : throw new InvalidDataException($"zone {zone} has a bad block count");
    }

    private List<ZoneRecord> ZoneRecords(string zone) =>
        _blocks.Find(Query.EQ("z", zone)).SelectMany(doc => NameBlock.Decode(doc["d"].AsBinary).Records).ToList();

    private IReadOnlyList<ZoneRecord> ReadName(string zone, byte[] name) =>
        ReadBlock(zone, NameBlock.BlockOf(name, BlockCount(zone))).Get(name);

    private NameBlock ReadBlock(string zone, int index) =>
        NameBlock.Decode(_blocks.FindById(BlockId(zone, index)) is { } doc ? doc["d"].AsBinary : null);

    /// <summary>Replaces the records of one name (none: the name goes) inside a write transaction.</summary>
    private void WriteName(string zone, byte[] name, IReadOnlyList<ZoneRecord> records)
    {
        int count = BlockCount(zone);
        int index = NameBlock.BlockOf(name, count);
        var block = ReadBlock(zone, index);
        block.Set(name, records);
        if (block.Count == 0)
            _blocks.Delete(BlockId(zone, index));
        else
            _blocks.Upsert(new BsonDocument { ["_id"] = BlockId(zone, index), ["z"] = zone, ["d"] = block.Encode() });
        if (block.Count > MostNamesPerBlock)
            SpreadBlocks(zone, count * 2);
    }

    private void WriteBlocks(string zone, IEnumerable<(byte[] Name, IReadOnlyList<ZoneRecord> Records)> names, int count)
    {
        var blocks = new NameBlock[count];
        foreach (var (name, records) in names)
            (blocks[NameBlock.BlockOf(name, count)] ??= new NameBlock()).Set(name, records);
        _blocks.InsertBulk(blocks.Select((block, i) => (block, i)).Where(b => b.block is not null)
            .Select(b => new BsonDocument { ["_id"] = BlockId(zone, b.i), ["z"] = zone, ["d"] = b.block.Encode() }));
    }

    // Rewrites a zone's names over a new number of blocks.
    private void SpreadBlocks(string zone, int count)
    {
        var names = _blocks.Find(Query.EQ("z", zone)).SelectMany(doc => NameBlock.Decode(doc["d"].AsBinary).Names)
            .Select(n => (n.Key, n.Value)).ToList();
        _blocks.DeleteMany(Query.EQ("z", zone));
        WriteBlocks(zone, names, count);
        var doc = _zones.FindById(zone);
        doc["blocks"] = count;
        _zones.Update(doc);
    }
}
