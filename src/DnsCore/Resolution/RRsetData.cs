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
    // The owner, then the records packed: one array per set, since the cache holds a set for each name it knows.
    private readonly byte[] _bytes;
    private readonly byte _ownerLength;

    private RRsetData(byte[] bytes, int ownerLength, ushort type, uint ttl, int count)
    {
        _bytes = bytes;
        _ownerLength = (byte)ownerLength;
        Type = type;
        Ttl = ttl;
        Count = count;
    }

    public ReadOnlyMemory<byte> Owner => _bytes.AsMemory(0, _ownerLength);
    public ushort Type { get; }
    public uint Ttl { get; }
    public int Count { get; }

    public RecordData Records => new(_bytes.AsMemory(_ownerLength), Count);

    /// <summary>Bytes this set keeps alive, for the cache's bound: the array and the object, with their headers.</summary>
    public int Size => _bytes.Length + 64;

    /// <summary>The first record's data, as memory (a CNAME's target, an SOA).</summary>
    public ReadOnlyMemory<byte> First => _bytes.AsMemory(_ownerLength + 2, BinaryPrimitives.ReadUInt16BigEndian(_bytes.AsSpan(_ownerLength)));

    /// <summary>Packs records (uncompressed wire data, duplicates dropped, RFC 2181 5) under a lower-cased owner.</summary>
    public static RRsetData Create(ReadOnlySpan<byte> owner, ushort type, uint ttl, IEnumerable<byte[]> records)
    {
        if (owner.Length > DnsName.MaxLength)
            throw new ArgumentException("an owner name is at most 255 bytes", nameof(owner));
        var distinct = new List<byte[]>();
        foreach (var data in records)
        {
            if (data.Length <= ushort.MaxValue && !distinct.Any(d => d.AsSpan().SequenceEqual(data)))
                distinct.Add(data);
        }
        var bytes = new byte[owner.Length + distinct.Sum(d => 2 + d.Length)];
        owner.CopyTo(bytes);
        DnsName.ToLower(bytes.AsSpan(0, owner.Length));
        int at = owner.Length;
        foreach (var data in distinct)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), (ushort)data.Length);
            data.CopyTo(bytes, at + 2);
            at += 2 + data.Length;
        }
        return new RRsetData(bytes, owner.Length, type, ttl, distinct.Count);
    }

    /// <summary>The same set with another TTL.</summary>
    public RRsetData WithTtl(uint ttl) => ttl == Ttl ? this : new RRsetData(_bytes, _ownerLength, Type, ttl, Count);

    public override string ToString() => $"{NameText.Format(Owner.Span)} {Ttl} {RecordType.ToText(Type)} ({Count})";
}
