using System.Buffers.Binary;
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
            plan.Refuse(ResponseCode.Refused, ResponseReason.Class);
            return;
        }
        if (qtype == RecordType.OPT)
        {
            plan.Refuse(ResponseCode.FormErr, ResponseReason.OptQuestion);
            return;
        }
        if (qtype is RecordType.AXFR or RecordType.IXFR)
        {
            // Refused as a server that allows no transfer does; the listeners hand these to the transfer service.
            plan.Refuse(ResponseCode.Refused, ResponseReason.Transfer);
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
            plan.Refuse(ResponseCode.Refused, ResponseReason.NoZone);
            return;
        }
        if (zone.Unavailable)
        {
            plan.Refuse(ResponseCode.ServFail, ResponseReason.Unavailable);
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
        var encloser = zone.Apex;
        ZoneNode? exact;
        // A name that exists is answered from its own node even below a DNAME, as BIND, NSD, Knot and
        // PowerDNS all do: RFC 6672 2.4 forbids such data, so the DNAME only redirects names that do not exist.
        bool exists = zone.TryFind(span, out var self);
        if (exists && !self.IsBelowCut)
        {
            // No cut above it can refer the query elsewhere: one lookup instead of one per label.
            if (self.Delegation is { } cut && qtype != RecordType.DS)
            {
                Refer(cut, plan);
                return false;
            }
            exact = self;
        }
        else
        {
            int labels = DnsName.LabelCount(span);
            bool atApex = labels == zone.OriginLabels;
            exact = atApex ? zone.Apex : null;
            if (!atApex && !exists && zone.Apex.Dname is { } apexDname)
                return FollowDname(zone, zone.Apex, apexDname, ref name, plan);
            for (int depth = zone.OriginLabels + 1; depth <= labels; depth++)
            {
                if (!zone.TryFind(span[DnsName.SkipLabels(span, labels - depth)..], out var node))
                    break;
                encloser = node;
                bool atName = depth == labels;
                // RFC 4035 3.1.4.1 / RFC 1034 4.3.2: DS lives on the parent side of a cut; all else is referred.
                if (node.Delegation is { } cut && !(atName && qtype == RecordType.DS))
                {
                    Refer(cut, plan);
                    return false;
                }
                if (atName)
                    exact = node;
                else if (!exists && node.Dname is { } dname)
                    return FollowDname(zone, node, dname, ref name, plan);
            }
        }

        // RFC 4592 3.3.1: without the name itself, the source of synthesis is "*." + the closest encloser.
        if ((exact ?? encloser.Wildcard) is not { } found)
        {
            plan.Rcode = ResponseCode.NxDomain;
            AddNegativeSoa(zone, plan);
            return false;
        }
        if (exact is null)
            plan.WildcardSource = found.Name;

        if (qtype == RecordType.ANY ? MinimalAny(found, out var answer) : found.TryFind(qtype, out answer))
        {
            if (!plan.Answer.Contains(answer.Records, span))
            {
                plan.Answer.Add(new SectionEntry(name, answer.Type, answer.Ttl, answer.Records));
                AddAdditional(answer, plan);
            }
            return false;
        }
        if (qtype == RecordType.CNAME || !found.TryFind(RecordType.CNAME, out var cname))
        {
            AddNegativeSoa(zone, plan);
            return false;
        }
        if (plan.Answer.Contains(cname.Records, span))
            return false; // a CNAME loop: what is planned already is the answer
        plan.Answer.Add(new SectionEntry(name, RecordType.CNAME, cname.Ttl, cname.Records));
        var cnameTarget = cname.Records[0];
        var target = plan.Rent(cnameTarget.Length);
        if (target.IsEmpty)
            return false;
        cnameTarget.CopyTo(target.Span);
        DnsName.ToLower(target.Span);
        if (!DnsName.IsSubdomainOf(target.Span, zone.Origin))
            return false;
        name = target;
        return true;
    }

    // RFC 6672 2.2: the DNAME, a CNAME from the query name to the substituted name, then the chain goes on.
    private static bool FollowDname(Zone zone, ZoneNode node, RRset dname, ref ReadOnlyMemory<byte> name, ResponsePlan plan)
    {
        var span = name.Span;
        var owner = node.Name;
        var target = dname.Records[0];
        int prefix = span.Length - owner.Length;
        int length = prefix + target.Length;
        if (plan.Answer.Contains(dname.Records, owner.Span))
        {
            // Met again in one chain: a DNAME that does not shorten the name would repeat or grow the chain
            // forever, so stop there as NSD does; one that shortens it converges and is followed.
            if (length >= span.Length)
                return false;
        }
        else
        {
            plan.Answer.Add(new SectionEntry(owner, RecordType.DNAME, dname.Ttl, dname.Records));
        }
        if (length > DnsName.MaxLength)
        {
            plan.Rcode = ResponseCode.YxDomain;
            return false;
        }
        // The synthesized CNAME's data, packed as stored data is: a 16-bit length, then the name.
        var packed = plan.Rent(2 + length);
        if (packed.IsEmpty)
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(packed.Span, (ushort)length);
        var synthesized = packed[2..];
        span[..prefix].CopyTo(synthesized.Span);
        target.CopyTo(synthesized.Span[prefix..]);
        DnsName.ToLower(synthesized.Span);
        plan.Answer.Add(new SectionEntry(name, RecordType.CNAME, dname.Ttl, new RecordData(packed, 1)));
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
        plan.Authority.Add(new SectionEntry(delegation.Owner, RecordType.NS, delegation.Ttl, delegation.Records));
        AddAdditional(delegation, plan);
    }

    private static void AddNegativeSoa(Zone zone, ResponsePlan plan)
    {
        var soa = zone.Soa;
        plan.Authority.Add(new SectionEntry(soa.Owner, RecordType.SOA, zone.NegativeSoaTtl, soa.Records));
    }

    private static void AddAdditional(RRset set, ResponsePlan plan)
    {
        foreach (var extra in set.Additional)
        {
            if (!plan.Additional.Contains(extra.Records) && !plan.Answer.Contains(extra.Records))
                plan.Additional.Add(new SectionEntry(extra.Owner, extra.Type, extra.Ttl, extra.Records));
        }
    }

    // RFC 8482 4.2: answer ANY with one RRset of the name rather than all of them.
    private static bool MinimalAny(ZoneNode node, out RRset set)
    {
        var sets = node.Sets;
        set = sets.Count > 0 ? sets[0] : default;
        return sets.Count > 0;
    }
}
