using System.Runtime.CompilerServices;
using MiniDns.Zones;

namespace MiniDns.Transfer;

/// <summary>
/// A zone's nodes in canonical DNS order (RFC 4034 6.1: by labels from the root down, the apex first), the
/// order AXFR sends them in, as NSD does. Any order is a valid transfer, but a secondary inserts names into
/// its tree: in hash order each insert lands somewhere new, and Knot took 3.5 times as long over 200,000
/// names as from NSD. Made once per zone version, on its first transfer, and kept as long as the zone is.
/// </summary>
public static class CanonicalOrder
{
    private static readonly ConditionalWeakTable<Zone, int[]> Orders = [];

    public static IEnumerable<ZoneNode> Nodes(Zone zone)
    {
        var order = Orders.GetValue(zone, Sort);
        foreach (int node in order)
            yield return new ZoneNode(zone, node);
    }

    private static int[] Sort(Zone zone)
    {
        // Each name as a key that compares as canonical order does: its labels below the origin from the last
        // to the first, each followed by a 0 (a label holding a 0 byte may sort a little out of place, harmlessly).
        var nodes = zone.Nodes.ToArray();
        var offsets = new int[nodes.Length + 1];
        var keys = new byte[zone.NameBytes];
        Span<int> starts = stackalloc int[128];
        int written = 0;
        for (int n = 0; n < nodes.Length; n++)
        {
            offsets[n] = written;
            var name = nodes[n].Name.Span;
            int labels = 0;
            for (int p = 0; name[p] != 0; p += 1 + name[p])
                starts[labels++] = p;
            for (int l = labels - zone.OriginLabels - 1; l >= 0; l--)
            {
                var label = name.Slice(starts[l] + 1, name[starts[l]]);
                foreach (byte b in label)
                    keys[written++] = Wire.DnsName.LowerAscii(b);
                keys[written++] = 0;
            }
        }
        offsets[nodes.Length] = written;
        var order = new int[nodes.Length];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        Array.Sort(order, (a, b) => keys.AsSpan(offsets[a], offsets[a + 1] - offsets[a]).SequenceCompareTo(keys.AsSpan(offsets[b], offsets[b + 1] - offsets[b])));
        return order;
    }
}
