using MiniDns.Resolution;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns;

/// <summary>
/// Bytes in, bytes out: reads a query, answers it from the current snapshot and writes the response.
/// Knows nothing of sockets; each receive loop owns one <see cref="QueryContext"/>, so loops share no state.
/// </summary>
public static class QueryProcessor
{
    /// <summary>
    /// Answers <paramref name="request"/> into <paramref name="response"/> within <paramref name="maxResponse"/>
    /// octets (UDP: null lets the query's EDNS decide). Returns the length to send; 0 means send nothing.
    /// </summary>
    public static int Process(ReadOnlySpan<byte> request, Span<byte> response, ZoneSnapshot snapshot, QueryContext context, int? maxResponse = null)
    {
        var query = context.Query;
        var result = QueryReader.Read(request, query);
        context.LastResult = result;
        context.LastReason = query.Malformed;
        context.LastTruncated = false;
        context.LastNeedsResolution = false;
        context.LastNeedsRefresh = false;
        switch (result)
        {
            case QueryParseResult.Drop:
                return 0;
            case QueryParseResult.FormErr:
                context.LastRcode = ResponseCode.FormErr;
                return ResponseWriter.WriteHeaderOnly(request, ResponseCode.FormErr, response);
            case QueryParseResult.NotImp:
                context.LastRcode = ResponseCode.NotImp;
                return ResponseWriter.WriteHeaderOnly(request, ResponseCode.NotImp, response);
        }

        if (query.CookieLength > 0 && context.Cookies is { } cookies && context.ClientAddress.Length > 0)
            AnswerCookie(query, cookies, context.ClientAddress);

        var plan = context.Plan;
        if (query.HasEdns && query.EdnsVersion > 0)
        {
            // RFC 6891 6.1.3: a version we do not speak gets BADVERS and no answer.
            plan.Reset();
            plan.Rcode = ResponseCode.BadVers;
        }
        else
        {
            AuthoritativeAnswerer.Answer(query, snapshot, plan);
            if (context.Recursion is { } recursion && recursion.Allows(context.ClientAddress))
            {
                // Local zones always win; a name outside them, asked with RD, comes from the cache or the resolver.
                if (plan.Reason == ResponseReason.NoZone && query.RecursionDesired)
                {
                    if (!CacheAnswerer.TryAnswer(query, recursion.Cache, plan, recursion.MaxRestarts, out bool refresh))
                    {
                        context.LastNeedsResolution = true;
                        return 0;
                    }
                    context.LastNeedsRefresh = refresh;
                }
                plan.RecursionAvailable = true;
            }
        }
        context.LastRcode = plan.Rcode;
        context.LastReason = plan.Reason;
        int limit = maxResponse ?? ResponseWriter.UdpLimit(query);
        int length = ResponseWriter.Write(request, query, plan, limit, response, context.Compressor);
        context.LastTruncated = length > HeaderFlags.HeaderLength && (response[2] & (HeaderFlags.TC >> 8)) != 0;
        return length;
    }

    /// <summary>
    /// Writes the resolver's answer to a request <see cref="Process"/> handed on (<see cref="QueryContext.LastNeedsResolution"/>),
    /// with the same header, OPT and cookie handling. Returns the length to send; 0 when the request does not read.
    /// </summary>
    public static int WriteResolved(ReadOnlySpan<byte> request, Span<byte> response, ResolverAnswer answer, QueryContext context, int? maxResponse = null)
    {
        var query = context.Query;
        if (QueryReader.Read(request, query) != QueryParseResult.Ok)
            return 0;
        if (query.CookieLength > 0 && context.Cookies is { } cookies && context.ClientAddress.Length > 0)
            AnswerCookie(query, cookies, context.ClientAddress);
        answer.Plan(context.Plan);
        context.LastRcode = answer.Rcode;
        context.LastReason = ResponseReason.None;
        int length = ResponseWriter.Write(request, query, context.Plan, maxResponse ?? ResponseWriter.UdpLimit(query), response, context.Compressor);
        context.LastTruncated = length > HeaderFlags.HeaderLength && (response[2] & (HeaderFlags.TC >> 8)) != 0;
        return length;
    }

    // RFC 7873 5.2: check a server cookie the client brings, and answer with the client cookie and a fresh one.
    private static void AnswerCookie(DnsQuery query, ServerCookies cookies, ReadOnlySpan<byte> client)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        query.HasValidServerCookie = cookies.IsValid(query.ServerCookie, query.ClientCookie, client, now);
        query.ClientCookie.CopyTo(query.ResponseCookie);
        cookies.Write(query.ResponseCookie.AsSpan(ServerCookies.ClientCookieLength), query.ClientCookie, client, now);
        query.ResponseCookieLength = query.ResponseCookie.Length;
    }
}
