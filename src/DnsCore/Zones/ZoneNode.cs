using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// A name that exists in a zone: with RRsets, or an empty non-terminal (RFC 8020: it exists, so it answers
/// NODATA, never NXDOMAIN). Cut, DNAME and wildcard facts are found once, at build time.
/// </summary>
public sealed class ZoneNode(byte[] name, RRset[] sets)
{
    public byte[] Name { get; } = name;
    public RRset[] Sets { get; } = sets;

    /// <summary>The NS RRset when this node is a zone cut (NS below the apex), else null.</summary>
    public RRset? Delegation { get; internal set; }
    public RRset? Dname { get; internal set; }

    /// <summary>The node "*." + this name, the source of synthesis below it (RFC 4592 2.1.1).</summary>
    public ZoneNode? Wildcard { get; internal set; }

    public RRset? Find(ushort type)
    {
        foreach (var set in Sets)
        {
            if (set.Type == type)
                return set;
        }
        return null;
    }

    public override string ToString() => NameText.Format(Name);
}
