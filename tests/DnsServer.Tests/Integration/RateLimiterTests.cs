using System.Net;
using System.Net.Sockets;
using MiniDns.Server;
using MiniDns.Tests.Support;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Integration;

/// <summary>The RRL decision alone: buckets, slip, debt over the window, exemptions, no allocation.</summary>
public sealed class RateLimiterTests
{
    private static readonly ZoneSnapshot Snapshot = BuildSnapshot();

    private static ZoneSnapshot BuildSnapshot()
    {
        var file = MasterFileParser.Parse(TestZones.Example, "example.test.zone");
        Assert.True(file.IsValid, string.Join("\n", file.Errors));
        return new ZoneSnapshot([ZoneBuilder.Build(file.Origin!, file.Records)]);
    }

    private static QueryContext Answered(string name, ushort type = RecordType.A)
    {
        var context = new QueryContext();
        QueryProcessor.Process(QueryBytes.Build(name, type), new byte[65535], Snapshot, context);
        return context;
    }

    private static byte[] Sockaddr(string address)
    {
        var socketAddress = new IPEndPoint(IPAddress.Parse(address), 5353).Serialize();
        return socketAddress.Buffer.Span[..socketAddress.Size].ToArray();
    }

    private static ResponseRateLimiter Limiter(int rate = 10, int slip = 2, params IPNetwork[] exempt) => new(rate, slip, windowSeconds: 5, exempt);

    private static (int Sent, int Slipped, int Dropped) Run(ResponseRateLimiter limiter, byte[] client, QueryContext context, int count, long second)
    {
        int sent = 0, slipped = 0, dropped = 0;
        context.SetClient(client);
        for (int i = 0; i < count; i++)
        {
            switch (limiter.Decide(context, second))
            {
                case RateDecision.Send: sent++; break;
                case RateDecision.Slip: slipped++; break;
                default: dropped++; break;
            }
        }
        return (sent, slipped, dropped);
    }

    [Fact]
    public void A_bucket_sends_its_rate_then_slips_every_second_limited_response()
    {
        var (sent, slipped, dropped) = Run(Limiter(), Sockaddr("192.0.2.1"), Answered("www.example.test."), 30, second: 100);
        Assert.Equal((10, 10, 10), (sent, slipped, dropped));
    }

    [Fact]
    public void Slip_zero_drops_every_limited_response()
    {
        var (sent, slipped, dropped) = Run(Limiter(slip: 0), Sockaddr("192.0.2.1"), Answered("www.example.test."), 30, second: 100);
        Assert.Equal((10, 0, 20), (sent, slipped, dropped));
    }

    [Fact]
    public void A_source_that_keeps_flooding_stays_limited_for_the_window()
    {
        var limiter = Limiter();
        var client = Sockaddr("192.0.2.1");
        var context = Answered("www.example.test.");
        Run(limiter, client, context, 100, second: 100); // 90 over: in debt to the floor, -rate × window = -50
        Assert.Equal(0, Run(limiter, client, context, 5, second: 101).Sent); // one second's credit pays part of the debt
        Assert.Equal(10, Run(limiter, client, context, 10, second: 110).Sent); // after the window, the full rate again
    }

    [Fact]
    public void Buckets_are_per_prefix_and_per_answer()
    {
        var limiter = Limiter();
        var context = Answered("www.example.test.");
        Run(limiter, Sockaddr("192.0.2.1"), context, 50, second: 100);
        Assert.Equal(0, Run(limiter, Sockaddr("192.0.2.200"), context, 5, second: 100).Sent); // the same /24
        Assert.Equal(10, Run(limiter, Sockaddr("192.0.3.1"), context, 10, second: 100).Sent); // another /24
        Assert.Equal(10, Run(limiter, Sockaddr("192.0.2.1"), Answered("mail.example.test."), 10, second: 100).Sent); // another answer
        Run(limiter, Sockaddr("2001:db8:0:100::1"), context, 50, second: 100);
        Assert.Equal(0, Run(limiter, Sockaddr("2001:db8:0:1ff::1"), context, 5, second: 100).Sent); // the same /56
        Assert.Equal(10, Run(limiter, Sockaddr("2001:db8:0:200::1"), context, 10, second: 100).Sent);
    }

