using System.Diagnostics;
using System.Net;
using MiniDns.Wire;

namespace MiniDns.Resolution;

/// <summary>
/// Resolves a question the way the DNS was designed (RFC 1034 5.3.3): from the closest delegation the
/// cache knows (else the root hints), asking each zone's servers and following referrals down, CNAMEs
/// across zones, and glueless name servers through lookups of their own; or, with forwarders, asking them
/// to recurse. Everything learned goes into the cache, but only what lies inside the zone of the server that
/// said it (its bailiwick). Pure logic over <see cref="IUpstream"/>; safe to run many resolutions at once.
/// </summary>
public sealed class Resolver(ResolverCache cache, IUpstream upstream, ResolverOptions options, ServerSelection? servers = null, LocalZones? local = null)
{
    private static readonly ExtendedError TooManyRestarts = new(ExtendedError.Other, "CNAME/DNAME chain longer than the limit");
    private static readonly ExtendedError CnameLoop = new(ExtendedError.Other, "CNAME loop");
    private static readonly ExtendedError TooManyReferrals = new(ExtendedError.Other, "too many referrals");
    private static readonly ExtendedError TooManyQueries = new(ExtendedError.Other, "too many upstream queries for one question");
    private static readonly ExtendedError TooDeep = new(ExtendedError.Other, "name server lookups nested too deep");
    private static readonly ExtendedError TimedOut = new(ExtendedError.NoReachableAuthority, "resolution took too long");

    private readonly ServerSelection _servers = servers ?? new ServerSelection();
    private readonly IReadOnlyList<(byte[] Name, IPAddress Address)> _hints = options.RootHints ?? RootHints.Iana;

    public ResolverCache Cache => cache;

    /// <summary>The same resolver with nothing learned yet: an empty cache and server list (what <c>minidns trace</c> resolves with).</summary>
    public Resolver Fresh() => new(new ResolverCache(cache.Options with { MaxBytes = Math.Min(cache.Options.MaxBytes, 16L << 20) }), upstream, options, null, local);

    /// <summary>Queries sent upstream, replies that never came, and servers that answered badly.</summary>
    public long UpstreamQueries => Interlocked.Read(ref _upstreamQueries);
    public long UpstreamTimeouts => Interlocked.Read(ref _upstreamTimeouts);
    public long UpstreamFailures => Interlocked.Read(ref _upstreamFailures);
    private long _upstreamQueries, _upstreamTimeouts, _upstreamFailures;

    /// <summary>Each upstream exchange as it ends (for <c>minidns trace</c> and the debug log).</summary>
    public event Action<UpstreamExchange>? Exchanged;

    // One client question's budget, shared by the lookups it depends on.
    private sealed class Work(CancellationToken cancel, Action<UpstreamExchange>? trace)
    {
        public CancellationToken Cancel { get; } = cancel;
        public Action<UpstreamExchange>? Trace { get; } = trace;
        public int Queries;
        public int Referrals;
        public bool Refresh;
    }

    private sealed class LimitException(ExtendedError error) : Exception(error.Text)
    {
        public ExtendedError Error { get; } = error;
    }

    // What asking one zone's servers about a name came to.
    private sealed record Outcome(ResponseCode Rcode, List<RRsetData> Answer, byte[]? Next, RRsetData? Soa, ExtendedError? Error);

