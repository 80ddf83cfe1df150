using System.Text;
using MiniDns.Tests.Support;
using MiniDns.Tsig;
using MiniDns.Wire;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Tsig;

/// <summary>
/// TSIG (RFC 8945) against BIND's: requests that dig signed (captured from dig -y, with its OPT and cookie
/// before the TSIG) verify with our code, and are refused once changed; our signer against our verifier for
/// requests and for the chained messages of a transfer.
/// </summary>
public sealed class TsigMessageTests
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("secret-key-for-tsig-tests-32-bytes!");

    private static TsigKey Key(string algorithm = TsigKey.HmacSha256, string name = "vector.key.") => new(Name(name), algorithm, Secret);

    private const string Sha256ByDig = "c4e101200001000000000002076578616d706c650474657374000006000100002904d000000000000c000a0008986d9f47c77511fc06766563746f72036b65790000fa00ff00000000003d0b686d61632d7368613235360000006b1245bb012c002005287276da20d66ec520bb60cce9d3dedb613d543cc330b41639255d01f4d4acc4e100000000";

    // dig @127.0.0.1 example.test SOA -y ALGORITHM:vector.key:c2VjcmV0LWtleS1mb3ItdHNpZy10ZXN0cy0zMi1ieXRlcyE= (BIND 9.18)
    public static TheoryData<string, string> SignedByDig() => new()
    {
        { TsigKey.HmacSha256, Sha256ByDig },
        { TsigKey.HmacSha512, "a58101200001000000000002076578616d706c650474657374000006000100002904d000000000000c000a0008c8aa43f7e5f0776906766563746f72036b65790000fa00ff00000000005d0b686d61632d7368613531320000006b1245bd012c0040716e66d65ca14656cb300bc9cbd6c34fa448ef96a87dbdd954015945c79934803ad6eb56c1768cf7e7aa8488240d83eb3fdb69ffeab73afd0bb4902bcee1953ba58100000000" },
        { TsigKey.HmacSha1, "460101200001000000000002076578616d706c650474657374000006000100002904d000000000000c000a000821aeac2a296a9ae606766563746f72036b65790000fa00ff00000000002f09686d61632d736861310000006b1245be012c0014097a1c3d5a46373d5a19df4f31b8799adf4f68c5460100000000" },
    };

    [Theory]
    [MemberData(nameof(SignedByDig))]
    public void A_request_dig_signed_verifies_and_each_kind_of_damage_gets_its_error(string algorithm, string hex)
    {
        var message = Convert.FromHexString(hex);
        Assert.True(TsigMessage.TryFind(message, out var tsig, out bool malformed));
        Assert.False(malformed);
        long signedAt = tsig.TimeSigned;
        Assert.Equal(TsigError.NoError, TsigMessage.VerifyRequest(message, tsig, [Key(algorithm)], signedAt, out var key));
        Assert.Equal(algorithm, key!.Algorithm);

        Assert.Equal(TsigError.BadTime, TsigMessage.VerifyRequest(message, tsig, [Key(algorithm)], signedAt + 301, out _));
        Assert.Equal(TsigError.NoError, TsigMessage.VerifyRequest(message, tsig, [Key(algorithm)], signedAt - 300, out _));
        Assert.Equal(TsigError.BadKey, TsigMessage.VerifyRequest(message, tsig, [Key(algorithm, "other.key.")], signedAt, out _));
        Assert.Equal(TsigError.BadKey, TsigMessage.VerifyRequest(message, tsig, [Key(algorithm == TsigKey.HmacSha1 ? TsigKey.HmacSha256 : TsigKey.HmacSha1)], signedAt, out _));
        // (Not the secret with a zero byte more: HMAC pads a short key with zeros, so that is the same key.)
        Assert.Equal(TsigError.BadSig, TsigMessage.VerifyRequest(message, tsig, [Key(algorithm) with { Secret = [.. Secret[..^1], (byte)'?'] }], signedAt, out _));
        // Any byte but the ID (the MAC covers the original ID, RFC 8945 4.3.1, so a forwarder may change it).
        for (int at = 2; at < tsig.Offset; at += 3)
        {
            var changed = (byte[])message.Clone();
            changed[at] ^= 0x10;
            if (TsigMessage.TryFind(changed, out var moved, out _))
                Assert.NotEqual(TsigError.NoError, TsigMessage.VerifyRequest(changed, moved, [Key(algorithm)], signedAt, out _));
        }
    }

    [Fact]
    public void A_tsig_anywhere_but_last_or_cut_short_is_malformed()
    {
        var message = Convert.FromHexString(Sha256ByDig);
        Assert.True(TsigMessage.TryFind(message, out var tsig, out _));
        var shorter = message[..^3];
        shorter[^1] = 0;
        Assert.False(TsigMessage.TryFind(shorter, out _, out _));
        // The TSIG and then one more record: refused, whatever its MAC.
        byte[] extra = [.. message, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0];
        extra[11]++;
        Assert.False(TsigMessage.TryFind(extra, out _, out bool malformed));
        Assert.True(malformed);
        Assert.Equal(TsigError.BadTrunc, TsigMessage.VerifyRequest(Truncated(message, tsig, out var cut), cut, [Key()], tsig.TimeSigned, out _));
    }

    // The message with its MAC cut to 16 bytes (the MAC still its own first bytes: a client that truncates).
    private static byte[] Truncated(byte[] message, TsigRecord tsig, out TsigRecord cut)
    {
        int macAt = message.Length - 6 - tsig.OtherData.Length - tsig.Mac.Length;
        var bytes = new List<byte>(message[..(macAt - 2)]) { 0, 16 };
        bytes.AddRange(tsig.Mac[..16]);
        bytes.AddRange(message[(macAt + tsig.Mac.Length)..]);
        var result = bytes.ToArray();
        int rdlengthAt = tsig.Offset + tsig.KeyName.Length + 8;
        int rdlength = (result[rdlengthAt] << 8 | result[rdlengthAt + 1]) - (tsig.Mac.Length - 16);
        result[rdlengthAt] = (byte)(rdlength >> 8);
        result[rdlengthAt + 1] = (byte)rdlength;
        Assert.True(TsigMessage.TryFind(result, out cut, out _));
        return result;
    }

    [Theory]
    [InlineData(TsigKey.HmacSha256)]
    [InlineData(TsigKey.HmacSha512)]
    [InlineData(TsigKey.HmacSha1)]
    public void Our_signed_request_verifies_and_each_message_of_a_signed_response_chains_on_the_one_before(string algorithm)
    {
        var key = TsigKey.Generate(Name("xfr.example."), algorithm);
        var buffer = new byte[1024];
        var query = QueryBytes.Build("example.test.", RecordType.AXFR, id: 42);
        query.CopyTo(buffer, 0);
        int length = TsigMessage.Sign(buffer, query.Length, key, [], timersOnly: false, TsigMessage.Now(), out var requestMac);
        var request = buffer[..length];
        Assert.True(TsigMessage.TryFind(request, out var tsig, out _));
        Assert.Equal(TsigError.NoError, TsigMessage.VerifyRequest(request, tsig, [key], TsigMessage.Now(), out _));

        var signer = new TsigSigner(key, requestMac);
        var prior = requestMac;
        for (int i = 0; i < 3; i++)
        {
            var response = new byte[1024];
            query.CopyTo(response, 0);
            response[2] |= 0x80; // QR
            int signed = signer.Sign(response, query.Length);
            Assert.True(TsigMessage.TryFind(response.AsSpan(0, signed), out var sent, out _));
            Assert.Equal(TsigError.NoError, TsigMessage.VerifyResponse(response.AsSpan(0, signed), sent, key, prior, timersOnly: i > 0, TsigMessage.Now()));
            // Out of order, the chain breaks.
            Assert.Equal(TsigError.BadSig, TsigMessage.VerifyResponse(response.AsSpan(0, signed), sent, key, [1, 2, 3], timersOnly: i > 0, TsigMessage.Now()));
            prior = sent.Mac;
        }
    }
}
