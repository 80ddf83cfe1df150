using MiniDns.Wire;

namespace MiniDns.Resolution;

/// <summary>
/// What resolving a question gave: the rcode, the answer's RRsets in chain order (CNAMEs first), the SOA of a
/// negative answer, and why it failed (SERVFAIL with an Extended DNS Error).
/// </summary>
public sealed record ResolverAnswer(ResponseCode Rcode, IReadOnlyList<RRsetData> Answer, RRsetData? Soa, ExtendedError? Error)
{
    public static ResolverAnswer Fail(ExtendedError error) => new(ResponseCode.ServFail, [], null, error);

    /// <summary>Plans the response to the client: RA set, AA clear, TTLs as received.</summary>
    public void Plan(ResponsePlan plan)
    {
        plan.Reset();
        plan.Rcode = Rcode;
        plan.RecursionAvailable = true;
        plan.ExtendedError = Error;
        foreach (var set in Answer)
            plan.Answer.Add(new SectionEntry(set.Owner, set.Type, set.Ttl, set.Records));
        if (Soa is not null)
            plan.Authority.Add(new SectionEntry(Soa.Owner, RecordType.SOA, Soa.Ttl, Soa.Records));
    }
}