    /// <summary>
    /// The answer to a question, never throwing for anything upstream did: failures are SERVFAIL with an
    /// Extended DNS Error. <paramref name="trace"/> sees each exchange (<c>minidns trace</c> runs a resolver
    /// with an empty cache of its own, so it sees every step). <paramref name="refresh"/>: the answer's sets
    /// are fetched again even where the cache still holds them (prefetch); delegations still come from it.
    /// </summary>
    public async Task<ResolverAnswer> ResolveAsync(ReadOnlyMemory<byte> name, ushort type, CancellationToken cancel = default,
        Action<UpstreamExchange>? trace = null, bool refresh = false)
    {
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        overall.CancelAfter(options.Timeout);
        var work = new Work(overall.Token, trace) { Refresh = refresh };
        var lower = DnsName.ToLowerCopy(name.Span);
        ResolverAnswer answer;
        try
        {
            answer = await ResolveNameAsync(lower, type, work, depth: 0);
        }
        catch (LimitException e)
        {
            answer = ResolverAnswer.Fail(e.Error);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            answer = ResolverAnswer.Fail(TimedOut);
        }
        return answer.Rcode == ResponseCode.ServFail && Stale(lower, type) is { } stale ? stale : answer;
    }

    private static readonly ExtendedError StaleAnswer = new(ExtendedError.StaleAnswer, "resolution failed: the answer is from the cache, past its TTL");

    // RFC 8767: when resolving fails, the expired answer the cache still holds, with TTL 30 and an Extended
    // DNS Error saying so; null when serve-stale is off or nothing is held.
    private ResolverAnswer? Stale(byte[] name, ushort type)
    {
        if (cache.Options.StaleWindow <= TimeSpan.Zero)
            return null;
        var answer = new List<RRsetData>();
        for (int step = 0; step <= options.MaxRestarts; step++)
        {
            if (cache.TryGetStale(name, type, out var hit))
            {
                if (hit.Kind == CacheHitKind.Positive)
                    answer.Add(hit.Set!.WithTtl(hit.TtlLeft));
                return new ResolverAnswer(hit.Kind == CacheHitKind.NxDomain ? ResponseCode.NxDomain : ResponseCode.NoError, answer, hit.Soa?.WithTtl(hit.TtlLeft), StaleAnswer);
            }
            if (type == RecordType.CNAME || !cache.TryGetStale(name, RecordType.CNAME, out var alias) || alias.Kind != CacheHitKind.Positive)
                return null;
            answer.Add(alias.Set!.WithTtl(alias.TtlLeft));
            name = DnsName.ToLowerCopy(alias.Set.First.Span);
        }
        return null;
    }

    private async Task<ResolverAnswer> ResolveNameAsync(byte[] name, ushort type, Work work, int depth)
    {
        var answer = new List<RRsetData>();
        for (int restart = 0; ; restart++)
        {
            if (restart > options.MaxRestarts)
                throw new LimitException(TooManyRestarts);
            byte[]? next;
            if (local?.Answer(name, type) is { } fromZone)
            {
                answer.AddRange(fromZone.Answer);
                // A chain that leaves the zone by a CNAME goes on from its target (another local zone, or the
                // DNS); anything else the zone says is the answer.
                if (fromZone.Answer.Count == 0 || fromZone.Answer[^1].Type != RecordType.CNAME || type == RecordType.CNAME)
                    return new ResolverAnswer(fromZone.Rcode, answer, fromZone.Soa, null);
                next = DnsName.ToLowerCopy(fromZone.Answer[^1].First.Span);
            }
            else if (!work.Refresh && cache.TryGet(name, type, out var hit))
            {
                if (hit.Kind == CacheHitKind.Positive)
                    answer.Add(hit.Set!.WithTtl(hit.TtlLeft));
                return new ResolverAnswer(hit.Kind == CacheHitKind.NxDomain ? ResponseCode.NxDomain : ResponseCode.NoError, answer, hit.Soa?.WithTtl(hit.TtlLeft), null);
            }
            else if (!work.Refresh && type != RecordType.CNAME && cache.GetSet(name, RecordType.CNAME) is { } alias)
            {
                answer.Add(alias);
                next = DnsName.ToLowerCopy(alias.First.Span);
            }
            else if (!work.Refresh && CachedDname(name) is { } dname)
            {
                AddOnce(answer, dname);
                if (Redirect(name, dname, answer) is not { } target)
                    return new ResolverAnswer(ResponseCode.YxDomain, answer, null, null);
                if (type == RecordType.CNAME)
                    return new ResolverAnswer(ResponseCode.NoError, answer, null, null);
                next = target;
            }
            else
            {
                var outcome = await LookUpAsync(name, type, work, depth);
                answer.AddRange(outcome.Answer);
                CheckChainLength(answer);
                if (outcome.Next is null)
                    return new ResolverAnswer(outcome.Rcode, answer, outcome.Soa, outcome.Error);
                next = outcome.Next;
            }
            if (IsLoop(answer, next) || next.AsSpan().SequenceEqual(name))
                throw new LimitException(CnameLoop);
            CheckChainLength(answer);
            name = next;
        }
    }

