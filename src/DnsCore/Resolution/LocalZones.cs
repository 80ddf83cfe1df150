using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Resolution;

/// <summary>
/// The zones this server serves, as the resolver sees them: local zones always win, so a CNAME chain (or a
/// name server's name) that leads into one is answered from it and never asked upstream (found by attack:
/// the chain went to the local zone's parent, which leaked the name and cached its NXDOMAIN).
/// </summary>
public sealed class LocalZones(Func<ZoneSnapshot> current)
{
    /// <summary>The authoritative answer for a name inside a local zone, as the resolver's answer; null outside them or below a cut.</summary>
    public ResolverAnswer? Answer(byte[] name, ushort type)
    {
        var snapshot = current();
        if (snapshot.FindZone(name) is null)
            return null;
        var query = new DnsQuery();
        if (QueryReader.Read(UpstreamQuery.Build(0, name, type, edns: false, recursionDesired: false), query) != QueryParseResult.Ok)
            return null;
        var plan = new ResponsePlan();
        AuthoritativeAnswerer.Answer(query, snapshot, plan);
        if (!plan.Authoritative)
            return null; // below a delegation of the zone: the resolver follows it as any other
        var answer = new List<RRsetData>();
        for (int i = 0; i < plan.Answer.Count; i++)
        {
            ref readonly var entry = ref plan.Answer[i];
            answer.Add(RRsetData.Create(entry.Owner.Span, entry.Type, entry.Ttl, entry.Records.ToArrays()));
        }
        RRsetData? soa = null;
        for (int i = 0; i < plan.Authority.Count; i++)
        {
            ref readonly var entry = ref plan.Authority[i];
            if (entry.Type == RecordType.SOA)
                soa = RRsetData.Create(entry.Owner.Span, RecordType.SOA, entry.Ttl, entry.Records.ToArrays());
        }
        return new ResolverAnswer(plan.Rcode, answer, soa, null);
    }
}
