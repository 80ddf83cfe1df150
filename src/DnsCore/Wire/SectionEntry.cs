namespace MiniDns.Wire;

/// <summary>
/// One RRset to write in a response section: the owner to write (a stored name, or a query name for
/// wildcard and DNAME synthesis) and the record data (stored, or one synthesized record).
/// </summary>
public readonly struct SectionEntry(ReadOnlyMemory<byte> owner, ushort type, uint ttl, RecordData records)
{
    public ReadOnlyMemory<byte> Owner { get; } = owner;
    public ushort Type { get; } = type;
    public uint Ttl { get; } = ttl;
    public RecordData Records { get; } = records;
}
