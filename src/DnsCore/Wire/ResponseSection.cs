namespace MiniDns.Wire;

/// <summary>A reusable list of the RRsets planned for one response section.</summary>
public sealed class ResponseSection
{
    private SectionEntry[] _entries = new SectionEntry[8];

    public int Count { get; private set; }

    public ref readonly SectionEntry this[int index] => ref _entries[index];

    public void Clear() => Count = 0;

    public void Add(in SectionEntry entry)
    {
        if (Count == _entries.Length)
            Array.Resize(ref _entries, Count * 2);
        _entries[Count++] = entry;
    }

    /// <summary>True when this stored RRset is already planned under the same owner (stops CNAME loops and repeats).</summary>
    public bool Contains(RecordData records, ReadOnlySpan<byte> owner)
    {
        for (int i = 0; i < Count; i++)
        {
            if (_entries[i].Records.IsSameAs(records) && DnsName.EqualsIgnoreCase(_entries[i].Owner.Span, owner))
                return true;
        }
        return false;
    }

    public bool Contains(RecordData records)
    {
        for (int i = 0; i < Count; i++)
        {
            if (_entries[i].Records.IsSameAs(records))
                return true;
        }
        return false;
    }
}