    // The limit is on the chain as a whole, however many replies gave it.
    private void CheckChainLength(List<RRsetData> answer)
    {
        if (answer.Count(set => set.Type == RecordType.CNAME) > options.MaxRestarts)
            throw new LimitException(TooManyRestarts);
    }

    // A chain comes back to a name it has left: a CNAME's owner (a DNAME's owner may be met again legitimately,
    // as the target of a name below it).
    private static bool IsLoop(List<RRsetData> answer, byte[] next) =>
        answer.Any(set => set.Type == RecordType.CNAME && set.Owner.Span.SequenceEqual(next));

    // A DNAME met twice in one chain is in the answer once.
    private static void AddOnce(List<RRsetData> answer, RRsetData dname)
    {
        if (!answer.Any(set => set.Type == RecordType.DNAME && set.Owner.Span.SequenceEqual(dname.Owner.Span)))
            answer.Add(dname);
    }

    // A live DNAME the cache holds for an ancestor of the name (the nearest), which redirects it; never one
    // above a forward zone the name lies in, whose own servers alone answer for it.
    private RRsetData? CachedDname(byte[] name)
    {
        int forwarded = ForwardersFor(name) is { } forward ? forward.Domain.Length : 0;
        for (int at = 1 + name[0]; at < name.Length && name.Length - at >= forwarded; at += 1 + name[at])
        {
            if (cache.GetSet(name.AsSpan(at), RecordType.DNAME) is { Count: 1 } dname)
                return dname;
        }
        return null;
    }

    // True when the name lies in a forward zone below the cut: its answers come from that zone's servers,
    // never from the cut's (found by attack: a DNAME in the public parent redirected a forward zone's names).
    private bool ForwardedBelow(byte[] name, byte[] cut) => ForwardersFor(name) is { } forward && forward.Domain.Length > cut.Length;

    // RFC 6672 2.2: the CNAME a DNAME makes for a name below it, added to the answer; its target, or null
    // when the substituted name would be longer than a name may be (YXDOMAIN). Synthesized CNAMEs are not
    // cached: the DNAME is, and makes them again, so an answer from the cache carries the DNAME too.
    private static byte[]? Redirect(byte[] name, RRsetData dname, List<RRsetData> answer)
    {
        var target = dname.First.Span;
        int prefix = name.Length - dname.Owner.Length;
        if (prefix + target.Length > DnsName.MaxLength)
            return null;
        var synthesized = new byte[prefix + target.Length];
        name.AsSpan(0, prefix).CopyTo(synthesized);
        target.CopyTo(synthesized.AsSpan(prefix));
        DnsName.ToLower(synthesized);
        answer.Add(RRsetData.Create(name, RecordType.CNAME, dname.Ttl, [synthesized]));
        return synthesized;
    }

