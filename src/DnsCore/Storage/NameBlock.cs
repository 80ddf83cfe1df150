using System.Buffers.Binary;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// The names of one zone that hash to one block, stored as one binary value: for each name in wire order,
/// the lowercase wire name, a 16-bit record count, then per record type (16 bits), TTL (32), data length
/// (16) and data. A few dozen names per block keep the store small and a load to a few thousand documents,
/// while an edit still rewrites only a few kilobytes.
/// </summary>
internal sealed class NameBlock
{
    private readonly SortedDictionary<byte[], IReadOnlyList<ZoneRecord>> _names = new(WireOrder.Instance);

    public int Count => _names.Count;

    public IEnumerable<KeyValuePair<byte[], IReadOnlyList<ZoneRecord>>> Names => _names;

    public IEnumerable<ZoneRecord> Records => _names.Values.SelectMany(r => r);

    public IReadOnlyList<ZoneRecord> Get(byte[] name) => _names.TryGetValue(name, out var records) ? records : [];

    /// <summary>Replaces a name's records; an empty list removes the name.</summary>
    public void Set(byte[] name, IReadOnlyList<ZoneRecord> records)
    {
        if (records.Count == 0)
            _names.Remove(name);
        else
            _names[name] = records;
    }

    /// <summary>The stable hash that places a lowercase wire name in one of <paramref name="blocks"/> (a power of two).</summary>
    public static int BlockOf(ReadOnlySpan<byte> name, int blocks)
    {
        uint hash = 2166136261; // FNV-1a: the same in every process and every version, unlike string hashes
        foreach (byte b in name)
            hash = (hash ^ b) * 16777619;
        return (int)(hash & (uint)(blocks - 1));
    }

    public byte[] Encode()
    {
        int size = 0;
        foreach (var (name, records) in _names)
        {
            if (records.Count > ushort.MaxValue)
                throw new ZoneStoreException($"{NameText.Format(name)} would have more than {ushort.MaxValue} records");
            size += name.Length + 2 + records.Sum(r => 8 + r.Data.Length);
        }
        var blob = new byte[size];
        int p = 0;
        foreach (var (name, records) in _names)
        {
            name.CopyTo(blob, p);
            p += name.Length;
            BinaryPrimitives.WriteUInt16BigEndian(blob.AsSpan(p), (ushort)records.Count);
            p += 2;
            foreach (var record in records)
            {
                BinaryPrimitives.WriteUInt16BigEndian(blob.AsSpan(p), record.Type);
                BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(p + 2), record.Ttl);
                BinaryPrimitives.WriteUInt16BigEndian(blob.AsSpan(p + 6), (ushort)record.Data.Length);
                record.Data.CopyTo(blob, p + 8);
                p += 8 + record.Data.Length;
            }
        }
        return blob;
    }

    public static NameBlock Decode(byte[]? blob)
    {
        var block = new NameBlock();
        if (blob is null)
            return block;
        var reader = new Reader(blob);
        byte[] name = [];
        List<ZoneRecord> records = [];
        while (reader.MoveNext())
        {
            if (reader.NameChanged)
            {
                name = reader.Name.ToArray();
                block._names[name] = records = [];
            }
            records.Add(new ZoneRecord(name, reader.Type, reader.Ttl, reader.Data.ToArray()));
        }
        return block;
    }

    /// <summary>Feeds every record of a block to a zone builder, with no object per record.</summary>
    public static void AddTo(byte[] blob, ZoneBuilder builder)
    {
        var reader = new Reader(blob);
        while (reader.MoveNext())
            builder.Add(reader.Name, reader.Type, reader.Ttl, reader.Data);
    }

    /// <summary>Walks a block record by record, checking every length against the block.</summary>
    private ref struct Reader(byte[] blob)
    {
        private int _next;
        private int _left; // records of the current name still to read

        public ReadOnlySpan<byte> Name { get; private set; }
        public bool NameChanged { get; private set; }
        public ushort Type { get; private set; }
        public uint Ttl { get; private set; }
        public ReadOnlySpan<byte> Data { get; private set; }

        public bool MoveNext()
        {
            NameChanged = false;
            while (_left == 0)
            {
                if (_next >= blob.Length)
                    return false;
                int length = NameLength(blob, _next);
                Name = blob.AsSpan(_next, length);
                _left = ReadU16(blob, _next + length);
                _next += length + 2;
                NameChanged = true;
            }
            if (_next + 8 > blob.Length)
                throw Damaged();
            Type = ReadU16(blob, _next);
            Ttl = BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(_next + 2));
            int dataLength = ReadU16(blob, _next + 6);
            if (_next + 8 + dataLength > blob.Length)
                throw Damaged();
            Data = blob.AsSpan(_next + 8, dataLength);
            _next += 8 + dataLength;
            _left--;
            return true;
        }
    }

    // An uncompressed lowercase name of at most 255 bytes that ends inside the block.
    private static int NameLength(byte[] blob, int start)
    {
        int p = start;
        while (p < blob.Length && blob[p] != 0)
        {
            if (blob[p] > 63)
                throw Damaged();
            p += 1 + blob[p];
        }
        if (p >= blob.Length || p + 1 - start > DnsName.MaxLength)
            throw Damaged();
        return p + 1 - start;
    }

    private static ushort ReadU16(byte[] blob, int p) =>
        p + 2 <= blob.Length ? BinaryPrimitives.ReadUInt16BigEndian(blob.AsSpan(p)) : throw Damaged();

    // The store's guard turns this into "PATH is not a readable MiniDns store: ...".
    private static InvalidDataException Damaged() => new("a block of names is damaged");

    /// <summary>Plain byte order of wire names: a fixed order so the same content always encodes to the same bytes.</summary>
    private sealed class WireOrder : IComparer<byte[]>
    {
        public static readonly WireOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
