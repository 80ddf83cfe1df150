namespace MiniDns.Wire;

/// <summary>
/// One RRset to write in a response section: the owner to write (a stored name, or a query name for
/// wildcard and DNAME synthesis) and either a stored set of record data or one synthesized record.
/// </summary>
public readonly struct SectionEntry(ReadOnlyMemory<byte> owner, ushort type, uint ttl, byte[][]? records, ReadOnlyMemory<byte> single)
{
    public ReadOnlyMemory<byte> Owner { get; } = owner;
    public ushort Type { get; } = type;
    public uint Ttl { get; } = ttl;

    /// <summary>The stored record data of an RRset; null for a synthesized record.</summary>
    public byte[][]? Records { get; } = records;

    /// <summary>The data of the one synthesized record when <see cref="Records"/> is null.</summary>
    public ReadOnlyMemory<byte> Single { get; } = single;
}
