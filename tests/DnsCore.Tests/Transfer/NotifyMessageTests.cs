using MiniDns.Tests.Support;
using MiniDns.Transfer;
using MiniDns.Tsig;
using MiniDns.Wire;
using MiniDns.Zones;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Transfer;

/// <summary>
/// NOTIFY signed with TSIG (RFC 1996, RFC 8945 5.3): the secondary's side verifies our request as any signed
/// request, and only a reply signed back with the key over our MAC, in time, acknowledges it; an unsigned or
/// forged one is an answer with a problem, and one for another NOTIFY is no answer at all.
/// </summary>
public sealed class NotifyMessageTests
{
    private const ushort Id = 777;
    private const long Now = 1_800_000_000;
    private static readonly TsigKey Key = new(Name("xfr.example.test."), TsigKey.HmacSha256, [.. Enumerable.Range(1, 32).Select(i => (byte)i)]);
    private static readonly Zone Zone = LocalAnswer.Snapshot("$ORIGIN example.test.\n@ 300 IN SOA ns1 hostmaster 7 3600 600 86400 300\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.1\n").Zones[0];

    // The secondary's reply: NOERROR, signed with the key it verified the request with when it has one.
    private static byte[] Reply(byte[] notify, TsigKey? key, long now = Now, ResponseCode rcode = ResponseCode.NoError)
    {
        Assert.NotNull(NotifyMessage.ReadRequest(notify, out int questionEnd));
        var response = new byte[512];
        int length = NotifyMessage.WriteReply(notify, questionEnd, rcode, response);
        if (key is not null)
        {
            Assert.True(TsigMessage.TryFind(notify, out var tsig, out _));
            length = new TsigSigner(key, tsig.Mac).Sign(response, length, timeSigned: now);
        }
        return response[..length];
    }

    [Fact]
    public void A_signed_notify_verifies_as_a_request_and_a_reply_signed_back_acknowledges_it()
    {
        var notify = NotifyMessage.Build(Id, Zone, Key, Now, out var mac);
        Assert.True(TsigMessage.TryFind(notify, out var tsig, out bool malformed) && !malformed);
        Assert.Equal(TsigError.NoError, TsigMessage.VerifyRequest(notify, tsig, [Key], Now, out var found));
        Assert.Same(Key, found);
        Assert.Equal(Name("example.test."), NotifyMessage.ReadRequest(notify, out _));

        Assert.Equal(ResponseCode.NoError, NotifyMessage.Acknowledgement(Reply(notify, Key), Id, Zone.Origin, Key, mac, Now, out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void An_unsigned_notify_is_acknowledged_by_an_unsigned_reply()
    {
        var notify = NotifyMessage.Build(Id, Zone, key: null, Now, out var mac);
        Assert.Empty(mac);
        Assert.False(TsigMessage.TryFind(notify, out _, out _));
        Assert.Equal(ResponseCode.NoError, NotifyMessage.Acknowledgement(Reply(notify, key: null), Id, Zone.Origin, key: null, mac, Now, out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void A_reply_to_a_signed_notify_that_is_unsigned_forged_replayed_or_late_does_not_acknowledge_it()
    {
        var notify = NotifyMessage.Build(Id, Zone, Key, Now, out var mac);
        var other = Key with { Secret = [.. Key.Secret.Reverse()] };
        var earlier = NotifyMessage.Build(Id, Zone, Key, Now - 60, out _);

        NotifyMessage.Acknowledgement(Reply(notify, key: null), Id, Zone.Origin, Key, mac, Now, out var unsigned);
        Assert.Equal("not signed", unsigned);
        NotifyMessage.Acknowledgement(Reply(notify, other), Id, Zone.Origin, Key, mac, Now, out var forged);
        Assert.Equal("a signature that does not verify (BadSig)", forged);
        NotifyMessage.Acknowledgement(Reply(earlier, Key), Id, Zone.Origin, Key, mac, Now, out var replayed);
        Assert.Equal("a signature that does not verify (BadSig)", replayed);
        NotifyMessage.Acknowledgement(Reply(notify, Key, now: Now - 1000), Id, Zone.Origin, Key, mac, Now, out var late);
        Assert.Equal("a signature that does not verify (BadTime)", late);
    }

    [Fact]
    public void A_secondary_that_does_not_know_the_key_answers_notauth_with_badkey()
    {
        var notify = NotifyMessage.Build(Id, Zone, Key, Now, out var mac);
        Assert.True(TsigMessage.TryFind(notify, out var tsig, out _));
        Assert.Equal(TsigError.BadKey, TsigMessage.VerifyRequest(notify, tsig, [], Now, out _));
        NotifyMessage.ReadRequest(notify, out int questionEnd);
        var response = new byte[512];
        int length = NotifyMessage.WriteReply(notify, questionEnd, ResponseCode.NotAuth, response);
        length = TsigMessage.AppendUnsigned(response, length, tsig, TsigError.BadKey, Now);

        Assert.Equal(ResponseCode.NotAuth, NotifyMessage.Acknowledgement(response[..length], Id, Zone.Origin, Key, mac, Now, out var problem));
        Assert.Equal("TSIG error BadKey", problem);
    }

    [Theory]
    [InlineData(Id + 1, "example.test.")]
    [InlineData(Id, "other.test.")]
    public void A_reply_with_another_id_or_zone_is_not_an_answer(int id, string zone)
    {
        var notify = NotifyMessage.Build(Id, Zone, Key, Now, out var mac);
        Assert.Null(NotifyMessage.Acknowledgement(Reply(notify, Key), (ushort)id, Name(zone), Key, mac, Now, out _));
    }
}
