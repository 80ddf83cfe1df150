using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// Builds an immutable <see cref="Zone"/> from its records, working out everything a query would otherwise
/// compute: empty non-terminals, cuts, DNAMEs, wildcard sources and additional-section data.
/// </summary>
public static class ZoneBuilder
{
    public static Zone Build(byte[] origin, IEnumerable<ZoneRecord> records)
    {
        origin = DnsName.ToLowerCopy(origin);
        var errors = new List<string>();
        var byOwner = new Dictionary<byte[], Dictionary<ushort, List<ZoneRecord>>>(NameComparer.Instance);
        int count = 0;
        foreach (var record in records)
        {
            var owner = DnsName.ToLowerCopy(record.Owner);
            if (!DnsName.IsSubdomainOf(owner, origin))
            {
                errors.Add($"{record.OwnerText} is outside zone {NameText.Format(origin)}");
                continue;
            }
            if (RecordType.IsQuestionOnly(record.Type))
            {
                errors.Add($"{record.OwnerText}: {record.TypeText} cannot be stored in a zone");
                continue;
            }
            if (!byOwner.TryGetValue(owner, out var types))
                byOwner[owner] = types = [];
            if (!types.TryGetValue(record.Type, out var list))
                types[record.Type] = list = [];
            // RFC 2181 5: an RRset holds no duplicate records.
            if (!list.Any(r => r.Data.AsSpan().SequenceEqual(record.Data)))
            {
                list.Add(record);
                count++;
            }
        }
        if (!byOwner.TryGetValue(origin, out var apexTypes) || !apexTypes.TryGetValue(RecordType.SOA, out var soas))
            errors.Add($"zone {NameText.Format(origin)} has no SOA record at its apex");
        else if (soas.Count != 1)
            errors.Add($"zone {NameText.Format(origin)} has {soas.Count} SOA records; exactly one is allowed");
        if (errors.Count > 0)
            throw new ZoneDataException(errors);

        var nodes = new Dictionary<byte[], ZoneNode>(byOwner.Count * 2, NameComparer.Instance);
        foreach (var (owner, types) in byOwner)
        {
            var sets = types.OrderBy(t => t.Key)
                .Select(t => new RRset(owner, t.Key, t.Value.Min(r => r.Ttl), t.Value.Select(r => r.Data).ToArray()))
                .ToArray();
            nodes[owner] = new ZoneNode(owner, sets);
        }
        AddEmptyNonTerminals(origin, nodes);
        foreach (var node in nodes.Values)
            Annotate(node, origin, nodes);
        foreach (var node in nodes.Values)
        {
            foreach (var set in node.Sets)
                set.Additional = FindAdditional(set, origin, nodes);
        }
        return new Zone(origin, nodes, nodes[origin].Find(RecordType.SOA)!, count);
    }

    // Every ancestor of a name, up to the apex, exists (RFC 4592 2.2.2): add the missing ones as empty nodes.
    private static void AddEmptyNonTerminals(byte[] origin, Dictionary<byte[], ZoneNode> nodes)
    {
        foreach (var name in nodes.Keys.ToArray())
        {
            int p = 0;
            while (name.Length - p > origin.Length)
            {
                p += 1 + name[p];
                var ancestor = name[p..];
                if (!nodes.TryAdd(ancestor, new ZoneNode(ancestor, [])))
                    break; // present already, and so are its own ancestors
            }
        }
    }

    private static void Annotate(ZoneNode node, byte[] origin, Dictionary<byte[], ZoneNode> nodes)
    {
        bool apex = node.Name.Length == origin.Length;
        if (!apex)
            node.Delegation = node.Find(RecordType.NS);
        node.Dname = node.Find(RecordType.DNAME);
        Span<byte> wildcard = stackalloc byte[DnsName.MaxLength];
        if (DnsName.TryMakeWildcard(node.Name, wildcard, out int length)
            && nodes.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(wildcard[..length], out var source))
            node.Wildcard = source;
    }

    // RFC 1035 3.3.9/3.3.11 and RFC 2782: A and AAAA of the targets that this zone holds, glue included.
    private static RRset[] FindAdditional(RRset set, byte[] origin, Dictionary<byte[], ZoneNode> nodes)
    {
        int offset = RecordLayout.TargetNameOffset(set.Type);
        if (offset < 0)
            return [];
        var found = new List<RRset>();
        foreach (var data in set.Records)
        {
            var target = DnsName.ToLowerCopy(data.AsSpan(offset));
            if (!DnsName.IsSubdomainOf(target, origin) || !nodes.TryGetValue(target, out var node))
                continue;
            foreach (var type in (ReadOnlySpan<ushort>)[RecordType.A, RecordType.AAAA])
            {
                var address = node.Find(type);
                if (address is not null && !found.Contains(address))
                    found.Add(address);
            }
        }
        return [.. found];
    }
}
