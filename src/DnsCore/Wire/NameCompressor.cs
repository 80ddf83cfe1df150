namespace MiniDns.Wire;

/// <summary>
/// Remembers where name suffixes were written in a message so later names can point to them
/// (RFC 1035 4.1.4). Entries hold a case-insensitive hash of the suffix and its offset; a hash hit is
/// confirmed against the message bytes. A response to a query holds a few dozen suffixes, scanned in full;
/// past <see cref="ScanLimit"/> (a transfer message holds thousands, and scanning them per name was most of
/// a transfer's time) they are found through an open-addressing table on the hash, built then. Reused
/// across messages: <see cref="Reset"/> clears it.
/// </summary>
public sealed class NameCompressor
{
    /// <summary>Suffixes a response to a query keeps; past them, names are written whole.</summary>
    public const int QueryCapacity = 256;

    // Up to this many suffixes a scan is cheaper than the table (BenchmarkDotNet: with the table from the
    // first suffix, writing a cached answer took 153 ns instead of 111).
    private const int ScanLimit = 32;

    private const int MaxPointerTarget = 0x3FFF;
    private readonly int _capacity;
    private readonly int[] _hashes;
    private readonly ushort[] _offsets;
    // Once in use: each entry's slot in the table, which holds entry index + 1, 0 for an empty slot. Entries
    // are removed only newest first (Truncate, Reset), which leaves linear probing's chains as they were.
    private readonly int[] _slots;
    private readonly int[] _table;
    private readonly int _mask;
    private bool _tabled;
    private int _count;

    public NameCompressor(int capacity = QueryCapacity)
    {
        _capacity = capacity;
        _hashes = new int[capacity];
        _offsets = new ushort[capacity];
        _slots = new int[capacity];
        _table = new int[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, ScanLimit) * 2)];
        _mask = _table.Length - 1;
    }

    public void Reset()
    {
        if (_tabled)
        {
            for (int i = 0; i < _count; i++)
                _table[_slots[i]] = 0;
            _tabled = false;
        }
        _count = 0;
    }

    /// <summary>Forgets every suffix written at or after <paramref name="position"/> (the writer rolled back).</summary>
    public void Truncate(int position)
    {
        while (_count > 0 && _offsets[_count - 1] >= position)
        {
            _count--;
            if (_tabled)
                _table[_slots[_count]] = 0;
        }
    }

    public void Add(int hash, int offset)
    {
        if (_count >= _capacity || offset > MaxPointerTarget)
            return;
        _hashes[_count] = hash;
        _offsets[_count] = (ushort)offset;
        _count++;
        if (_tabled)
            Place(_count - 1);
        else if (_count == ScanLimit)
        {
            for (int i = 0; i < _count; i++)
                Place(i);
            _tabled = true;
        }
    }

    private void Place(int entry)
    {
        int slot = _hashes[entry] & _mask;
        while (_table[slot] != 0)
            slot = (slot + 1) & _mask;
        _table[slot] = entry + 1;
        _slots[entry] = slot;
    }

    /// <summary>Offset of an earlier occurrence of <paramref name="suffix"/> in <paramref name="message"/>, or -1.</summary>
    public int Find(ReadOnlySpan<byte> message, ReadOnlySpan<byte> suffix, int hash)
    {
        if (!_tabled)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_hashes[i] == hash && MatchesAt(message, _offsets[i], suffix))
                    return _offsets[i];
            }
            return -1;
        }
        for (int slot = hash & _mask; _table[slot] != 0; slot = (slot + 1) & _mask)
        {
            int i = _table[slot] - 1;
            if (_hashes[i] == hash && MatchesAt(message, _offsets[i], suffix))
                return _offsets[i];
        }
        return -1;
    }

    /// <summary>Hash of a suffix from the hash of the suffix after its first label (names hash from the root up).</summary>
    public static int HashLabel(ReadOnlySpan<byte> label, int hashOfRest)
    {
        uint h = (uint)hashOfRest ^ 2166136261u;
        foreach (byte b in label)
            h = (h ^ DnsName.LowerAscii(b)) * 16777619u;
        return (int)(h ^ (uint)label.Length);
    }

    // The message was written by us, so its pointers are sound; the walk is still bounded by the name length.
    private static bool MatchesAt(ReadOnlySpan<byte> message, int offset, ReadOnlySpan<byte> suffix)
    {
        int p = offset, s = 0;
        for (int hops = 0; hops < DnsName.MaxLength; hops++)
        {
            byte b = message[p];
            if ((b & 0xC0) == 0xC0)
            {
                p = ((b & 0x3F) << 8) | message[p + 1];
                continue;
            }
            if (b != suffix[s])
                return false;
            if (b == 0)
                return true;
            for (int i = 1; i <= b; i++)
            {
                if (DnsName.LowerAscii(message[p + i]) != DnsName.LowerAscii(suffix[s + i]))
                    return false;
            }
            p += 1 + b;
            s += 1 + b;
        }
        return false;
    }
}
