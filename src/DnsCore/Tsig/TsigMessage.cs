using System.Buffers.Binary;
using System.Security.Cryptography;
using MiniDns.Wire;

namespace MiniDns.Tsig;

/// <summary>TSIG's error codes (RFC 8945 3): in the TSIG record, beside rcode NOTAUTH.</summary>
public enum TsigError : ushort
{
    NoError = 0,
    BadSig = 16,
    BadKey = 17,
    BadTime = 18,
    BadTrunc = 22,
}

/// <summary>The TSIG record of a message: where it starts, and its fields.</summary>
public readonly record struct TsigRecord(int Offset, byte[] KeyName, byte[] Algorithm, long TimeSigned, ushort Fudge, byte[] Mac, ushort OriginalId, ushort Error, byte[] OtherData);

/// <summary>
/// Signs and verifies DNS messages with TSIG (RFC 8945): HMAC over the message without its TSIG record (the
/// additional count one less, the original ID in the header) and the TSIG variables; a response's MAC also
/// covers the request's, and each later message of a multi-message response the one before it, with only the
/// timers (5.3.1). Every length is checked: a record that does not parse is no TSIG, and the message is refused.
/// </summary>
public static class TsigMessage
{
    public const ushort Type = 250;
    public const ushort DefaultFudge = 300;