    // Finds the servers to ask (forwarders, or the closest known delegation) and asks down to the answer.
    private async Task<Outcome> LookUpAsync(byte[] name, ushort type, Work work, int depth)
    {
        if (ForwardersFor(name) is { } forward)
            return await ForwardAsync(forward.Domain, forward.Servers, name, type, work);
        // A DS set lives on the parent's side of its cut (RFC 4035 3.1.4.1): start above the name itself.
        var (cut, nameServers) = ClosestDelegation(type == RecordType.DS && name.Length > 1 ? name[(1 + name[0])..] : name);
        // RFC 9156: ask each zone only for one label more than its own, so its servers learn no more of the
        // name than they need; a referral moves the cut down, a plain answer means one label more.
        int nameLabels = DnsName.LabelCount(name);
        int minimised = options.QnameMinimisation ? DnsName.LabelCount(cut) + 1 : nameLabels;
        while (true)
        {
            bool full = minimised >= nameLabels;
            var ask = full ? name : name[DnsName.SkipLabels(name, nameLabels - minimised)..];
            ushort askType = full ? type : RecordType.A;
            var reply = await AskZoneAsync(cut, nameServers, ask, askType, work, depth);
            if (reply is null)
                return new Outcome(ResponseCode.ServFail, [], null, null, new ExtendedError(ExtendedError.NoReachableAuthority, $"no server of {NameText.Format(cut)} answered"));
            // A referral to the name's own zone does not answer a DS question: that would ask the child.
            if (Referral(reply, cut, ask) is { } child && !(askType == RecordType.DS && child.AsSpan().SequenceEqual(ask)))
            {
                if (++work.Referrals > options.MaxReferrals)
                    throw new LimitException(TooManyReferrals);
                (cut, nameServers) = Delegate(reply, cut, child);
                minimised = Math.Max(minimised, DnsName.LabelCount(cut) + 1);
                continue;
            }
            if (!full)
            {
                // An answer for the shorter name: no cut there, go one label deeper. Anything else (relaxed
                // mode, RFC 9156 3): ask the full name, since some servers answer empty non-terminals wrongly.
                minimised = reply.Rcode == ResponseCode.NoError ? minimised + 1 : nameLabels;
                continue;
            }
            return Settle(reply, name, type, cut, reply.Has(HeaderFlags.AA) ? CacheRank.Authoritative : CacheRank.Answer);
        }
    }

    private async Task<Outcome> ForwardAsync(byte[] domain, IReadOnlyList<IPEndPoint> forwarders, byte[] name, ushort type, Work work)
    {
        foreach (var server in _servers.Order(forwarders))
        {
            var reply = await ExchangeAsync(domain, server, name, type, recursionDesired: true, work);
            if (reply is { Rcode: ResponseCode.NoError or ResponseCode.NxDomain or ResponseCode.YxDomain })
                return Settle(reply, name, type, domain, CacheRank.Answer);
            if (reply is not null)
                Failed(server);
        }
        return new Outcome(ResponseCode.ServFail, [], null, null, new ExtendedError(ExtendedError.NoReachableAuthority, "no forwarder answered"));
    }

    private (byte[] Domain, IReadOnlyList<IPEndPoint> Servers)? ForwardersFor(byte[] name)
    {
        (byte[] Domain, IReadOnlyList<IPEndPoint> Servers)? best = null;
        foreach (var zone in options.ForwardZones)
        {
            if (DnsName.IsSubdomainOf(name, zone.Domain) && (best is null || zone.Domain.Length > best.Value.Domain.Length))
                best = zone;
        }
        if (best is null && options.Forwarders.Count > 0)
            best = (DnsName.Root, options.Forwarders);
        return best;
    }

    // The deepest zone cut above the name whose NS set the cache holds, else the root from the hints.
    private (byte[] Cut, List<byte[]> NameServers) ClosestDelegation(byte[] name)
    {
        for (int at = 0; at < name.Length - 1; at += 1 + name[at])
        {
            if (cache.GetSet(name.AsSpan(at), RecordType.NS) is { } ns)
                return (name[at..], ns.Records.ToArrays().Select(n => DnsName.ToLowerCopy(n)).Distinct(NameComparer.Instance).ToList());
        }
        return (DnsName.Root, _hints.Select(h => h.Name).Distinct(NameComparer.Instance).ToList());
    }

