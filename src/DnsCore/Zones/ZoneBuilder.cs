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
        var valid = new List<ZoneRecord>(records is IReadOnlyCollection<ZoneRecord> known ? known.Count : 16);
        foreach (var record in records)
        {
            var owner = IsLower(record.Owner) ? record.Owner : DnsName.ToLowerCopy(record.Owner);
            if (!DnsName.IsSubdomainOf(owner, origin))
                errors.Add($"{record.OwnerText} is outside zone {NameText.Format(origin)}");
            else if (RecordType.IsQuestionOnly(record.Type))
                errors.Add($"{record.OwnerText}: {record.TypeText} cannot be stored in a zone");
            else
                valid.Add(ReferenceEquals(owner, record.Owner) ? record : record with { Owner = owner });
        }

        // Sorted by owner, type and data, each RRset is a run, and duplicates (RFC 2181 5) sit side by side.
        var sorted = valid.ToArray();
        Array.Sort(sorted, CompareRecords);
        var nodes = new Dictionary<byte[], ZoneNode>(sorted.Length + sorted.Length / 4, NameComparer.Instance);
        int count = 0;
        for (int i = 0; i < sorted.Length;)
        {
            int end = i + 1;
            while (end < sorted.Length && sorted[end].Owner.AsSpan().SequenceEqual(sorted[i].Owner))
                end++;
            var node = BuildNode(sorted.AsSpan(i, end - i), out int inNode);
            nodes[node.Name] = node;
            count += inNode;
            i = end;
        }

        var apex = nodes.GetValueOrDefault(origin);
        int soas = apex?.Find(RecordType.SOA)?.Records.Length ?? 0;
        if (soas == 0)
            errors.Add($"zone {NameText.Format(origin)} has no SOA record at its apex");
        else if (soas != 1)
            errors.Add($"zone {NameText.Format(origin)} has {soas} SOA records; exactly one is allowed");
        if (errors.Count > 0)
            throw new ZoneDataException(errors);

        AddEmptyNonTerminals(origin, nodes);
        foreach (var node in nodes.Values)
            Annotate(node, origin, nodes);
        foreach (var node in nodes.Values)
        {
            foreach (var set in node.Sets)
                set.Additional = FindAdditional(set, origin, nodes);
        }
        return new Zone(origin, nodes, apex!.Find(RecordType.SOA)!, count);
    }

    /// <summary>
    /// The node of one owner from its records sorted by type and data (see <see cref="CompareRecords"/>):
    /// one RRset per type run, duplicates dropped, the smallest TTL for the set.
    /// </summary>
    internal static ZoneNode BuildNode(ReadOnlySpan<ZoneRecord> run, out int count)
    {
        var sets = new List<RRset>(2);
        var data = new List<byte[]>(2);
        var owner = run[0].Owner;
        count = 0;
        for (int i = 0; i < run.Length;)
        {
            ushort type = run[i].Type;
            uint ttl = uint.MaxValue;
            data.Clear();
            for (; i < run.Length && run[i].Type == type; i++)
            {
                ttl = Math.Min(ttl, run[i].Ttl);
                if (data.Count == 0 || !data[^1].AsSpan().SequenceEqual(run[i].Data))
                    data.Add(run[i].Data);
            }
            count += data.Count;
            sets.Add(new RRset(owner, type, ttl, [.. data]));
        }
        return new ZoneNode(owner, [.. sets]);
    }

    internal static int CompareRecords(ZoneRecord a, ZoneRecord b)
    {
        int order = a.Owner.AsSpan().SequenceCompareTo(b.Owner);
        if (order == 0)
            order = a.Type.CompareTo(b.Type);
        return order != 0 ? order : a.Data.AsSpan().SequenceCompareTo(b.Data);
    }

    private static bool IsLower(ReadOnlySpan<byte> name) => !name.ContainsAnyInRange((byte)'A', (byte)'Z');

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

    internal static void Annotate(ZoneNode node, byte[] origin, Dictionary<byte[], ZoneNode> nodes)
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
    internal static RRset[] FindAdditional(RRset set, byte[] origin, Dictionary<byte[], ZoneNode> nodes)
    {
        int offset = RecordLayout.TargetNameOffset(set.Type);
        if (offset < 0)
            return [];
        List<RRset>? found = null;
        var lookup = nodes.GetAlternateLookup<ReadOnlySpan<byte>>();
        Span<byte> target = stackalloc byte[DnsName.MaxLength];
        foreach (var data in set.Records)
        {
            var name = data.AsSpan(offset);
            name.CopyTo(target);
            DnsName.ToLower(target[..name.Length]);
            if (!DnsName.IsSubdomainOf(target[..name.Length], origin) || !lookup.TryGetValue(target[..name.Length], out var node))
                continue;
            foreach (var type in (ReadOnlySpan<ushort>)[RecordType.A, RecordType.AAAA])
            {
                var address = node.Find(type);
                if (address is not null && !(found ??= []).Contains(address))
                    found.Add(address);
            }
        }
        if (found is null)
            return [];
        return [.. found];
    }
}
