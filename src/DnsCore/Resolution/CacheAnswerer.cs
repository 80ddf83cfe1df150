using MiniDns.Wire;

namespace MiniDns.Resolution;

/// <summary>
/// Answers a question from the cache alone, following CNAMEs held in it, into the loop's response plan:
/// the whole answer or nothing. On the receive loop: no allocation, no waiting.
/// </summary>
public static class CacheAnswerer
{
    /// <summary>
    /// True with the plan filled when the cache holds the whole answer; false (plan reset) for a miss.
    /// <paramref name="refresh"/>: a set of the answer is due to be fetched again (prefetch), and the caller should.
    /// </summary>
    public static bool TryAnswer(DnsQuery query, ResolverCache cache, ResponsePlan plan, int maxRestarts, out bool refresh)
    {
        plan.Reset();
        refresh = false;
        ReadOnlySpan<byte> name = query.Name;
        ushort type = query.Type;
        for (int step = 0; step <= maxRestarts; step++)
        {
            if (cache.TryGet(name, type, out var hit))
            {
                refresh |= hit.Refresh;
                switch (hit.Kind)
                {
                    case CacheHitKind.Positive:
                        plan.Answer.Add(new SectionEntry(hit.Set!.Owner, hit.Set.Type, hit.TtlLeft, hit.Set.Records));
                        break;
                    case CacheHitKind.NxDomain:
                        plan.Rcode = ResponseCode.NxDomain;
                        AddSoa(plan, hit);
                        break;
                    default:
                        AddSoa(plan, hit);
                        break;
                }
                plan.RecursionAvailable = true;
                return true;
            }
            if (type == RecordType.CNAME || !cache.TryGet(name, RecordType.CNAME, out var alias, counted: false) || alias.Kind != CacheHitKind.Positive)
                break;
            refresh |= alias.Refresh;
            plan.Answer.Add(new SectionEntry(alias.Set!.Owner, RecordType.CNAME, alias.TtlLeft, alias.Set.Records));
            name = alias.Set.First.Span;
        }
        plan.Reset();
        return false;
    }

    private static void AddSoa(ResponsePlan plan, in CacheHit hit)
    {
        if (hit.Soa is { } soa)
            plan.Authority.Add(new SectionEntry(soa.Owner, RecordType.SOA, hit.TtlLeft, soa.Records));
    }
}
