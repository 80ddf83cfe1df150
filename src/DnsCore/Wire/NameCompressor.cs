namespace MiniDns.Wire;

/// <summary>
/// Remembers where name suffixes were written in a message so later names can point to them
/// (RFC 1035 4.1.4). Entries hold a case-insensitive hash of the suffix and its offset, found through an
/// open-addressing table on the hash (a transfer message holds thousands of suffixes, and a scan of them
/// per name cost most of a transfer's time); a hash hit is confirmed against the message bytes. Reused
/// across messages: <see cref="Reset"/> clears it.
/// </summary>
public sealed class NameCompressor
{
    /// <summary>Suffixes a response to a query keeps; past them, names are written whole.</summary>
    public const int QueryCapacity = 256;

    private const int MaxPointerTarget = 0x3FFF;
    private readonly int _capacity;
    private readonly int[] _hashes;
    private readonly ushort[] _offsets;
    // Each entry's slot in the table; the table holds entry index + 1, 0 for an empty slot. Entries are
    // removed only newest first (Truncate, Reset), which leaves linear probing's chains as they were.
    private readonly int[] _slots;
    private readonly int[] _table;
    private readonly int _mask;
    private int _count;

    public NameCompressor(int capacity = QueryCapacity)
    {
        _capacity = capacity;
        _hashes = new int[capacity];
        _offsets = new ushort[capacity];
        _slots = new int[capacity];
        _table = new int[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity * 2)];
        _mask = _table.Length - 1;
    }

    public void Reset()
    {
        for (int i = 0; i < _count; i++)
            _table[_slots[i]] = 0;
        _count = 0;
    }

    /// <summary>Forgets every suffix written at or after <paramref name="position"/> (the writer rolled back).</summary>
    public void Truncate(int position)
    {
        while (_count > 0 && _offsets[_count - 1] >= position)
            _table[_slots[--_count]] = 0;
    }

    public void Add(int hash, int offset)
    {
        if (_count >= _capacity || offset > MaxPointerTarget)
            return;
        int slot = hash & _mask;
        while (_table[slot] != 0)
            slot = (slot + 1) & _mask;
        _table[slot] = _count + 1;
        _slots[_count] = slot;
        _hashes[_count] = hash;
        _offsets[_count] = (ushort)offset;
        _count++;
    }

    /// <summary>Offset of an earlier occurrence of <paramref name="suffix"/> in <paramref name="message"/>, or -1.</summary>
    public int Find(ReadOnlySpan<byte> message, ReadOnlySpan<byte> suffix, int hash)
    {
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