    [Fact]
    public void Random_names_under_one_zone_share_its_nxdomain_bucket()
    {
        var limiter = Limiter();
        var client = Sockaddr("192.0.2.1");
        int sent = 0;
        for (int i = 0; i < 30; i++)
            sent += Run(limiter, client, Answered($"random{i}.example.test."), 1, second: 100).Sent;
        Assert.Equal(10, sent);
    }

    [Fact]
    public void Random_names_under_a_wildcard_share_the_wildcards_bucket()
    {
        // Found by attack: each synthesized name had its own bucket, so random names evaded the limit.
        var limiter = Limiter();
        var client = Sockaddr("192.0.2.1");
        int sent = 0;
        for (int i = 0; i < 30; i++)
            sent += Run(limiter, client, Answered($"random{i}.wild.example.test."), 1, second: 100).Sent;
        Assert.Equal(10, sent);
    }

    [Fact]
    public void A_slip_after_a_format_error_is_the_header_alone_and_leaks_no_earlier_response()
    {
        // Found by attack: a FORMERR whose question had parsed slipped with the question's length, sending
        // bytes of the previous client's response still in the loop's buffer.
        var response = new byte[65535];
        var context = new QueryContext();
        QueryProcessor.Process(QueryBytes.Build("www.example.test.", RecordType.A), response, Snapshot, context);
        var malformed = QueryBytes.Build("www.example.test.", RecordType.A);
        malformed[11] = 1; // ARCOUNT 1, and no record follows the question
        int length = QueryProcessor.Process(malformed, response, Snapshot, context);
        Assert.Equal(HeaderFlags.HeaderLength, length);
        Assert.Equal(HeaderFlags.HeaderLength, ResponseRateLimiter.WriteSlip(response, context));
    }

    [Fact]
    public void Exempt_networks_and_rate_zero_are_never_limited()
    {
        var context = Answered("www.example.test.");
        Assert.Equal(100, Run(Limiter(exempt: IPNetwork.Parse("192.0.2.0/28")), Sockaddr("192.0.2.9"), context, 100, second: 100).Sent);
        Assert.Equal(10, Run(Limiter(exempt: IPNetwork.Parse("192.0.2.0/28")), Sockaddr("192.0.2.17"), context, 100, second: 100).Sent);
        Assert.Equal(100, Run(Limiter(rate: 0), Sockaddr("192.0.2.9"), context, 100, second: 100).Sent);
    }

    [Fact]
    public void A_query_with_a_valid_server_cookie_is_never_limited()
    {
        var cookies = new ServerCookies(new byte[16]);
        var client = Sockaddr("192.0.2.1");
        var clientCookie = new byte[8];
        var serverCookie = new byte[16];
        cookies.Write(serverCookie, clientCookie, [192, 0, 2, 1], DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var request = QueryBytes.Build("www.example.test.", RecordType.A, ednsPayload: 1232);
        byte[] option = [0, 10, 0, 24, .. clientCookie, .. serverCookie];
        request[^1] = (byte)option.Length;
        var context = new QueryContext { Cookies = cookies };
        context.SetClient(client);
        QueryProcessor.Process([.. request, .. option], new byte[65535], Snapshot, context);
        Assert.True(context.Query.HasValidServerCookie);
        Assert.Equal(100, Run(Limiter(), client, context, 100, second: 100).Sent);
    }

    [Fact]
    public void A_slip_is_the_header_and_question_with_tc_set()
    {
        var request = QueryBytes.Build("www.example.test.", RecordType.A, ednsPayload: 1232);
        var response = new byte[65535];
        var context = new QueryContext();
        QueryProcessor.Process(request, response, Snapshot, context);
        int length = ResponseRateLimiter.WriteSlip(response, context);
        Assert.True(MessageReader.TryRead(response.AsSpan(0, length), out var slip, out var error), error);
        Assert.True((slip.Flags & HeaderFlags.TC) != 0);
        Assert.Single(slip.Questions);
        Assert.Empty(slip.Answer);
        Assert.Empty(slip.Additional);
    }

    [Fact]
    public void Deciding_allocates_nothing()
    {
        var limiter = Limiter(exempt: IPNetwork.Parse("198.51.100.0/24"));
        var client = Sockaddr("2001:db8::1");
        var context = Answered("www.example.test.");
        // Warm every path first, a new second's refill included, so nothing is run for the first time below.
        Run(limiter, client, context, 100, second: 100);
        Run(limiter, client, context, 100, second: 101);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(limiter, client, context, 1000, second: 102);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
