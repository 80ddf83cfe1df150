using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// The records of one owner and type (RFC 2181 5), with what a response needs beside them worked out when
/// the zone is built: the A/AAAA RRsets of in-zone NS, MX and SRV targets. A view into the zone's tables.
/// </summary>
public readonly struct RRset
{
    private readonly Zone _zone;
    private readonly int _index;

    internal RRset(Zone zone, int index) => (_zone, _index) = (zone, index);

    public ReadOnlyMemory<byte> Owner => _zone.NameOf(_zone.SetAt(_index).Node);
    public ushort Type => _zone.SetAt(_index).Type;

    /// <summary>One TTL for the set (RFC 2181 5.2): the smallest of its records'.</summary>
    public uint Ttl => _zone.SetAt(_index).Ttl;

    public RecordData Records => _zone.DataOf(_index);

    public RRsetList Additional => new(_zone, _zone.SetAt(_index).FirstAdditional, _zone.SetAt(_index).AdditionalCount, viaAdditional: true);

    public override string ToString() => $"{NameText.Format(Owner.Span)} {RecordType.ToText(Type)}";
}
