using System.Net.Sockets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>The server counts what it answered, by transport, rcode, question type and reason, and what it dropped.</summary>
public sealed class CountersTests
{
    [Fact]
    public async Task Queries_are_counted_by_transport_rcode_and_drop()
    {
        var server = new ServerFixture();
        await server.InitializeAsync();
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(server.EndPoint);
            var cancel = TestContext.Current.CancellationToken;
            await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A, flags: HeaderFlags.QR), cancel); // dropped
            await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A), cancel);
            await socket.SendAsync(QueryBytes.Build("missing.example.test.", RecordType.A), cancel);
            // One client socket reaches one server loop, in order: two replies mean all three were counted.
            await RawDns.ReceiveAsync(socket);
            await RawDns.ReceiveAsync(socket);
            await RawDns.TcpAsync(server.EndPoint, QueryBytes.Build("www.example.org.", RecordType.A));

            var counters = server.Host.Counters;
            Assert.Equal(3, counters.UdpQueries);
            Assert.Equal(1, counters.TcpQueries);
            Assert.Equal(1, counters.Dropped);
            Assert.Equal(1, counters.Answered(ResponseCode.NoError));
            Assert.Equal(1, counters.Answered(ResponseCode.NxDomain));
            Assert.Equal(1, counters.Answered(ResponseCode.Refused));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Questions_formerr_and_refused_reasons_truncations_and_connections_are_counted()
    {
        var server = new ServerFixture();
        await server.InitializeAsync();
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(server.EndPoint);
            var cancel = TestContext.Current.CancellationToken;
            var noQuestion = QueryBytes.Build("www.example.test.", RecordType.A);
            noQuestion[5] = 0; // QDCOUNT 0
            var pointer = QueryBytes.Build("www.example.test.", RecordType.A)[..12].Concat(new byte[] { 0xC0, 0x0C, 0, 1, 0, 1 }).ToArray();
            var twoOpts = QueryBytes.Build("www.example.test.", RecordType.A, ednsPayload: 1232);
            twoOpts[11] = 2; // ARCOUNT 2, the OPT twice
            twoOpts = [.. twoOpts, .. twoOpts[^11..]];
            byte[][] messages =
            [
                QueryBytes.Build("www.example.test.", RecordType.A),
                QueryBytes.Build("www.example.test.", RecordType.AAAA),
                QueryBytes.Build("www.example.test.", 999),                   // type "other"
                QueryBytes.Build("medium.example.test.", RecordType.TXT),     // 6 x 104 octets: TC without EDNS
                QueryBytes.Build("www.example.org.", RecordType.A),           // REFUSED: no zone
                QueryBytes.Build("www.example.test.", RecordType.A, qclass: 3), // REFUSED: class CH
                QueryBytes.Build("example.test.", RecordType.AXFR),           // REFUSED: transfer
                QueryBytes.Build(".", RecordType.OPT),                        // FORMERR: OPT as a question
                noQuestion, pointer, twoOpts,                                 // FORMERR: count, question, OPT
            ];
            foreach (var message in messages)
                await socket.SendAsync(message, cancel);
            foreach (var _ in messages)
                await RawDns.ReceiveAsync(socket);
            await RawDns.TcpAsync(server.EndPoint, QueryBytes.Build("www.example.test.", RecordType.MX));
            await RawDns.TcpAsync(server.EndPoint, QueryBytes.Build("www.example.test.", RecordType.MX));

            var c = server.Host.Counters;
            Assert.Equal(3, c.Asked(RecordType.A)); // www, example.org and the class CH one; not the malformed ones
            Assert.Equal(1, c.Asked(RecordType.AAAA));
            Assert.Equal(2, c.Asked(RecordType.MX));
            Assert.Equal(1, c.Asked(RecordType.AXFR));
            Assert.Equal(2, c.Asked(null)); // TYPE999, and OPT asked as a question
            Assert.Equal(1, c.Truncated);
            Assert.Equal(1, c.Refused(ResponseReason.NoZone));
            Assert.Equal(1, c.Refused(ResponseReason.Class));
            Assert.Equal(1, c.Refused(ResponseReason.Transfer));
            Assert.Equal(1, c.Refused(ResponseReason.OptQuestion));
            Assert.Equal(1, c.Refused(ResponseReason.QuestionCount));
            Assert.Equal(1, c.Refused(ResponseReason.BadQuestion));
            Assert.Equal(1, c.Refused(ResponseReason.BadOpt));
            Assert.Equal(0, c.Refused(ResponseReason.BadRecord));
            Assert.Equal(4, c.Answered(ResponseCode.FormErr));
            Assert.Equal(3, c.Answered(ResponseCode.Refused));
            Assert.Equal(2, c.TcpConnections);
            var stats = c.ToDictionary();
            Assert.Equal(1, stats["formerr.bad_question"]);
            Assert.Equal(1, stats["refused.no_zone"]);
            Assert.Equal(2, stats["questions.mx"]);
            Assert.Equal(1, stats["truncated"]);
            Assert.Equal(2, stats["tcp.connections"]);
            Assert.Equal(c.Reloads, stats["reloads"]);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
