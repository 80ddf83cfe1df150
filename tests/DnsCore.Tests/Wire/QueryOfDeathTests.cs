using MiniDns.Tests.Support;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Wire;

/// <summary>
/// Issue 8: an 18-byte datagram whose question name was a pointer into the header killed the server (the
/// writer hashed the raw header bytes as labels). A question name has nothing before it to point to, so any
/// pointer in it is FORMERR, and the next query is answered as usual.
/// </summary>
public sealed class QueryOfDeathTests
{
    private static readonly ZoneSnapshot Snapshot = LocalAnswer.Snapshot(TestZonesText.EachKind);

    [Fact]
    public void The_issue_datagram_gets_formerr()
    {
        byte[] datagram = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x04, 0x00, 0x01, 0x00, 0x01];
        AssertFormErrThenAnswers(datagram);
    }

    public static TheoryData<byte> HeaderOffsets() => [.. Enumerable.Range(0, 12).Select(i => (byte)i)];

    [Theory]
    [MemberData(nameof(HeaderOffsets))]
    public void A_question_name_pointing_into_the_header_gets_formerr(byte offset)
    {
        byte[] datagram = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, offset, 0x00, 0x01, 0x00, 0x01];
        AssertFormErrThenAnswers(datagram);
    }

    [Theory]
    [MemberData(nameof(HeaderOffsets))]
    public void A_question_name_ending_in_a_pointer_gets_formerr(byte offset)
    {
        // "www" then a pointer: the suffix would be read from the header, or from the question itself.
        byte[] datagram = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 3, (byte)'w', (byte)'w', (byte)'w', 0xC0, offset, 0x00, 0x01, 0x00, 0x01];
        AssertFormErrThenAnswers(datagram);
    }

    [Fact]
    public void A_question_suffix_pointing_back_into_the_question_gets_formerr()
    {
        var valid = QueryBytes.Build("www.example.test.", RecordType.A);
        byte[] datagram = [.. valid[..12], 1, (byte)'a', 0xC0, 0x0C, 0, 1, 0, 1];
        AssertFormErrThenAnswers(datagram);
    }

    private static void AssertFormErrThenAnswers(byte[] datagram)
    {
        var context = new QueryContext();
        var response = new byte[65535];
        int length = QueryProcessor.Process(datagram, response, Snapshot, context);
        Assert.True(MessageReader.TryRead(response.AsSpan(0, length), out var reply, out var error), error);
        Assert.Equal(ResponseCode.FormErr, reply.Rcode);
        Assert.Equal(0x1234, reply.Id);

        var valid = QueryBytes.Build("www.example.test.", RecordType.A, id: 0xBEEF);
        length = QueryProcessor.Process(valid, response, Snapshot, context);
        Assert.True(MessageReader.TryRead(response.AsSpan(0, length), out reply, out error), error);
        Assert.Equal(0xBEEF, reply.Id);
        Assert.Single(reply.Answer);
    }
}