    // A referral: no answer, and an NS set in the authority section for a zone below the cut that holds the
    // name asked. Anything else is an answer (or a lame server's nonsense, which the caller sorts out).
    private static byte[]? Referral(DnsMessage reply, byte[] cut, byte[] ask)
    {
        if (reply.Rcode != ResponseCode.NoError || reply.Answer.Count > 0)
            return null;
        foreach (var record in reply.Authority)
        {
            if (record.Type != RecordType.NS)
                continue;
            var owner = DnsName.ToLowerCopy(record.Owner);
            if (owner.Length > cut.Length && DnsName.IsSubdomainOf(owner, cut) && DnsName.IsSubdomainOf(ask, owner))
                return owner;
        }
        return null;
    }

    // Caches a referral's NS set and the glue inside the parent's bailiwick; returns the child's cut and servers.
    private (byte[] Cut, List<byte[]> NameServers) Delegate(DnsMessage reply, byte[] parent, byte[] child)
    {
        var nsRecords = reply.Authority.Where(r => r.Type == RecordType.NS && DnsName.EqualsIgnoreCase(r.Owner, child)).ToList();
        var names = nsRecords.Select(r => DnsName.ToLowerCopy(r.Data)).Distinct(NameComparer.Instance).ToList();
        cache.Store(RRsetData.Create(child, RecordType.NS, nsRecords.Min(r => r.Ttl), names), CacheRank.Referral);
        foreach (var group in Sets(reply.Additional))
        {
            // Glue is believed only for a listed name server, and only inside the zone that gave it.
            if (group.Key.Type is RecordType.A or RecordType.AAAA && DnsName.IsSubdomainOf(group.Key.Owner, parent)
                && names.Any(n => n.AsSpan().SequenceEqual(group.Key.Owner)))
                cache.Store(RRsetData.Create(group.Key.Owner, group.Key.Type, group.Min(r => r.Ttl), group.Select(r => r.Data)), CacheRank.Additional);
        }
        return (child, names);
    }

