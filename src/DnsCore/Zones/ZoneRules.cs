using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// What a zone must hold to be stored, beyond what the answering code needs to serve it: the rules an
/// editor must not break. Each error names the record's source (file:line) when it has one.
/// </summary>
public static class ZoneRules
{
    /// <summary>Every rule, over a whole zone.</summary>
    public static IReadOnlyList<string> Check(byte[] origin, IEnumerable<ZoneRecord> records)
    {
        var errors = new List<string>();
        bool apexSeen = false;
        foreach (var owner in records.GroupBy(r => NameText.Format(r.Owner), StringComparer.Ordinal))
        {
            var list = owner.ToList();
            apexSeen |= DnsName.EqualsIgnoreCase(list[0].Owner, origin);
            errors.AddRange(CheckOwner(origin, list));
        }
        if (!apexSeen)
            errors.Add($"zone {NameText.Format(origin)} has no SOA and NS records at its apex");
        return errors;
    }

    /// <summary>The rules for the records of one owner name, as an edit leaves them.</summary>
    public static IReadOnlyList<string> CheckOwner(byte[] origin, IReadOnlyList<ZoneRecord> list)
    {
        var errors = new List<string>();
        if (list.Count == 0)
            return errors;
        string owner = list[0].OwnerText;
        bool apex = DnsName.EqualsIgnoreCase(list[0].Owner, origin);
        var cnames = list.Where(r => r.Type == RecordType.CNAME).ToList();
        if (cnames.Count > 1)
            errors.Add($"{Where(cnames[1])}{owner} has more than one CNAME");
        if (cnames.Count > 0 && list.Count > cnames.Count)
            errors.Add($"{Where(list.First(r => r.Type != RecordType.CNAME))}{owner} has a CNAME and other data (RFC 2181 10.1)");
        var dnames = list.Where(r => r.Type == RecordType.DNAME).ToList();
        if (dnames.Count > 1)
            errors.Add($"{Where(dnames[1])}{owner} has more than one DNAME (RFC 6672 2.4)");
        foreach (var soa in list.Where(r => r.Type == RecordType.SOA && !apex))
            errors.Add($"{Where(soa)}SOA at {owner}: an SOA belongs at the apex of {NameText.Format(origin)} only");
        if (apex && !list.Any(r => r.Type == RecordType.SOA))
            errors.Add($"zone {owner} has no SOA record at its apex");
        if (apex && !list.Any(r => r.Type == RecordType.NS))
            errors.Add($"zone {owner} has no NS record at its apex");
        return errors;
    }

    private static string Where(ZoneRecord record) => record.Source is null ? "" : record.Source + ": ";
}