    /// <summary>
    /// The message's TSIG record: true with it when the last additional record is one, false when there is
    /// none; <paramref name="malformed"/> when there is one that does not parse, or a TSIG anywhere but last.
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> message, out TsigRecord tsig, out bool malformed)
    {
        tsig = default;
        malformed = false;
        if (message.Length < HeaderFlags.HeaderLength)
            return false;
        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int records = BinaryPrimitives.ReadUInt16BigEndian(message[6..]) + BinaryPrimitives.ReadUInt16BigEndian(message[8..]) + BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        int pos = HeaderFlags.HeaderLength;
        for (int i = 0; i < questions; i++)
        {
            if (!SkipName(message, ref pos) || (pos += 4) > message.Length)
                return false;
        }
        for (int i = 0; i < records; i++)
        {
            int start = pos;
            if (!SkipName(message, ref pos) || pos + 10 > message.Length)
                return false;
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
            int data = pos + 10;
            if (data + length > message.Length)
                return false;
            pos = data + length;
            if (type != Type)
                continue;
            if (i != records - 1 || BinaryPrimitives.ReadUInt16BigEndian(message[10..]) == 0 || pos != message.Length)
            {
                malformed = true; // RFC 8945 5.2: only as the last additional record
                return false;
            }
            malformed = !TryParse(message, start, data, length, out tsig);
            return !malformed;
        }
        return false;
    }

    private static bool TryParse(ReadOnlySpan<byte> message, int start, int data, int length, out TsigRecord tsig)
    {
        tsig = default;
        Span<byte> keyName = stackalloc byte[DnsName.MaxLength];
        Span<byte> algorithm = stackalloc byte[DnsName.MaxLength];
        int pos = start;
        if (!DnsName.TryRead(message, ref pos, keyName, out int keyLength))
            return false;
        var rdata = message.Slice(data, length);
        int at = 0;
        if (!DnsName.TryReadUncompressed(rdata, ref at, algorithm, out int algorithmLength) || at + 10 > rdata.Length)
            return false;
        long time = (long)BinaryPrimitives.ReadUInt16BigEndian(rdata[at..]) << 32 | BinaryPrimitives.ReadUInt32BigEndian(rdata[(at + 2)..]);
        ushort fudge = BinaryPrimitives.ReadUInt16BigEndian(rdata[(at + 6)..]);
        int macSize = BinaryPrimitives.ReadUInt16BigEndian(rdata[(at + 8)..]);
        at += 10;
        if (at + macSize + 6 > rdata.Length)
            return false;
        var mac = rdata.Slice(at, macSize).ToArray();
        at += macSize;
        ushort originalId = BinaryPrimitives.ReadUInt16BigEndian(rdata[at..]);
        ushort error = BinaryPrimitives.ReadUInt16BigEndian(rdata[(at + 2)..]);
        int otherLength = BinaryPrimitives.ReadUInt16BigEndian(rdata[(at + 4)..]);
        at += 6;
        if (at + otherLength != rdata.Length)
            return false;
        tsig = new TsigRecord(start, DnsName.ToLowerCopy(keyName[..keyLength]), DnsName.ToLowerCopy(algorithm[..algorithmLength]), time, fudge, mac,
            originalId, error, rdata.Slice(at, otherLength).ToArray());
        return true;
    }

    /// <summary>
    /// Checks a request's TSIG against the keys we hold (RFC 8945 5.2): the key and algorithm known (else
    /// BADKEY), the MAC right (BADSIG; shorter than the algorithm's, BADTRUNC), the time within the fudge
    /// (BADTIME). <paramref name="key"/> is the key found, when there is one.
    /// </summary>
    public static TsigError VerifyRequest(ReadOnlySpan<byte> message, in TsigRecord tsig, IReadOnlyList<TsigKey> keys, long now, out TsigKey? key)
    {
        byte[] name = tsig.KeyName, algorithm = tsig.Algorithm;
        key = keys.FirstOrDefault(k => k.Name.AsSpan().SequenceEqual(name) && k.AlgorithmName.AsSpan().SequenceEqual(algorithm));
        if (key is null)
            return TsigError.BadKey;
        if (tsig.Mac.Length > key.MacSize || tsig.Mac.Length == 0)
            return TsigError.BadSig;
        var expected = Mac(key, message, tsig, [], timersOnly: false);
        if (!CryptographicOperations.FixedTimeEquals(expected.AsSpan(0, tsig.Mac.Length), tsig.Mac))
            return TsigError.BadSig;
        // RFC 8945 5.2.2.1: a truncated MAC must keep half the hash and at least 10 bytes; we take only whole ones.
        if (tsig.Mac.Length < key.MacSize)
            return TsigError.BadTrunc;
        if (Math.Abs(now - tsig.TimeSigned) > tsig.Fudge)
            return TsigError.BadTime;
        return TsigError.NoError;
    }

    /// <summary>
    /// Checks one message of a signed response (RFC 8945 5.3): signed with <paramref name="key"/>, over
    /// <paramref name="priorMac"/> (the request's for the first message, the previous message's after, with
    /// <paramref name="timersOnly"/>), within the fudge. What a secondary checks of each message of a transfer;
    /// <paramref name="unsignedBefore"/> holds the unsigned messages since the last signed one, which this MAC covers too.
    /// </summary>
    public static TsigError VerifyResponse(ReadOnlySpan<byte> message, in TsigRecord tsig, TsigKey key, ReadOnlySpan<byte> priorMac, bool timersOnly, long now,
        ReadOnlySpan<byte> unsignedBefore = default)
    {
        if (!tsig.KeyName.AsSpan().SequenceEqual(key.Name) || !tsig.Algorithm.AsSpan().SequenceEqual(key.AlgorithmName))
            return TsigError.BadKey;
        if (tsig.Mac.Length != key.MacSize || !CryptographicOperations.FixedTimeEquals(Mac(key, message, tsig, priorMac, timersOnly, unsignedBefore), tsig.Mac))
            return TsigError.BadSig;
        return Math.Abs(now - tsig.TimeSigned) > tsig.Fudge ? TsigError.BadTime : TsigError.NoError;
    }

    /// <summary>
    /// Appends a TSIG record signed with <paramref name="key"/> to the message of <paramref name="length"/>
    /// bytes in <paramref name="buffer"/>; returns the new length (0 when it does not fit) and the MAC, which
    /// the next message of the response chains on. <paramref name="priorMac"/>: the request's MAC for a
    /// response's first message, the previous message's for the rest (then <paramref name="timersOnly"/>).
    /// </summary>
    public static int Sign(Span<byte> buffer, int length, TsigKey key, ReadOnlySpan<byte> priorMac, bool timersOnly, long timeSigned,
        out byte[] mac, TsigError error = TsigError.NoError, ReadOnlySpan<byte> otherData = default)
    {
        var unsigned = new TsigRecord(length, key.Name, key.AlgorithmName, timeSigned, DefaultFudge, [], BinaryPrimitives.ReadUInt16BigEndian(buffer), (ushort)error, otherData.ToArray());
        mac = Mac(key, buffer[..length], unsigned, priorMac, timersOnly);
        return Append(buffer, length, unsigned with { Mac = mac });
    }

    /// <summary>
    /// A request (a transfer, a NOTIFY) with its TSIG signed with <paramref name="key"/> appended, in a new
    /// array; <paramref name="mac"/> is the MAC the response's first message chains on.
    /// </summary>
    public static byte[] SignRequest(ReadOnlySpan<byte> request, TsigKey key, long now, out byte[] mac)
    {
        var signed = new byte[request.Length + key.Name.Length + 10 + key.AlgorithmName.Length + 16 + key.MacSize];
        request.CopyTo(signed);
        int length = Sign(signed, request.Length, key, [], timersOnly: false, now, out mac);
        return length == signed.Length ? signed : throw new InvalidOperationException("the TSIG record did not fit the room made for it");
    }

    /// <summary>An error TSIG with no MAC (RFC 8945 5.3.2: BADKEY and BADSIG are not signed), appended to a response.</summary>
    public static int AppendUnsigned(Span<byte> buffer, int length, in TsigRecord request, TsigError error, long now) =>
        Append(buffer, length, request with { TimeSigned = now, Mac = [], Error = (ushort)error, OtherData = [], OriginalId = BinaryPrimitives.ReadUInt16BigEndian(buffer) });

    private static int Append(Span<byte> buffer, int length, in TsigRecord tsig)
    {
        int size = tsig.KeyName.Length + 10 + tsig.Algorithm.Length + 16 + tsig.Mac.Length + tsig.OtherData.Length;
        if (length + size > buffer.Length)
            return 0;
        var at = buffer[length..];
        tsig.KeyName.CopyTo(at);
        at = at[tsig.KeyName.Length..];
        BinaryPrimitives.WriteUInt16BigEndian(at, Type);
        BinaryPrimitives.WriteUInt16BigEndian(at[2..], DnsClass.ANY);
        BinaryPrimitives.WriteUInt32BigEndian(at[4..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(at[8..], (ushort)(size - tsig.KeyName.Length - 10));
        at = at[10..];
        tsig.Algorithm.CopyTo(at);
        at = at[tsig.Algorithm.Length..];
        WriteTime(at, tsig.TimeSigned);
        BinaryPrimitives.WriteUInt16BigEndian(at[6..], tsig.Fudge);
        BinaryPrimitives.WriteUInt16BigEndian(at[8..], (ushort)tsig.Mac.Length);
        tsig.Mac.CopyTo(at[10..]);
        at = at[(10 + tsig.Mac.Length)..];
        BinaryPrimitives.WriteUInt16BigEndian(at, tsig.OriginalId);
        BinaryPrimitives.WriteUInt16BigEndian(at[2..], tsig.Error);
        BinaryPrimitives.WriteUInt16BigEndian(at[4..], (ushort)tsig.OtherData.Length);
        tsig.OtherData.CopyTo(at[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[10..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(buffer[10..]) + 1));
        return length + size;
    }

    // The MAC over [prior MAC], [unsigned messages since it], the message as it was before its TSIG (original
    // ID, one additional record less), and the variables (RFC 8945 4.3.3) or, for later messages of a
    // response, the timers alone.
    private static byte[] Mac(TsigKey key, ReadOnlySpan<byte> message, in TsigRecord tsig, ReadOnlySpan<byte> priorMac, bool timersOnly,
        ReadOnlySpan<byte> unsignedBefore = default)
    {
        bool signed = tsig.Offset < message.Length; // verifying: the message still holds its TSIG record
        var body = message[..tsig.Offset];
        var data = new byte[(priorMac.IsEmpty ? 0 : 2 + priorMac.Length) + unsignedBefore.Length + body.Length + tsig.KeyName.Length + tsig.Algorithm.Length + 22 + tsig.OtherData.Length];
        var at = data.AsSpan();
        if (!priorMac.IsEmpty)
        {
            BinaryPrimitives.WriteUInt16BigEndian(at, (ushort)priorMac.Length);
            priorMac.CopyTo(at[2..]);
            at = at[(2 + priorMac.Length)..];
        }
        unsignedBefore.CopyTo(at);
        at = at[unsignedBefore.Length..];
        body.CopyTo(at);
        BinaryPrimitives.WriteUInt16BigEndian(at, tsig.OriginalId);
        if (signed)
            BinaryPrimitives.WriteUInt16BigEndian(at[10..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(body[10..]) - 1));
        at = at[body.Length..];
        if (!timersOnly)
        {
            tsig.KeyName.CopyTo(at);
            at = at[tsig.KeyName.Length..];
            BinaryPrimitives.WriteUInt16BigEndian(at, DnsClass.ANY);
            BinaryPrimitives.WriteUInt32BigEndian(at[2..], 0);
            at = at[6..];
            tsig.Algorithm.CopyTo(at);
            at = at[tsig.Algorithm.Length..];
        }
        WriteTime(at, tsig.TimeSigned);
        BinaryPrimitives.WriteUInt16BigEndian(at[6..], tsig.Fudge);
        at = at[8..];
        if (!timersOnly)
        {
            BinaryPrimitives.WriteUInt16BigEndian(at, tsig.Error);
            BinaryPrimitives.WriteUInt16BigEndian(at[2..], (ushort)tsig.OtherData.Length);
            tsig.OtherData.CopyTo(at[4..]);
            at = at[(4 + tsig.OtherData.Length)..];
        }
        return key.Mac(data.AsSpan(0, data.Length - at.Length));
    }

    /// <summary>Seconds since 1970 as TSIG carries them (48 bits).</summary>
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static void WriteTime(Span<byte> at, long seconds)
    {
        BinaryPrimitives.WriteUInt16BigEndian(at, (ushort)(seconds >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(at[2..], (uint)seconds);
    }

    // Past a name, compressed or not, without following pointers.
    private static bool SkipName(ReadOnlySpan<byte> message, ref int pos)
    {
        for (int hops = 0; hops < 128 && pos < message.Length; hops++)
        {
            byte b = message[pos];
            if (b == 0)
            {
                pos++;
                return true;
            }
            if ((b & 0xC0) == 0xC0)
            {
                pos += 2;
                return pos <= message.Length;
            }
            if (b > 63)
                return false;
            pos += 1 + b;
        }
        return false;
    }
}
