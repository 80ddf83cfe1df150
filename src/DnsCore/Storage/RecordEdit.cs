namespace MiniDns.Storage;

/// <summary>What a <see cref="RecordEdit"/> does to a name's records.</summary>
public enum RecordEditKind
{
    /// <summary>Add one record (Type and one Data).</summary>
    Add,
    /// <summary>Remove the name's records, those of Type, or the one with Data.</summary>
    Remove,
    /// <summary>Replace the RRset of Type with the records of Data.</summary>
    Set,
}

/// <summary>One record edit of <see cref="ZoneStore.Apply"/>; <see cref="Source"/> ("file:line") names it in a refusal.</summary>
public sealed record RecordEdit(RecordEditKind Kind, byte[] Owner, ushort? Type, IReadOnlyList<byte[]> Data, uint? Ttl, string? Source = null)
{
    public static RecordEdit Add(byte[] owner, ushort type, byte[] data, uint? ttl, string? source = null) =>
        new(RecordEditKind.Add, owner, type, [data], ttl, source);

    public static RecordEdit Remove(byte[] owner, ushort? type, byte[]? data, string? source = null) =>
        new(RecordEditKind.Remove, owner, type, data is null ? [] : [data], null, source);

    public static RecordEdit Set(byte[] owner, ushort type, IReadOnlyList<byte[]> data, uint? ttl, string? source = null) =>
        new(RecordEditKind.Set, owner, type, data, ttl, source);
}
