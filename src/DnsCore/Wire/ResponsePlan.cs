namespace MiniDns.Wire;

/// <summary>
/// What a response will say, decided by the answering code and written by <see cref="ResponseWriter"/>.
/// One plan is reused per receive loop; synthesized names live in its scratch buffer, so planning allocates nothing.
/// </summary>
public sealed class ResponsePlan
{
    private readonly byte[] _scratch = new byte[32 * DnsName.MaxLength];
    private int _scratchUsed;

    public ResponseCode Rcode { get; set; }

    /// <summary>Why the answer is FORMERR or REFUSED, for the counters.</summary>
    public ResponseReason Reason { get; set; }
    public bool Authoritative { get; set; }

    /// <summary>RA: the client may recurse here (RFC 1035 4.1.1); set only for clients on the allow list.</summary>
    public bool RecursionAvailable { get; set; }

    /// <summary>An Extended DNS Error to send in OPT (RFC 8914) when the client speaks EDNS; null: none.</summary>
    public ExtendedError? ExtendedError { get; set; }
    public ResponseSection Answer { get; } = new();
    public ResponseSection Authority { get; } = new();
    public ResponseSection Additional { get; } = new();

    /// <summary>The wildcard the answer was synthesized from (RFC 4592), else empty: rate limiting counts by it.</summary>
    public ReadOnlyMemory<byte> WildcardSource { get; set; }

    /// <summary>An answer with no records: the rcode and why.</summary>
    public void Refuse(ResponseCode rcode, ResponseReason reason)
    {
        Rcode = rcode;
        Reason = reason;
    }

    public void Reset()
    {
        Rcode = ResponseCode.NoError;
        Reason = ResponseReason.None;
        Authoritative = false;
        RecursionAvailable = false;
        ExtendedError = null;
        Answer.Clear();
        Authority.Clear();
        Additional.Clear();
        WildcardSource = ReadOnlyMemory<byte>.Empty;
        _scratchUsed = 0;
    }

    /// <summary>Space for one synthesized name, or an empty memory when the scratch buffer is full.</summary>
    public Memory<byte> Rent(int length)
    {
        if (_scratchUsed + length > _scratch.Length)
            return Memory<byte>.Empty;
        var memory = _scratch.AsMemory(_scratchUsed, length);
        _scratchUsed += length;
        return memory;
    }
}