    // The final reply for the name from a server of the cut: the chain of answers inside its bailiwick, or a
    // negative answer, cached; a chain that leaves the bailiwick says where to go on.
    private Outcome Settle(DnsMessage reply, byte[] name, ushort type, byte[] cut, CacheRank rank)
    {
        var sets = Sets(reply.Answer).Where(g => DnsName.IsSubdomainOf(g.Key.Owner, cut) && !ForwardedBelow(g.Key.Owner, cut))
            .ToDictionary(g => g.Key, g => RRsetData.Create(g.Key.Owner, g.Key.Type, g.Min(r => r.Ttl), g.Select(r => r.Data)), OwnerTypeComparer.Instance);
        var answer = new List<RRsetData>();
        var current = name;
        if (type == RecordType.ANY && DnameAbove(sets, current) is null)
        {
            // ANY: whatever sets the server gave for the name (RFC 8482 lets it give one), each cached as itself.
            var all = sets.Where(s => s.Key.Owner.AsSpan().SequenceEqual(current)).Select(s => cache.Store(s.Value, rank)).ToList();
            if (all.Count > 0)
                return new Outcome(ResponseCode.NoError, all, null, null, null);
        }
        for (int step = 0; step <= options.MaxRestarts; step++)
        {
            if (sets.TryGetValue((current, type), out var data))
            {
                answer.Add(cache.Store(data, rank));
                return new Outcome(ResponseCode.NoError, answer, null, null, null);
            }
            if (DnameAbove(sets, current) is { } dname)
            {
                // The CNAME the server sent beside it is not believed: ours is made from the DNAME.
                if (dname.Count != 1)
                    return new Outcome(ResponseCode.ServFail, [], null, null, MalformedDname);
                var kept = cache.Store(dname, rank);
                AddOnce(answer, kept);
                if (Redirect(current, kept, answer) is not { } target)
                    return new Outcome(ResponseCode.YxDomain, answer, null, null, null);
                if (type == RecordType.CNAME)
                    return new Outcome(ResponseCode.NoError, answer, null, null, null);
                current = target;
            }
            else if (type != RecordType.CNAME && sets.TryGetValue((current, RecordType.CNAME), out var alias) && alias.Count == 1)
            {
                answer.Add(cache.Store(alias, rank));
                current = DnsName.ToLowerCopy(alias.First.Span);
            }
            else
            {
                break;
            }
            if (IsLoop(answer, current))
                throw new LimitException(CnameLoop);
            if (step == options.MaxRestarts)
                throw new LimitException(TooManyRestarts);
            if (!DnsName.IsSubdomainOf(current, cut) || ForwardedBelow(current, cut))
                return new Outcome(ResponseCode.NoError, answer, current, null, null);
        }
        if (reply.Rcode == ResponseCode.YxDomain)
        {
            // Ours fitted (a YXDOMAIN of our own returned above): the server's claim is not believed. What we
            // made is followed from the top; a YXDOMAIN with no DNAME at all is the server failing.
            return answer.Count > 0
                ? new Outcome(ResponseCode.NoError, answer, current, null, null)
                : new Outcome(ResponseCode.ServFail, [], null, null, BogusYxDomain);
        }
        var soa = NegativeSoa(reply, current, cut);
        bool negative = reply.Rcode == ResponseCode.NxDomain || soa is not null || reply.Answer.Count == 0;
        if (answer.Count > 0 && !negative)
            return new Outcome(ResponseCode.NoError, answer, current, null, null); // the target lies in a zone below: ask again from there
        if (reply.Rcode == ResponseCode.NxDomain)
        {
            cache.StoreNegative(current, type, nxDomain: true, soa, NegativeTtl(soa));
            return new Outcome(ResponseCode.NxDomain, answer, null, soa, null);
        }
        cache.StoreNegative(current, type, nxDomain: false, soa, NegativeTtl(soa));
        return new Outcome(ResponseCode.NoError, answer, null, soa, null);
    }

    private static readonly ExtendedError MalformedDname = new(ExtendedError.Other, "a DNAME set of more than one record (RFC 6672 2.4)");
    private static readonly ExtendedError BogusYxDomain = new(ExtendedError.Other, "YXDOMAIN without a DNAME that makes the name too long");

    // The DNAME set of the reply at the nearest ancestor of the name, if any (of one record, if well formed).
    private static RRsetData? DnameAbove(Dictionary<(byte[] Owner, ushort Type), RRsetData> sets, byte[] name)
    {
        for (int at = 1 + name[0]; at < name.Length; at += 1 + name[at])
        {
            if (sets.TryGetValue((name[at..], RecordType.DNAME), out var dname))
                return dname;
        }
        return null;
    }

    // The SOA of a negative answer (RFC 2308 3): in the authority section, for a zone holding the name, inside the bailiwick.
    private static RRsetData? NegativeSoa(DnsMessage reply, byte[] name, byte[] cut)
    {
        foreach (var record in reply.Authority)
        {
            if (record.Type != RecordType.SOA)
                continue;
            var owner = DnsName.ToLowerCopy(record.Owner);
            if (DnsName.IsSubdomainOf(owner, cut) && DnsName.IsSubdomainOf(name, owner) && record.Data.Length >= 22)
                return RRsetData.Create(owner, RecordType.SOA, record.Ttl, [record.Data]);
        }
        return null;
    }

    // RFC 2308 5: the lower of the SOA's TTL and its MINIMUM field; no SOA, no caching.
    private static uint NegativeTtl(RRsetData? soa) =>
        soa is null ? 0 : Math.Min(soa.Ttl, RdataCodec.ReadU32(soa.First.Span, soa.First.Length - 4));

