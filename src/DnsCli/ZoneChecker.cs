using DnsClient;
using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Cli;

/// <summary>One difference between what the store holds and what the server answered.</summary>
public sealed record CheckProblem(string Name, string Type, string Problem, IReadOnlyList<string> Expected, IReadOnlyList<string> Actual);

/// <summary>What <c>minidns check</c> found.</summary>
public sealed record CheckReport(int Zones, int Checked, int Skipped, IReadOnlyList<CheckProblem> Problems)
{
    public bool AllMatch => Problems.Count == 0;
}

/// <summary>
/// Asks the server for every RRset in the store, by exact name and type, and compares the data, the TTL and
/// the AA flag; then asks one name per zone that cannot exist and expects NXDOMAIN with the SOA. NS at a
/// zone cut must come back as a referral (AA clear); data below a cut (glue) is served only as part of one,
/// so it is counted as skipped.
/// </summary>
public static class ZoneChecker
{
    public static async Task<CheckReport> CheckAsync(IZoneStore store, IReadOnlyList<byte[]> origins, LookupClient client, CancellationToken cancel)
    {
        var problems = new List<CheckProblem>();
        int checkedSets = 0, skipped = 0;
        // A cut whose child zone the server also hosts is answered from the child, not as a referral.
        var hosted = store.ListZones().Select(z => z.Origin).ToHashSet(StringComparer.Ordinal);
        foreach (var origin in origins)
        {
            var records = store.ListRecords(origin);
            var zone = ZoneBuilder.Build(origin, records);
            foreach (var set in records.GroupBy(r => (Owner: r.OwnerText, r.Type)))
            {
                var owner = set.First().Owner;
                var node = zone.Find(owner);
                bool atCut = node?.Delegation is not null;
                if (IsBelowCut(zone, owner) || (atCut && (hosted.Contains(set.Key.Owner) || set.Key.Type is not (RecordType.NS or RecordType.DS))))
                {
                    skipped++;
                    continue;
                }
                checkedSets++;
                var answer = await ServerAnswer.AskAsync(client, set.Key.Owner, (QueryType)set.Key.Type, cancel);
                if (answer.Failure is not null)
                {
                    problems.Add(new CheckProblem(set.Key.Owner, RecordType.ToText(set.Key.Type), answer.Failure, [], []));
                    if (checkedSets == 1)
                        return new CheckReport(origins.Count, checkedSets, skipped, problems); // nothing to talk to
                    continue;
                }
                bool referral = atCut && set.Key.Type == RecordType.NS;
                var problem = Compare(set.ToList(), referral ? answer.Authority : answer.Answer, answer, expectAuthoritative: !referral);
                if (problem is not null)
                    problems.Add(problem);
            }
            if (zone.Apex.Wildcard is null && zone.Apex.Dname is null)
            {
                checkedSets++;
                var missing = await CheckNxDomainAsync(zone, client, cancel);
                if (missing is not null)
                    problems.Add(missing);
            }
        }
        return new CheckReport(origins.Count, checkedSets, skipped, problems);
    }

    private static CheckProblem? Compare(List<ZoneRecord> expected, IReadOnlyList<ObservedRecord> section, ServerAnswer answer, bool expectAuthoritative)
    {
        var first = expected[0];
        var actual = section.Where(r => string.Equals(r.Owner, first.OwnerText, StringComparison.OrdinalIgnoreCase) && r.Type == first.Type).ToList();
        uint ttl = expected.Min(r => r.Ttl);
        var want = expected.Select(r => new ObservedRecord(r.OwnerText, r.Type, ttl, r.DataText)).ToList();
        var expectedLines = want.Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();
        var actualLines = actual.Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();

        string? why = null;
        if (answer.Response!.Header.ResponseCode != DnsHeaderResponseCode.NoError)
            why = $"rcode {answer.Response.Header.ResponseCode}";
        else if (!want.Select(r => r.Key).Order(StringComparer.Ordinal).SequenceEqual(actual.Select(r => r.Key).Order(StringComparer.Ordinal)))
            why = "data differs";
        else if (actual.Any(r => r.Ttl != ttl))
            why = "TTL differs";
        else if (answer.Response.Header.HasAuthorityAnswer != expectAuthoritative)
            why = expectAuthoritative ? "AA flag not set" : "AA flag set on a referral";
        return why is null ? null : new CheckProblem(first.OwnerText, first.TypeText, why, expectedLines, actualLines);
    }

    private static async Task<CheckProblem?> CheckNxDomainAsync(Zone zone, LookupClient client, CancellationToken cancel)
    {
        string name = $"minidns-check-{Guid.NewGuid():N}"[..22] + "." + NameText.Format(zone.Origin);
        var answer = await ServerAnswer.AskAsync(client, name, QueryType.A, cancel);
        if (answer.Failure is not null)
            return new CheckProblem(name, "A", answer.Failure, ["NXDOMAIN"], []);
        var header = answer.Response!.Header;
        bool soa = answer.Authority.Any(r => r.Type == RecordType.SOA && string.Equals(r.Owner, NameText.Format(zone.Origin), StringComparison.OrdinalIgnoreCase));
        if (header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain && soa && header.HasAuthorityAnswer)
            return null;
        return new CheckProblem(name, "A", "a name that does not exist must get NXDOMAIN with the SOA",
            ["NXDOMAIN, AA, SOA in authority"], [$"{header.ResponseCode}{(header.HasAuthorityAnswer ? ", AA" : "")}", .. answer.Authority.Select(r => r.ToString())]);
    }

    private static bool IsBelowCut(Zone zone, byte[] owner)
    {
        int p = 0;
        while (owner.Length - p > zone.Origin.Length)
        {
            p += 1 + owner[p];
            if (owner.Length - p > zone.Origin.Length && zone.Find(owner.AsSpan(p))?.Delegation is not null)
                return true;
        }
        return false;
    }
}
