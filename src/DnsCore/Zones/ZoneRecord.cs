using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>One resource record of class IN: lowercased owner and data in uncompressed wire form.</summary>
public sealed record ZoneRecord(byte[] Owner, ushort Type, uint Ttl, byte[] Data)
{
    /// <summary>Where the record was read ("file:line"), for error messages; not part of its identity.</summary>
    public string? Source { get; init; }

    public string OwnerText => NameText.Format(Owner);
    public string TypeText => RecordType.ToText(Type);
    public string DataText => RdataText.Format(Type, Data);

    public override string ToString() => $"{OwnerText} {Ttl} IN {TypeText} {DataText}";

    public bool Equals(ZoneRecord? other) => other is not null && Type == other.Type && Ttl == other.Ttl
        && Owner.AsSpan().SequenceEqual(other.Owner) && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(NameComparer.Instance.GetHashCode(Owner), Type, Ttl, Data.Length);
}
