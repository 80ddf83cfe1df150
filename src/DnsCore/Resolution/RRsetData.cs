using System.Buffers.Binary;
using MiniDns.Wire;

namespace MiniDns.Resolution;

/// <summary>
/// An RRset the resolver learned from upstream: the owner in lower case, the type, the TTL as kept (after
/// the cache's floor and ceiling), and the records packed as zone data is (<see cref="RecordData"/>), so the
/// response writer writes it the same way. Immutable: receive loops read it while the resolver replaces it.
/// </summary>
public sealed class RRsetData
{
    private RRsetData(byte[] owner, ushort type, uint ttl, byte[] packed, int count)
    {
        Owner = owner;
        Type = type;
        Ttl = ttl;
        Packed = packed;
        Count = count;
    }

    public byte[] Owner { get; }
    public ushort Type { get; }
    public uint Ttl { get; }
    public byte[] Packed { get; }
    public int Count { get; }

    public RecordData Records => new(Packed, Count);

    /// <summary>Bytes this set keeps alive, for the cache's bound: the arrays and the objects around them.</summary>
    public int Size => Owner.Length + Packed.Length + 96;

    /// <summary>The first record's data, as memory (a CNAME's target, an SOA).</summary>
    public ReadOnlyMemory<byte> First => Packed.AsMemory(2, BinaryPrimitives.ReadUInt16BigEndian(Packed));

    /// <summary>Packs records (uncompressed wire data, duplicates dropped, RFC 2181 5) under a lower-cased owner.</summary>
    public static RRsetData Create(ReadOnlySpan<byte> owner, ushort type, uint ttl, IEnumerable<byte[]> records)
    {
        var distinct = new List<byte[]>();
        foreach (var data in records)
        {
            if (data.Length <= ushort.MaxValue && !distinct.Any(d => d.AsSpan().SequenceEqual(data)))
                distinct.Add(data);
        }
        var packed = new byte[distinct.Sum(d => 2 + d.Length)];
        int at = 0;
        foreach (var data in distinct)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packed.AsSpan(at), (ushort)data.Length);
            data.CopyTo(packed, at + 2);
            at += 2 + data.Length;
        }
        return new RRsetData(DnsName.ToLowerCopy(owner), type, ttl, packed, distinct.Count);
    }

    /// <summary>The same set with another TTL.</summary>
    public RRsetData WithTtl(uint ttl) => ttl == Ttl ? this : new RRsetData(Owner, Type, ttl, Packed, Count);

    public override string ToString() => $"{NameText.Format(Owner)} {Ttl} {RecordType.ToText(Type)} ({Count})";
}
