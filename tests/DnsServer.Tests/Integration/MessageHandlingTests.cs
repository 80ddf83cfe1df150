using System.Net.Sockets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>Header, EDNS and size rules, checked with exact bytes against the running server.</summary>
public sealed class MessageHandlingTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static DnsMessage Read(byte[] raw)
    {
        Assert.True(MessageReader.TryRead(raw, out var message, out var error), error);
        return message;
    }

    [Fact]
    public async Task The_question_is_echoed_byte_for_byte_with_its_case()
    {
        var query = QueryBytes.Build("WwW.ExAmPlE.TeSt.", RecordType.A, flags: HeaderFlags.RD);
        var raw = await RawDns.UdpAsync(server.EndPoint, query);
        int questionLength = query.Length - 12;
        Assert.Equal(query[12..], raw[12..(12 + questionLength)]);
        var response = Read(raw);
        Assert.True(response.Has(HeaderFlags.RD)); // RD is copied
        Assert.False(response.Has(HeaderFlags.RA));
        Assert.True(response.Has(HeaderFlags.AA));
        Assert.Single(response.Answer);
    }

    [Fact]
    public async Task A_response_is_never_answered()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server.EndPoint);
        await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A, id: 1, flags: HeaderFlags.QR), TestContext.Current.CancellationToken);
        await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A, id: 2), TestContext.Current.CancellationToken);
        // Both datagrams reach the same socket in order: the first reply must be the one to ID 2.
        var reply = Read(await RawDns.ReceiveAsync(socket));
        Assert.Equal(2, reply.Id);
    }

    [Fact]
    public async Task An_opcode_other_than_query_gets_notimp()
    {
        var raw = await RawDns.UdpAsync(server.EndPoint, QueryBytes.Build("example.test.", RecordType.SOA, flags: 5 << HeaderFlags.OpcodeShift));
        var response = Read(raw);
        Assert.Equal(ResponseCode.NotImp, response.Rcode);
        Assert.Equal(5, (response.Flags & HeaderFlags.OpcodeMask) >> HeaderFlags.OpcodeShift);
    }

    [Fact]
    public async Task Two_questions_get_formerr()
    {
        var query = QueryBytes.Build("example.test.", RecordType.SOA);
        query[5] = 2;
        Assert.Equal(ResponseCode.FormErr, Read(await RawDns.UdpAsync(server.EndPoint, query)).Rcode);
    }

    [Fact]
    public async Task An_edns_version_above_zero_gets_badvers()
    {
        var raw = await RawDns.UdpAsync(server.EndPoint, QueryBytes.Build("www.example.test.", RecordType.A, ednsPayload: 1232, ednsVersion: 1));
        var response = Read(raw);
        Assert.Equal(ResponseCode.BadVers, response.Rcode);
        Assert.Empty(response.Answer);
        var opt = Assert.Single(response.Additional);
        Assert.Equal(RecordType.OPT, opt.Type);
        Assert.Equal(0u, (opt.Ttl >> 16) & 0xFF); // we speak version 0
    }

    [Fact]
    public async Task Edns_queries_get_an_opt_with_our_payload_size()
    {
        var response = Read(await RawDns.UdpAsync(server.EndPoint, QueryBytes.Build("www.example.test.", RecordType.A, ednsPayload: 4096)));
        var opt = Assert.Single(response.Additional, r => r.Type == RecordType.OPT);
        Assert.Equal(1232, opt.Class);
    }

    [Fact]
    public async Task Without_edns_a_response_over_512_octets_is_truncated()
    {
        var raw = await RawDns.UdpAsync(server.EndPoint, QueryBytes.Build("medium.example.test.", RecordType.TXT));
        var response = Read(raw);
        Assert.True(response.Has(HeaderFlags.TC));
        Assert.InRange(raw.Length, 12, 512);
        Assert.Empty(response.Answer);
        Assert.Single(response.Questions);
    }

    [Fact]
    public async Task With_edns_the_same_response_fits()
    {
        var raw = await RawDns.UdpAsync(server.EndPoint, QueryBytes.Build("medium.example.test.", RecordType.TXT, ednsPayload: 1232));
        var response = Read(raw);
        Assert.False(response.Has(HeaderFlags.TC));
        Assert.Equal(6, response.Answer.Count);
        Assert.InRange(raw.Length, 513, 1232);
    }

    [Fact]
    public async Task A_payload_above_ours_is_capped_at_1232()
    {
        var raw = await RawDns.UdpAsync(server.EndPoint, QueryBytes.Build("big.test.", RecordType.TXT, ednsPayload: 65000));
        Assert.True(Read(raw).Has(HeaderFlags.TC));
        Assert.InRange(raw.Length, 12, 1232);
    }

    [Fact]
    public async Task A_payload_below_512_is_treated_as_512()
    {
        // RFC 6891 6.2.5: values below 512 are treated as 512.
        var raw = await RawDns.UdpAsync(server.EndPoint, QueryBytes.Build("www.example.test.", RecordType.A, ednsPayload: 100));
        Assert.False(Read(raw).Has(HeaderFlags.TC));
    }

    [Fact]
    public async Task Over_tcp_the_whole_answer_comes()
    {
        var raw = await RawDns.TcpAsync(server.EndPoint, QueryBytes.Build("big.test.", RecordType.TXT));
        var response = Read(raw);
        Assert.False(response.Has(HeaderFlags.TC));
        Assert.Equal(30, response.Answer.Count);
    }

    [Fact]
    public async Task Class_chaos_is_refused()
    {
        var raw = await RawDns.UdpAsync(server.EndPoint, QueryBytes.Build("version.bind.", RecordType.TXT, qclass: DnsClass.CH));
        Assert.Equal(ResponseCode.Refused, Read(raw).Rcode);
    }
}
