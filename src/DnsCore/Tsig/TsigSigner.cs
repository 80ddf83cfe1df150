namespace MiniDns.Tsig;

/// <summary>
/// Signs the messages of one response in turn (RFC 8945 5.3.1): the first over the request's MAC and every
/// TSIG variable, each later one over the MAC before it and the timers, so a secondary can check that no
/// message of a transfer was changed, dropped or reordered.
/// </summary>
public sealed class TsigSigner(TsigKey key, byte[] requestMac)
{
    private byte[] _prior = requestMac;
    private bool _first = true;

    public TsigKey Key => key;

    /// <summary>Room a message must leave for its TSIG record (6 bytes of other data, for BADTIME's time).</summary>
    public int Reserve => key.Name.Length + 10 + key.AlgorithmName.Length + 16 + key.MacSize + 6;

    /// <summary>Appends the TSIG record to the message of <paramref name="length"/> bytes; returns the new length.</summary>
    public int Sign(Span<byte> buffer, int length, TsigError error = TsigError.NoError, ReadOnlySpan<byte> otherData = default, long? timeSigned = null)
    {
        int signed = TsigMessage.Sign(buffer, length, key, _prior, timersOnly: !_first, timeSigned ?? TsigMessage.Now(), out var mac, error, otherData);
        _prior = mac;
        _first = false;
        return signed;
    }
}
