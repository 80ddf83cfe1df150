using DnsClient;
using DnsClient.Protocol;
using DnsClient.Protocol.Options;
using MiniDns.Tests.Support;

namespace MiniDns.Tests.Integration;

/// <summary>
/// RFC 1034 4.3.2 and its successors, asked of the running server with DnsClient over UDP and over TCP.
/// </summary>
public sealed class AuthoritativeAnswerTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int DnameType = 39;

    public static TheoryData<Transport> Transports => [Transport.Udp, Transport.Tcp];

    private Task<IDnsQueryResponse> Ask(Transport transport, string name, QueryType type) =>
        server.Client(transport).QueryAsync(name, type, cancellationToken: TestContext.Current.CancellationToken);

    private static string[] Lines(IEnumerable<DnsResourceRecord> records) =>
        records.Select(r => r.ToString().Replace('\t', ' ')).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray();

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_existing_name_is_answered_with_aa_set_and_ra_clear(Transport transport)
    {
        var response = await Ask(transport, "www.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.True(response.Header.HasAuthorityAnswer);
        Assert.False(response.Header.RecursionAvailable);
        Assert.Equal(["www.example.test. 300 IN A 192.0.2.80"], Lines(response.Answers));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_cname_chain_inside_the_zone_is_followed(Transport transport)
    {
        var response = await Ask(transport, "chain1.example.test", QueryType.A);
        Assert.True(response.Header.HasAuthorityAnswer);
        Assert.Equal(
        [
            "chain1.example.test. 3600 IN CNAME chain2.example.test.",
            "chain2.example.test. 3600 IN CNAME www.example.test.",
            "www.example.test. 300 IN A 192.0.2.80",
        ], Lines(response.Answers));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_cname_leaving_the_zone_is_answered_alone(Transport transport)
    {
        var response = await Ask(transport, "outside.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.Equal(["outside.example.test. 3600 IN CNAME www.elsewhere.invalid."], Lines(response.Answers));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_cname_to_a_missing_name_gives_nxdomain_with_the_cname(Transport transport)
    {
        // RFC 6604 2.1: the rcode speaks for the last name in the chain.
        var response = await Ask(transport, "dangling.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, response.Header.ResponseCode);
        Assert.Equal(["dangling.example.test. 3600 IN CNAME missing.example.test."], Lines(response.Answers));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_cname_loop_ends(Transport transport)
    {
        var response = await Ask(transport, "loop1.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.Equal(
        [
            "loop1.example.test. 3600 IN CNAME loop2.example.test.",
            "loop2.example.test. 3600 IN CNAME loop1.example.test.",
        ], Lines(response.Answers));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Nxdomain_carries_the_soa_with_the_negative_ttl(Transport transport)
    {
        var response = await Ask(transport, "nothing.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, response.Header.ResponseCode);
        Assert.True(response.Header.HasAuthorityAnswer);
        Assert.Empty(response.Answers);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(response.Authorities));
        Assert.Equal(300, soa.TimeToLive); // RFC 2308 5: min(SOA TTL 3600, MINIMUM 300)
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Nodata_is_noerror_with_the_soa(Transport transport)
    {
        var response = await Ask(transport, "www.example.test", QueryType.MX);
        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.Empty(response.Answers);
        Assert.IsType<SoaRecord>(Assert.Single(response.Authorities));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_empty_non_terminal_is_nodata_not_nxdomain(Transport transport)
    {
        foreach (var name in new[] { "b.c.example.test", "c.example.test" })
        {
            var response = await Ask(transport, name, QueryType.A);
            Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
            Assert.Empty(response.Answers);
            Assert.IsType<SoaRecord>(Assert.Single(response.Authorities));
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_wildcard_synthesizes_the_query_name(Transport transport)
    {
        var response = await Ask(transport, "anything.wild.example.test", QueryType.A);
        Assert.True(response.Header.HasAuthorityAnswer);
        Assert.Equal(["anything.wild.example.test. 3600 IN A 192.0.2.99"], Lines(response.Answers));
        var deeper = await Ask(transport, "a.b.wild.example.test", QueryType.TXT);
        Assert.Equal(["a.b.wild.example.test. 3600 IN TXT \"wild\""], Lines(deeper.Answers));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_wildcard_never_covers_an_existing_name_or_an_empty_non_terminal(Transport transport)
    {
        var existing = await Ask(transport, "exists.wild.example.test", QueryType.TXT);
        Assert.Equal(DnsHeaderResponseCode.NoError, existing.Header.ResponseCode);
        Assert.Empty(existing.Answers);
        var ent = await Ask(transport, "ent.wild.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NoError, ent.Header.ResponseCode);
        Assert.Empty(ent.Answers);
        // Below the empty non-terminal, the closest encloser is ent.wild, which has no wildcard child.
        var below = await Ask(transport, "y.ent.wild.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, below.Header.ResponseCode);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_wildcard_without_the_type_is_nodata(Transport transport)
    {
        var response = await Ask(transport, "anything.wild.example.test", QueryType.MX);
        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.Empty(response.Answers);
        Assert.IsType<SoaRecord>(Assert.Single(response.Authorities));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_dname_gives_itself_a_synthesized_cname_and_the_answer(Transport transport)
    {
        var response = await Ask(transport, "www.old.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        // DnsClient has no DNAME type: it reads it as unknown data, so check the owner and type of the first record.
        Assert.Equal(3, response.Answers.Count);
        Assert.Equal(DnameType, (int)response.Answers[0].RecordType);
        Assert.Equal("old.example.test.", response.Answers[0].DomainName.Value);
        Assert.Equal(
        [
            "www.old.example.test. 3600 IN CNAME www.new.example.test.",
            "www.new.example.test. 3600 IN A 192.0.2.44",
        ], Lines(response.Answers.Skip(1)));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_dname_result_longer_than_255_octets_is_yxdomain(Transport transport)
    {
        string prefix = string.Join('.', Enumerable.Repeat(new string('p', 40), 3));
        var response = await Ask(transport, $"{prefix}.long.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.ExistingDomain, response.Header.ResponseCode);
        Assert.Single(response.Answers, r => (int)r.RecordType == DnameType);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_delegation_gives_a_referral_with_glue(Transport transport)
    {
        var response = await Ask(transport, "host.sub.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.False(response.Header.HasAuthorityAnswer);
        Assert.Empty(response.Answers);
        Assert.Equal(["sub.example.test. 3600 IN NS ns.elsewhere.invalid.", "sub.example.test. 3600 IN NS ns.sub.example.test."],
            Lines(response.Authorities).Order());
        Assert.Equal(["ns.sub.example.test. 3600 IN A 192.0.2.53"], Lines(response.Additionals.Where(r => r is not OptRecord)));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Ds_at_a_cut_is_answered_by_the_parent(Transport transport)
    {
        var response = await Ask(transport, "sub.example.test", QueryType.DS);
        Assert.True(response.Header.HasAuthorityAnswer);
        Assert.Empty(response.Answers);
        Assert.IsType<SoaRecord>(Assert.Single(response.Authorities));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Additional_addresses_come_with_mx_ns_and_srv(Transport transport)
    {
        var mx = await Ask(transport, "example.test", QueryType.MX);
        Assert.Equal(["mail.example.test. 3600 IN A 192.0.2.25", "mail.example.test. 3600 IN AAAA 2001:db8::25"],
            Lines(mx.Additionals.Where(r => r is not OptRecord)).Order());
        var ns = await Ask(transport, "example.test", QueryType.NS);
        Assert.Equal(["ns1.example.test. 3600 IN A 192.0.2.1", "ns2.example.test. 3600 IN AAAA 2001:db8::2"],
            Lines(ns.Additionals.Where(r => r is not OptRecord)).Order());
        var srv = await Ask(transport, "_sip._udp.example.test", QueryType.SRV);
        Assert.Equal(["sip.example.test. 3600 IN A 192.0.2.50"], Lines(srv.Additionals.Where(r => r is not OptRecord)));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_name_outside_every_zone_is_refused(Transport transport)
    {
        var response = await Ask(transport, "www.example.org", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.Refused, response.Header.ResponseCode);
        Assert.False(response.Header.HasAuthorityAnswer);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Any_gets_a_minimal_answer(Transport transport)
    {
        // RFC 8482 4.2: one RRset of the name, not all of them.
        var response = await Ask(transport, "mail.example.test", QueryType.ANY);
        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.Single(response.Answers.Select(r => r.RecordType).Distinct());
    }

    [Fact]
    public async Task A_large_answer_is_whole_over_tcp()
    {
        var response = await Ask(Transport.Tcp, "big.test", QueryType.TXT);
        Assert.False(response.Header.ResultTruncated);
        Assert.Equal(30, response.Answers.Count);
    }

    [Fact]
    public async Task A_large_answer_over_udp_tells_the_client_to_use_tcp()
    {
        var error = await Assert.ThrowsAsync<DnsResponseException>(() => Ask(Transport.Udp, "big.test", QueryType.TXT));
        Assert.Contains("truncated", error.Message);
    }
}
