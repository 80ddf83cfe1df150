namespace MiniDns.Wire;

/// <summary>A whole message as read by <see cref="MessageReader"/>: for tests, tools and diagnostics, not the hot path.</summary>
public sealed record DnsMessage(
    ushort Id,
    ushort Flags,
    ResponseCode Rcode,
    IReadOnlyList<DnsQuestion> Questions,
    IReadOnlyList<DnsRecord> Answer,
    IReadOnlyList<DnsRecord> Authority,
    IReadOnlyList<DnsRecord> Additional)
{
    public bool Has(ushort flag) => (Flags & flag) != 0;
}

public sealed record DnsQuestion(byte[] Name, ushort Type, ushort Class)
{
    public override string ToString() => $"{NameText.Format(Name)} {(Class == DnsClass.IN ? "IN" : "CLASS" + Class)} {RecordType.ToText(Type)}";
}

/// <summary>One record of a message, its data in stored form (names expanded).</summary>
public sealed record DnsRecord(byte[] Owner, ushort Type, ushort Class, uint Ttl, byte[] Data)
{
    public override string ToString() =>
        $"{NameText.Format(Owner)} {Ttl} {(Class == DnsClass.IN ? "IN" : "CLASS" + Class)} {RecordType.ToText(Type)} {RdataText.Format(Type, Data)}";
}
