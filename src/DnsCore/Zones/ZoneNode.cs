using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// A name that exists in a zone: with RRsets, or an empty non-terminal (RFC 8020: it exists, so it answers
/// NODATA, never NXDOMAIN). A view into the zone's tables.
/// </summary>
public readonly struct ZoneNode
{
    private readonly Zone _zone;
    private readonly int _index;

    internal ZoneNode(Zone zone, int index) => (_zone, _index) = (zone, index);

    public ReadOnlyMemory<byte> Name => _zone.NameOf(_index);

    public RRsetList Sets => new(_zone, _zone.NodeAt(_index).FirstSet, _zone.NodeAt(_index).SetCount, viaAdditional: false);

    /// <summary>The NS RRset when this node is a zone cut (NS below the apex), else null.</summary>
    public RRset? Delegation => _zone.NodeAt(_index).NameLength != _zone.Origin.Length && TryFind(RecordType.NS, out var ns) ? ns : null;

    /// <summary>True when a zone cut lies between the apex and this node (this node not counted): it is occluded.</summary>
    public bool IsBelowCut => (_zone.NodeAt(_index).Flags & NodeRow.BelowCut) != 0;

    public RRset? Dname => TryFind(RecordType.DNAME, out var dname) ? dname : null;

    /// <summary>The node "*." + this name, the source of synthesis below it (RFC 4592 2.1.1).</summary>
    public ZoneNode? Wildcard => _zone.NodeAt(_index).Wildcard is var w and >= 0 ? new ZoneNode(_zone, w) : null;

    public RRset? Find(ushort type) => TryFind(type, out var set) ? set : null;

    public bool TryFind(ushort type, out RRset set)
    {
        ref readonly var row = ref _zone.NodeAt(_index);
        for (int i = row.FirstSet; i < row.FirstSet + row.SetCount; i++)
        {
            if (_zone.SetAt(i).Type == type)
            {
                set = new RRset(_zone, i);
                return true;
            }
        }
        set = default;
        return false;
    }

    public override string ToString() => NameText.Format(Name.Span);
}
