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
        }
        context.LastRcode = plan.Rcode;
        context.LastReason = plan.Reason;
        int limit = maxResponse ?? ResponseWriter.UdpLimit(query);
        int length = ResponseWriter.Write(request, query, plan, limit, response, context.Compressor);
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