    // Asks the zone's servers in turn, best first, until one gives a usable reply; null when none did.
    private async Task<DnsMessage?> AskZoneAsync(byte[] cut, List<byte[]> nameServers, byte[] ask, ushort type, Work work, int depth)
    {
        var tried = new HashSet<IPEndPoint>();
        bool resolvedAny = false;
        while (true)
        {
            var candidates = _servers.Order(Addresses(cut, nameServers).Where(a => !tried.Contains(a)));
            if (candidates.Count == 0)
            {
                // Glueless: with no address known for any server, look up their names (one more level of
                // dependent lookups) until one has an address.
                if (tried.Count > 0 || resolvedAny)
                    return null;
                await ResolveNameServerAsync(cut, nameServers, work, depth);
                resolvedAny = true;
                continue;
            }
            var server = candidates[0];
            tried.Add(server);
            var reply = await ExchangeAsync(cut, server, ask, type, recursionDesired: false, work);
            if (reply is null)
                continue;
            if (reply.Rcode is ResponseCode.NoError or ResponseCode.NxDomain or ResponseCode.YxDomain && !IsLame(reply, cut, ask))
                return reply;
            Failed(server);
        }
    }

    // A lame reply: neither an answer, nor a negative answer, nor a referral downwards (an upward referral,
    // or a server that does not serve the zone and says nothing useful).
    private static bool IsLame(DnsMessage reply, byte[] cut, byte[] ask) =>
        reply.Rcode == ResponseCode.NoError && reply.Answer.Count == 0 && !reply.Has(HeaderFlags.AA)
        && !reply.Authority.Any(r => r.Type == RecordType.SOA) && Referral(reply, cut, ask) is null;

    private List<IPEndPoint> Addresses(byte[] cut, List<byte[]> nameServers)
    {
        var addresses = new List<IPEndPoint>();
        foreach (var ns in nameServers.Take(options.MaxNsNames))
        {
            if (cut.Length == 1 && _hints.Any(h => h.Name.AsSpan().SequenceEqual(ns)))
                addresses.AddRange(_hints.Where(h => h.Name.AsSpan().SequenceEqual(ns)).Select(h => new IPEndPoint(h.Address, options.UpstreamPort)));
            foreach (ushort type in (ushort[])[RecordType.A, RecordType.AAAA])
            {
                if (cache.GetSet(ns, type) is { } set)
                    foreach (var data in set.Records)
                    {
                        // An address a zone gave may be one no server has (0.0.0.0 would ask this machine).
                        var address = new IPAddress(data);
                        if (ServerAddress.IsUsable(address))
                            addresses.Add(new IPEndPoint(address, options.UpstreamPort));
                    }
            }
        }
        return addresses;
    }

    private async Task ResolveNameServerAsync(byte[] cut, List<byte[]> nameServers, Work work, int depth)
    {
        if (depth + 1 > options.MaxDependencyDepth)
            throw new LimitException(TooDeep);
        foreach (var ns in nameServers.Take(options.MaxNsNames))
        {
            // A server named inside the zone it serves needs glue; without it, looking it up would ask the zone itself.
            if (DnsName.IsSubdomainOf(ns, cut) && cut.Length > 1)
                continue;
            var found = await ResolveNameAsync(ns, RecordType.A, work, depth + 1);
            if (found.Answer.Any(s => s.Type == RecordType.A))
                return;
        }
        throw new LimitException(new ExtendedError(ExtendedError.NoReachableAuthority, $"no address for any name server of {NameText.Format(cut)}"));
    }

