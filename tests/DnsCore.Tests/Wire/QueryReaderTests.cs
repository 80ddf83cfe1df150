using MiniDns.Tests.Support;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Wire;

/// <summary>Hostile and malformed queries: each gets FORMERR or silence, never an exception.</summary>
public sealed class QueryReaderTests
{
    private static readonly ZoneSnapshot Snapshot = LocalAnswer.Snapshot("""
        $ORIGIN example.test.
        @ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
        www 300 IN A 192.0.2.1
        """);

    private static QueryParseResult Parse(byte[] message) => QueryReader.Read(message, new DnsQuery());

    [Fact]
    public void An_annotated_query_is_read_field_by_field()
    {
        byte[] message =
        [
            0xAB, 0xCD,             // ID
            0x01, 0x00,             // flags: QR=0, opcode QUERY, RD=1
            0x00, 0x01,             // QDCOUNT 1
            0x00, 0x00,             // ANCOUNT
            0x00, 0x00,             // NSCOUNT
            0x00, 0x01,             // ARCOUNT 1 (OPT)
            3, (byte)'W', (byte)'w', (byte)'W', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e',
            4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0, // QNAME WwW.example.test.
            0x00, 0x1C,             // QTYPE AAAA
            0x00, 0x01,             // QCLASS IN
            0x00,                   // OPT owner: root
            0x00, 0x29,             // TYPE OPT
            0x04, 0xD0,             // CLASS: payload 1232
            0x00, 0x00, 0x80, 0x00, // TTL: ext-rcode 0, version 0, DO=1
            0x00, 0x00,             // RDLENGTH 0
        ];
        var query = new DnsQuery();
        Assert.Equal(QueryParseResult.Ok, QueryReader.Read(message, query));
        Assert.Equal(0xABCD, query.Id);
        Assert.True(query.RecursionDesired);
        Assert.Equal("www.example.test.", NameText.Format(query.Name));
        Assert.Equal(RecordType.AAAA, query.Type);
        Assert.True(query.HasEdns);
        Assert.Equal(1232, query.EdnsPayloadSize);
        Assert.True(query.DnssecOk);
    }

    [Fact]
    public void An_empty_message_is_dropped() => Assert.Equal(QueryParseResult.Drop, Parse([]));

    [Fact]
    public void A_short_header_is_dropped() => Assert.Equal(QueryParseResult.Drop, Parse([1, 2, 3, 4, 5]));

    [Fact]
    public void A_response_is_dropped()
    {
        var message = QueryBytes.Build("www.example.test.", RecordType.A, flags: HeaderFlags.QR);
        Assert.Equal(QueryParseResult.Drop, Parse(message));
        Assert.Empty(LocalAnswer.Raw(Snapshot, message));
    }

    [Fact]
    public void A_truncated_question_is_a_format_error()
    {
        var message = QueryBytes.Build("www.example.test.", RecordType.A);
        Assert.Equal(QueryParseResult.FormErr, Parse(message[..^2]));
    }

    [Fact]
    public void Two_opt_records_are_a_format_error()
    {
        var message = QueryBytes.Build("www.example.test.", RecordType.A, ednsPayload: 1232).ToList();
        message.AddRange(message[^11..]);
        message[11] = 2; // ARCOUNT
        Assert.Equal(QueryParseResult.FormErr, Parse([.. message]));
    }

    [Fact]
    public void A_question_count_other_than_one_is_a_format_error()
    {
        var message = QueryBytes.Build("www.example.test.", RecordType.A);
        message[5] = 2;
        Assert.Equal(QueryParseResult.FormErr, Parse(message));
        message[5] = 0;
        Assert.Equal(QueryParseResult.FormErr, Parse(message));
    }

    [Fact]
    public void An_opcode_other_than_query_is_not_implemented()
    {
        var message = QueryBytes.Build("www.example.test.", RecordType.A, flags: 4 << HeaderFlags.OpcodeShift); // NOTIFY
        var response = LocalAnswer.Raw(Snapshot, message);
        Assert.True(MessageReader.TryRead(response, out var parsed, out _));
        Assert.Equal(ResponseCode.NotImp, parsed.Rcode);
    }

    [Fact]
    public void A_question_name_that_is_a_pointer_is_a_format_error()
    {
        byte[] message = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1];
        Assert.Equal(QueryParseResult.FormErr, Parse(message));
    }

    [Fact]
    public void Random_bytes_never_throw_and_never_get_an_oversized_answer()
    {
        var random = new Random(20261127);
        var valid = QueryBytes.Build("www.example.test.", RecordType.A);
        var context = new QueryContext();
        var response = new byte[65535];
        for (int i = 0; i < 20_000; i++)
        {
            byte[] message;
            if (i % 2 == 0)
            {
                message = new byte[random.Next(0, 80)];
                random.NextBytes(message);
            }
            else
            {
                // Mutate a valid query: the interesting failures are near-valid messages.
                message = (byte[])valid.Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                    message[random.Next(message.Length)] = (byte)random.Next(256);
                message = message[..random.Next(message.Length / 2, message.Length + 1)];
            }
            int length = QueryProcessor.Process(message, response, Snapshot, context);
            Assert.InRange(length, 0, 512);
        }
        // The context is still good for a valid query afterwards.
        int answer = QueryProcessor.Process(valid, response, Snapshot, context);
        Assert.True(MessageReader.TryRead(response.AsSpan(0, answer), out var parsed, out _));
        Assert.Single(parsed.Answer);
    }
}
