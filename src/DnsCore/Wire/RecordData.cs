using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MiniDns.Wire;

/// <summary>
/// The record data of one RRset, packed as a 16-bit length and the uncompressed wire data per record, in
/// a slice of a zone's shared byte array (or of a response plan's scratch buffer for a synthesized record).
/// A view: copying it copies two references and two numbers, never the data.
/// </summary>
public readonly struct RecordData(ReadOnlyMemory<byte> packed, int count)
{
    public ReadOnlyMemory<byte> Packed { get; } = packed;
    public int Count { get; } = count;

    /// <summary>The data of record <paramref name="index"/> (a walk over the ones before it; sets are small).</summary>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            var e = GetEnumerator();
            for (int i = 0; i <= index; i++)
            {
                if (!e.MoveNext())
                    throw new ArgumentOutOfRangeException(nameof(index));
            }
            return e.Current;
        }
    }

    /// <summary>True when both are the same stored data (not merely equal bytes): how a plan recognises a set it holds.</summary>
    public bool IsSameAs(RecordData other) =>
        Packed.Length == other.Packed.Length && Count == other.Count
        && Unsafe.AreSame(ref MemoryMarshal.GetReference(Packed.Span), ref MemoryMarshal.GetReference(other.Packed.Span));

    /// <summary>Copies of every record's data, for code off the query path.</summary>
    public byte[][] ToArrays()
    {
        var arrays = new byte[Count][];
        int i = 0;
        foreach (var data in this)
            arrays[i++] = data.ToArray();
        return arrays;
    }

    public Enumerator GetEnumerator() => new(Packed.Span);

    public ref struct Enumerator(ReadOnlySpan<byte> packed)
    {
        private readonly ReadOnlySpan<byte> _packed = packed;
        private int _next;

        public ReadOnlySpan<byte> Current { get; private set; }

        public bool MoveNext()
        {
            if (_next + 2 > _packed.Length)
                return false;
            int length = BinaryPrimitives.ReadUInt16BigEndian(_packed[_next..]);
            Current = _packed.Slice(_next + 2, length);
            _next += 2 + length;
            return true;
        }
    }
}
