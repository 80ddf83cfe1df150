using System.Buffers.Binary;

namespace MiniDns.Wire;

/// <summary>
/// Writes a DNS message into a caller's buffer, compressing names through a <see cref="NameCompressor"/>.
/// Writing past <see cref="Limit"/> sets <see cref="Overflowed"/> instead of throwing; the caller rolls back
/// to a mark and decides about truncation (RFC 2181 9).
/// </summary>
public ref struct MessageWriter
{
    private readonly Span<byte> _buffer;
    private readonly NameCompressor _compressor;

    public MessageWriter(Span<byte> buffer, int limit, NameCompressor compressor)
    {
        _buffer = buffer;
        _limit = Math.Min(limit, buffer.Length);
        _compressor = compressor;
        compressor.Reset();
    }

    public int Position { get; private set; }
    private int _limit;

    /// <summary>The size the message may reach; never more than the buffer.</summary>
    public int Limit
    {
        readonly get => _limit;
        set => _limit = Math.Min(value, _buffer.Length);
    }
    public bool Overflowed { get; private set; }
    public readonly Span<byte> Written => _buffer[..Position];

    /// <summary>Returns to an earlier position, forgetting what was written after it.</summary>
    public void RollBack(int position)
    {
        Position = position;
        Overflowed = false;
        _compressor.Truncate(position);
    }

    private bool Reserve(int count)
    {
        if (Overflowed || Position + count > Limit)
        {
            Overflowed = true;
            return false;
        }
        return true;
    }

    public void WriteU8(byte value)
    {
        if (Reserve(1))
            _buffer[Position++] = value;
    }

    public void WriteU16(ushort value)
    {
        if (!Reserve(2))
            return;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[Position..], value);
        Position += 2;
    }

    public void WriteU32(uint value)
    {
        if (!Reserve(4))
            return;
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[Position..], value);
        Position += 4;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (!Reserve(bytes.Length))
            return;
        bytes.CopyTo(_buffer[Position..]);
        Position += bytes.Length;
    }

    public readonly void PatchU16(int position, ushort value) =>
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[position..], value);

    /// <summary>Registers a name already in the buffer (the echoed question) as a compression target.</summary>
    public readonly void RememberName(int offset, ReadOnlySpan<byte> name)
    {
        Span<int> hashes = stackalloc int[128];
        Span<byte> starts = stackalloc byte[128];
        int labels = HashSuffixes(name, starts, hashes);
        RegisterLabels(offset, starts, hashes, labels);
    }

    /// <summary>Writes an uncompressed wire name, pointing to an earlier copy of its longest known suffix.</summary>
    public void WriteName(ReadOnlySpan<byte> name, bool compress)
    {
        if (!compress)
        {
            WriteBytes(name);
            return;
        }
        Span<int> hashes = stackalloc int[128];
        Span<byte> starts = stackalloc byte[128];
        int labels = HashSuffixes(name, starts, hashes);
        for (int i = 0; i < labels; i++)
        {
            int found = _compressor.Find(_buffer[..Position], name[starts[i]..], hashes[i]);
            if (found < 0)
                continue;
            int start = Position;
            WriteBytes(name[..starts[i]]);
            WriteU16((ushort)(0xC000 | found));
            if (!Overflowed)
                RegisterLabels(start, starts, hashes, i);
            return;
        }
        int whole = Position;
        WriteBytes(name);
        if (!Overflowed)
            RegisterLabels(whole, starts, hashes, labels);
    }

    private readonly void RegisterLabels(int offset, ReadOnlySpan<byte> starts, ReadOnlySpan<int> hashes, int count)
    {
        for (int i = 0; i < count; i++)
            _compressor.Add(hashes[i], offset + starts[i]);
    }

    /// <summary>Finds each label's offset and the hash of the suffix it starts; returns the label count.</summary>
    private static int HashSuffixes(ReadOnlySpan<byte> name, Span<byte> starts, Span<int> hashes)
    {
        int labels = 0, p = 0;
        while (name[p] != 0)
        {
            starts[labels++] = (byte)p;
            p += 1 + name[p];
        }
        int hash = 0;
        for (int i = labels - 1; i >= 0; i--)
        {
            hash = NameCompressor.HashLabel(name.Slice(starts[i] + 1, name[starts[i]]), hash);
            hashes[i] = hash;
        }
        return labels;
    }
}
