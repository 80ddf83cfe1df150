using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// The authoritative algorithm of RFC 1034 4.3.2, with negative answers (RFC 2308), wildcards (RFC 4592),
/// DNAME (RFC 6672) and minimal ANY (RFC 8482). It only looks up and plans: nothing here allocates.
/// </summary>
public static class AuthoritativeAnswerer
{
    /// <summary>How many CNAME/DNAME steps a chain may take inside a zone before we stop following it.</summary>
    public const int MaxChainSteps = 16;

    public static void Answer(DnsQuery query, ZoneSnapshot snapshot, ResponsePlan plan)
    {
        plan.Reset();
        ushort qtype = query.Type;
        if (query.Class != DnsClass.IN)
        {
            plan.Rcode = ResponseCode.Refused;
            return;
        }
        if (qtype == RecordType.OPT)
        {
            plan.Rcode = ResponseCode.FormErr;
            return;
        }
        if (qtype is RecordType.AXFR or RecordType.IXFR)
        {
            // Zone transfers are not offered yet: refuse them as a server not configured to allow them does.
            plan.Rcode = ResponseCode.Refused;
            return;
        }
        if (qtype is RecordType.MAILA or RecordType.MAILB)
        {
            plan.Rcode = ResponseCode.NotImp;
            return;
        }
        var zone = snapshot.FindZone(query.Name);
        if (zone is null)
        {
            plan.Rcode = ResponseCode.Refused;
            return;
        }
        plan.Authoritative = true;
        ReadOnlyMemory<byte> name = query.NameBuffer.AsMemory(0, query.NameLength);
        for (int step = 0; step <= MaxChainSteps; step++)
        {
            if (!Step(zone, ref name, qtype, plan))
                return;
        }
    }

    // Answers one name of a chain; returns true with the next name when a CNAME or DNAME leads on inside the zone.
    private static bool Step(Zone zone, ref ReadOnlyMemory<byte> name, ushort qtype, ResponsePlan plan)
    {
        var span = name.Span;
        int labels = DnsName.LabelCount(span);
        ZoneNode encloser = zone.Apex;
        // A name that exists is answered from its own node even below a DNAME, as BIND, NSD, Knot and
        // PowerDNS all do: RFC 6672 2.4 forbids such data, so the DNAME only redirects names that do not exist.
        var existing = zone.Find(span);
        ZoneNode? exact = labels == zone.OriginLabels ? zone.Apex : null;

        if (zone.Apex.Dname is not null && labels > zone.OriginLabels && existing is null)
            return FollowDname(zone, zone.Apex, ref name, plan);
        for (int depth = zone.OriginLabels + 1; depth <= labels; depth++)
        {
            var node = zone.Find(span[DnsName.SkipLabels(span, labels - depth)..]);
            if (node is null)
                break;
            encloser = node;
            bool atName = depth == labels;
            // RFC 4035 3.1.4.1 / RFC 1034 4.3.2: DS lives on the parent side of a cut; all else is referred.
            if (node.Delegation is not null && !(atName && qtype == RecordType.DS))
            {
                Refer(node.Delegation, plan);
                return false;
            }
            if (atName)
                exact = node;
            else if (node.Dname is not null && existing is null)
                return FollowDname(zone, node, ref name, plan);
        }

        var found = exact;
        if (found is null)
        {
            // RFC 4592 3.3.1: the source of synthesis is "*." + the closest encloser.
            found = encloser.Wildcard;
            if (found is null)
            {
                plan.Rcode = ResponseCode.NxDomain;
                AddNegativeSoa(zone, plan);
                return false;
            }
        }

        var answer = qtype == RecordType.ANY ? MinimalAny(found) : found.Find(qtype);
        if (answer is not null)
        {
            if (!plan.Answer.Contains(answer.Records, span))
            {
                plan.Answer.Add(new SectionEntry(name, answer.Type, answer.Ttl, answer.Records, default));
                AddAdditional(answer, plan);
            }
            return false;
        }
        var cname = found.Find(RecordType.CNAME);
        if (cname is null || qtype == RecordType.CNAME)
        {
            AddNegativeSoa(zone, plan);
            return false;
        }
        if (plan.Answer.Contains(cname.Records, span))
            return false; // a CNAME loop: what is planned already is the answer
        plan.Answer.Add(new SectionEntry(name, RecordType.CNAME, cname.Ttl, cname.Records, default));
        var target = plan.Rent(cname.Records[0].Length);
        if (target.IsEmpty)
            return false;
        cname.Records[0].CopyTo(target);
        DnsName.ToLower(target.Span);
        if (!DnsName.IsSubdomainOf(target.Span, zone.Origin))
            return false;
        name = target;
        return true;
    }

    // RFC 6672 2.2: the DNAME, a CNAME from the query name to the substituted name, then the chain goes on.
    private static bool FollowDname(Zone zone, ZoneNode node, ref ReadOnlyMemory<byte> name, ResponsePlan plan)
    {
        var dname = node.Dname!;
        var span = name.Span;
        var target = dname.Records[0];
        int prefix = span.Length - node.Name.Length;
        int length = prefix + target.Length;
        if (plan.Answer.Contains(dname.Records, node.Name))
        {
            // Met again in one chain: a DNAME that does not shorten the name would repeat or grow the chain
            // forever, so stop there as NSD does; one that shortens it converges and is followed.
            if (length >= span.Length)
                return false;
        }
        else
        {
            plan.Answer.Add(new SectionEntry(node.Name, RecordType.DNAME, dname.Ttl, dname.Records, default));
        }
        if (length > DnsName.MaxLength)
        {
            plan.Rcode = ResponseCode.YxDomain;
            return false;
        }
        var synthesized = plan.Rent(length);
        if (synthesized.IsEmpty)
            return false;
        span[..prefix].CopyTo(synthesized.Span);
        target.CopyTo(synthesized.Span[prefix..]);
        DnsName.ToLower(synthesized.Span);
        plan.Answer.Add(new SectionEntry(name, RecordType.CNAME, dname.Ttl, null, synthesized));
        if (!DnsName.IsSubdomainOf(synthesized.Span, zone.Origin))
            return false;
        name = synthesized;
        return true;
    }

    private static void Refer(RRset delegation, ResponsePlan plan)
    {
        // AA speaks for the first answer record (RFC 1034 4.1.1): a bare referral is not authoritative.
        if (plan.Answer.Count == 0)
            plan.Authoritative = false;
        plan.Authority.Add(new SectionEntry(delegation.Owner, RecordType.NS, delegation.Ttl, delegation.Records, default));
        AddAdditional(delegation, plan);
    }

    private static void AddNegativeSoa(Zone zone, ResponsePlan plan)
    {
        var soa = zone.NegativeSoa;
        plan.Authority.Add(new SectionEntry(soa.Owner, RecordType.SOA, soa.Ttl, soa.Records, default));
    }

    private static void AddAdditional(RRset set, ResponsePlan plan)
    {
        foreach (var extra in set.Additional)
        {
            if (!plan.Additional.Contains(extra.Records) && !plan.Answer.Contains(extra.Records))
                plan.Additional.Add(new SectionEntry(extra.Owner, extra.Type, extra.Ttl, extra.Records, default));
        }
    }

    // RFC 8482 4.2: answer ANY with one RRset of the name rather than all of them.
    private static RRset? MinimalAny(ZoneNode node) => node.Sets.Length > 0 ? node.Sets[0] : null;
}
