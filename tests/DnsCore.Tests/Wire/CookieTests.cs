using System.Buffers.Binary;
using System.Net;
using MiniDns.Tests.Support;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Wire;

/// <summary>DNS cookies (RFC 7873) with RFC 9018 server cookies: SipHash-2-4, the RFC's vector, and the wire.</summary>
public sealed class CookieTests
{
    private static readonly ZoneSnapshot Snapshot = LocalAnswer.Snapshot(TestZonesText.EachKind);
    private static readonly byte[] Secret = Convert.FromHexString("e5e973e5a6b2a43f48e7dc849e37bfcf");

    [Theory]
    [InlineData("", "310e0edd47db6f72")]
    [InlineData("00", "fd67dc93c539f874")]
    [InlineData("000102030405060708090a0b0c0d0e", "e545be4961ca29a1")] // the paper's 0xa129ca6149be45e5, as octets
    public void SipHash_2_4_matches_the_reference_vectors(string message, string expected)
    {
        // Key 00 01 ... 0f; the reference implementation writes the 64-bit result little-endian.
        var key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var output = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(output, SipHash.Hash24(key, Convert.FromHexString(message)));
        Assert.Equal(expected, Convert.ToHexString(output).ToLowerInvariant());
    }

    [Fact]
    public void The_server_cookie_of_rfc_9018_appendix_a_1()
    {
        var cookies = new ServerCookies(Secret);
        var serverCookie = new byte[16];
        cookies.Write(serverCookie, Convert.FromHexString("2464c4abcf10c957"), IPAddress.Parse("198.51.100.100").GetAddressBytes(), 1559731985);
        Assert.Equal("010000005cf79f111f8130c3eee29480", Convert.ToHexString(serverCookie).ToLowerInvariant());
    }

    [Fact]
    public void A_cookie_is_valid_for_its_client_within_an_hour_and_under_the_previous_secret()
    {
        var client = Convert.FromHexString("2464c4abcf10c957");
        var address = IPAddress.Parse("198.51.100.100").GetAddressBytes();
        var serverCookie = new byte[16];
        new ServerCookies(Secret).Write(serverCookie, client, address, 1_000_000);

        var rotated = new ServerCookies(new byte[16], previousSecret: Secret);
        Assert.True(rotated.IsValid(serverCookie, client, address, 1_000_000 + 3600));
        Assert.False(rotated.IsValid(serverCookie, client, address, 1_000_000 + 3601)); // too old
        Assert.False(rotated.IsValid(serverCookie, client, address, 1_000_000 - 301)); // too far ahead
        Assert.False(new ServerCookies(new byte[16]).IsValid(serverCookie, client, address, 1_000_000)); // other secret
        Assert.False(rotated.IsValid(serverCookie, client, IPAddress.Parse("198.51.100.101").GetAddressBytes(), 1_000_000));
        serverCookie[15] ^= 1;
        Assert.False(rotated.IsValid(serverCookie, client, address, 1_000_000));
    }

    private static byte[] WithCookie(byte[] cookie)
    {
        var query = QueryBytes.Build("www.example.test.", RecordType.A, ednsPayload: 1232);
        byte[] option = [0, 10, (byte)(cookie.Length >> 8), (byte)cookie.Length, .. cookie];
        BinaryPrimitives.WriteUInt16BigEndian(query.AsSpan(query.Length - 2), (ushort)option.Length);
        return [.. query, .. option];
    }

    private static (DnsMessage Reply, QueryContext Context) Ask(byte[] request, ServerCookies? cookies)
    {
        var context = new QueryContext { Cookies = cookies };
        context.SetClient(new IPEndPoint(IPAddress.Parse("198.51.100.100"), 5353).Serialize().Buffer.Span);
        var response = new byte[65535];
        int length = QueryProcessor.Process(request, response, Snapshot, context);
        Assert.True(MessageReader.TryRead(response.AsSpan(0, length), out var reply, out var error), error);
        return (reply, context);
    }

    private static byte[] CookieOf(DnsMessage reply)
    {
        var opt = Assert.Single(reply.Additional, r => r.Type == RecordType.OPT);
        Assert.Equal(10, BinaryPrimitives.ReadUInt16BigEndian(opt.Data));
        return opt.Data[4..];
    }

    [Fact]
    public void A_client_cookie_is_answered_with_a_server_cookie_that_is_valid_when_brought_back()
    {
        var cookies = new ServerCookies(Secret);
        var clientCookie = Convert.FromHexString("2464c4abcf10c957");
        var (first, context) = Ask(WithCookie(clientCookie), cookies);
        Assert.False(context.Query.HasValidServerCookie);
        var cookie = CookieOf(first);
        Assert.Equal(24, cookie.Length);
        Assert.Equal(clientCookie, cookie[..8]);
        Assert.Single(first.Answer);

        var (second, again) = Ask(WithCookie(cookie), cookies);
        Assert.True(again.Query.HasValidServerCookie);
        Assert.Single(second.Answer);

        cookie[^1] ^= 0xFF;
        Assert.False(Ask(WithCookie(cookie), cookies).Context.Query.HasValidServerCookie);
    }

    [Fact]
    public void Without_cookie_support_the_option_is_ignored()
    {
        var (reply, _) = Ask(WithCookie(new byte[8]), cookies: null);
        var opt = Assert.Single(reply.Additional, r => r.Type == RecordType.OPT);
        Assert.Empty(opt.Data);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(41)]
    public void A_cookie_of_an_impossible_length_is_a_format_error(int length)
    {
        // RFC 7873 5.2.2: shorter than a client cookie, a server cookie under 8 octets, or over 40 in all.
        var (reply, _) = Ask(WithCookie(new byte[length]), new ServerCookies(Secret));
        Assert.Equal(ResponseCode.FormErr, reply.Rcode);
    }

    [Fact]
    public void An_option_that_overruns_the_opt_record_is_a_format_error()
    {
        var request = WithCookie(new byte[8]);
        request[^10] = 0xFF; // the option claims 0xFF08 octets
        Assert.Equal(ResponseCode.FormErr, Ask(request, new ServerCookies(Secret)).Reply.Rcode);
    }
}