    // One query to one server: a fresh ID (and letter case), EDNS unless the server refused it, TCP when
    // the UDP reply was truncated. Null when no acceptable reply came.
    private async Task<DnsMessage?> ExchangeAsync(byte[] zone, IPEndPoint server, byte[] name, ushort type, bool recursionDesired, Work work)
    {
        bool edns = _servers.SpeaksEdns(server), tcp = false;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            work.Cancel.ThrowIfCancellationRequested();
            if (++work.Queries > options.MaxUpstreamQueries)
                throw new LimitException(TooManyQueries);
            Interlocked.Increment(ref _upstreamQueries);
            ushort id = UpstreamQuery.NewId();
            var asked = options.Use0x20 ? UpstreamQuery.RandomCase(name) : name;
            var query = UpstreamQuery.Build(id, asked, type, edns, recursionDesired);
            var clock = Stopwatch.StartNew();
            var bytes = await upstream.ExchangeAsync(server, query, tcp, options.TryTimeout,
                reply => UpstreamQuery.Matches(reply, id, asked, type, exactCase: options.Use0x20), work.Cancel);
            var elapsed = clock.Elapsed;
            if (bytes is null)
            {
                Interlocked.Increment(ref _upstreamTimeouts);
                _servers.TimedOut(server, options.TryTimeout);
                Report(work, zone, server, name, type, tcp, elapsed, null, "no reply");
                return null;
            }
            if (!MessageReader.TryRead(bytes, out var reply, out string error))
            {
                Interlocked.Increment(ref _upstreamFailures);
                _servers.Failed(server, elapsed);
                Report(work, zone, server, name, type, tcp, elapsed, null, $"malformed reply: {error}");
                return null;
            }
            _servers.Answered(server, elapsed);
            Report(work, zone, server, name, type, tcp, elapsed, reply, null);
            if (reply.Has(HeaderFlags.TC))
            {
                if (tcp)
                {
                    // Truncated over TCP too: there is no whole answer to be had from this server.
                    Interlocked.Increment(ref _upstreamFailures);
                    _servers.Failed(server, elapsed);
                    return null;
                }
                tcp = true; // RFC 7766: the whole answer over TCP
                continue;
            }
            if (edns && reply.Rcode is ResponseCode.FormErr or ResponseCode.NotImp)
            {
                _servers.NoEdns(server); // RFC 6891 7: a server that does not know OPT
                edns = false;
                continue;
            }
            return reply;
        }
        return null;
    }

    private void Failed(IPEndPoint server)
    {
        Interlocked.Increment(ref _upstreamFailures);
        _servers.Failed(server, TimeSpan.Zero);
    }

    // Made only when someone listens: most resolutions have no trace and no debug log.
    private void Report(Work work, byte[] zone, IPEndPoint server, byte[] name, ushort type, bool tcp, TimeSpan elapsed, DnsMessage? reply, string? error)
    {
        if (work.Trace is null && Exchanged is null)
            return;
        var exchange = new UpstreamExchange(zone, server, name, type, tcp, elapsed, reply, error);
        work.Trace?.Invoke(exchange);
        Exchanged?.Invoke(exchange);
    }

    // Records grouped into RRsets by lower-cased owner and type (class IN only).
    private static IEnumerable<IGrouping<(byte[] Owner, ushort Type), DnsRecord>> Sets(IEnumerable<DnsRecord> records) =>
        records.Where(r => r.Class == DnsClass.IN && r.Type != RecordType.OPT)
            .GroupBy(r => (DnsName.ToLowerCopy(r.Owner), r.Type), OwnerTypeComparer.Instance);

    private sealed class OwnerTypeComparer : IEqualityComparer<(byte[] Owner, ushort Type)>
    {
        public static readonly OwnerTypeComparer Instance = new();
        public bool Equals((byte[] Owner, ushort Type) x, (byte[] Owner, ushort Type) y) => x.Type == y.Type && x.Owner.AsSpan().SequenceEqual(y.Owner);
        public int GetHashCode((byte[] Owner, ushort Type) key)
        {
            var hash = new HashCode();
            hash.AddBytes(key.Owner);
            hash.Add(key.Type);
            return hash.ToHashCode();
        }
    }
}
