using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// A new zone from an old one and the new records of a few names, equal to what <see cref="ZoneBuilder"/>
/// would build from scratch, at a fraction of the work: the node table is copied (one array copy) and only
/// the nodes an edit reaches are made anew — the changed names, empty non-terminals that appear or go,
/// parents whose wildcard child changed, and NS/MX/SRV sets whose additional addresses changed. The old
/// zone is never touched, so readers of the old snapshot see it whole.
/// </summary>
public static class ZonePatcher
{
    public static Zone Apply(Zone zone, IReadOnlyDictionary<byte[], IReadOnlyList<ZoneRecord>> changes)
    {
        var origin = zone.Origin;
        var nodes = new Dictionary<byte[], ZoneNode>(zone.NodeTable, NameComparer.Instance);
        var lookup = nodes.GetAlternateLookup<ReadOnlySpan<byte>>();
        var fresh = new HashSet<byte[]>(NameComparer.Instance);  // nodes made by this patch: annotate them
        var emptied = new HashSet<byte[]>(NameComparer.Instance); // empty now: keep only if something is below
        int count = zone.RecordCount;

        foreach (var (rawName, records) in changes)
        {
            var name = DnsName.ToLowerCopy(rawName);
            if (!DnsName.IsSubdomainOf(name, origin))
                throw new ZoneDataException([$"{NameText.Format(name)} is outside zone {NameText.Format(origin)}"]);
            if (nodes.TryGetValue(name, out var old))
                count -= old.Sets.Sum(s => s.Records.Length);
            ZoneNode node;
            if (records.Count == 0)
            {
                node = new ZoneNode(name, []);
                emptied.Add(name);
            }
            else
            {
                var sorted = records.Select(r => r with { Owner = name }).ToArray();
                Array.Sort(sorted, ZoneBuilder.CompareRecords);
                node = ZoneBuilder.BuildNode(sorted, out int added);
                count += added;
            }
            nodes[name] = node;
            fresh.Add(name);
            // Every ancestor exists (RFC 4592 2.2.2): add the missing ones as empty non-terminals.
            for (int p = 1 + name[0]; name.Length - p >= origin.Length; p += 1 + name[p])
            {
                var ancestor = name[p..];
                if (!nodes.ContainsKey(ancestor))
                {
                    nodes[ancestor] = new ZoneNode(ancestor, []);
                    fresh.Add(ancestor);
                }
                if (ancestor.Length == origin.Length || nodes[ancestor].Sets.Length > 0)
                    break;
                emptied.Add(ancestor); // an empty non-terminal above a removed name may have nothing left below
            }
        }

        RemoveEmptyLeaves(nodes, emptied, origin, fresh);

        // A parent's wildcard link changes when its "*" child was made anew or removed.
        foreach (var name in fresh.ToArray())
        {
            if (DnsName.IsWildcard(name) && name.Length > origin.Length)
                Renew(nodes, name[(1 + name[0])..], fresh);
        }
        foreach (var name in emptied)
        {
            if (DnsName.IsWildcard(name) && !nodes.ContainsKey(name))
                Renew(nodes, name[(1 + name[0])..], fresh);
        }

        // NS, MX and SRV sets elsewhere whose targets changed get their additional addresses again.
        var changed = new HashSet<byte[]>(changes.Keys.Select(k => DnsName.ToLowerCopy(k)), NameComparer.Instance);
        var changedLookup = changed.GetAlternateLookup<ReadOnlySpan<byte>>();
        Span<byte> target = stackalloc byte[DnsName.MaxLength];
        foreach (var node in nodes.Values.ToArray())
        {
            if (fresh.Contains(node.Name))
                continue;
            foreach (var set in node.Sets)
            {
                int offset = RecordLayout.TargetNameOffset(set.Type);
                if (offset < 0)
                    continue;
                bool reaches = false;
                foreach (var data in set.Records)
                {
                    var name = data.AsSpan(offset);
                    name.CopyTo(target);
                    DnsName.ToLower(target[..name.Length]);
                    reaches |= changedLookup.Contains(target[..name.Length]);
                }
                if (reaches)
                {
                    Renew(nodes, node.Name, fresh);
                    break;
                }
            }
        }

        foreach (var name in fresh)
        {
            if (!lookup.TryGetValue(name, out var node))
                continue;
            ZoneBuilder.Annotate(node, origin, nodes);
            foreach (var set in node.Sets)
                set.Additional = ZoneBuilder.FindAdditional(set, origin, nodes);
        }

        var apex = nodes[origin];
        var soa = apex.Find(RecordType.SOA);
        if (soa is null || soa.Records.Length != 1)
            throw new ZoneDataException([$"zone {NameText.Format(origin)} must have exactly one SOA record at its apex"]);
        return new Zone(origin, nodes, soa, count);
    }

    // Replaces a shared node by a copy (new RRset objects too, since their additional data may change).
    private static void Renew(Dictionary<byte[], ZoneNode> nodes, byte[] name, HashSet<byte[]> fresh)
    {
        if (fresh.Contains(name) || !nodes.TryGetValue(name, out var old))
            return;
        nodes[old.Name] = new ZoneNode(old.Name, old.Sets.Select(s => new RRset(s.Owner, s.Type, s.Ttl, s.Records)).ToArray());
        fresh.Add(old.Name);
    }

    // Empty nodes with nothing below them do not exist: remove them, deepest first, counting what is below
    // each candidate in one pass over the table.
    private static void RemoveEmptyLeaves(Dictionary<byte[], ZoneNode> nodes, HashSet<byte[]> emptied, byte[] origin, HashSet<byte[]> fresh)
    {
        var candidates = emptied.Where(n => n.Length > origin.Length && nodes.TryGetValue(n, out var node) && node.Sets.Length == 0)
            .ToDictionary(n => n, _ => 0, NameComparer.Instance);
        if (candidates.Count == 0)
            return;
        var below = candidates.GetAlternateLookup<ReadOnlySpan<byte>>();
        foreach (var name in nodes.Keys)
        {
            for (int p = 1 + name[0]; name.Length - p > origin.Length; p += 1 + name[p])
            {
                if (below.TryGetValue(name.AsSpan(p), out int n))
                    below[name.AsSpan(p)] = n + 1;
            }
        }
        foreach (var name in candidates.Keys.OrderByDescending(n => n.Length).ToArray())
        {
            if (candidates[name] > 0)
                continue;
            nodes.Remove(name);
            fresh.Remove(name);
            for (int p = 1 + name[0]; name.Length - p > origin.Length; p += 1 + name[p])
            {
                if (below.TryGetValue(name.AsSpan(p), out int n))
                    below[name.AsSpan(p)] = n - 1;
            }
        }
    }
}
