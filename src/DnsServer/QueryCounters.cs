using MiniDns.Wire;

namespace MiniDns.Server;

/// <summary>
/// Monotonic query counters of one receive loop: queries, by question type, responses by rcode, FORMERR and
/// REFUSED by reason, truncations. A UDP loop owns its counters alone, so counting is a plain increment with
/// no cache line shared between cores; TCP connections share one set and count with interlocked increments.
/// </summary>
public sealed class QueryCounters(bool shared)
{
    /// <summary>The question types counted one by one; every other type counts as "other".</summary>
    public static IReadOnlyList<ushort> CountedTypes { get; } =
    [
        RecordType.A, RecordType.NS, RecordType.CNAME, RecordType.SOA, RecordType.PTR, RecordType.MX, RecordType.TXT,
        RecordType.AAAA, RecordType.SRV, RecordType.DNAME, RecordType.DS, RecordType.CAA, RecordType.IXFR, RecordType.AXFR,
        RecordType.ANY,
    ];

    // A question type's slot: one load instead of a search (64 KiB, shared by every loop).
    private static readonly byte[] TypeSlot = MakeTypeSlots();
    private static readonly int OtherType = CountedTypes.Count;

    private static byte[] MakeTypeSlots()
    {
        var slots = new byte[ushort.MaxValue + 1];
        Array.Fill(slots, (byte)CountedTypes.Count);
        for (int i = 0; i < CountedTypes.Count; i++)
            slots[CountedTypes[i]] = (byte)i;
        return slots;
    }

    private readonly long[] _byRcode = new long[24];
    private readonly long[] _byType = new long[CountedTypes.Count + 1];
    private readonly long[] _byReason = new long[Enum.GetValues<ResponseReason>().Length];
    private long _queries;
    private long _dropped;
    private long _truncated;
    private long _rateLimited;
    private long _slipped;

    public long Queries => Volatile.Read(ref _queries);
    public long Dropped => Volatile.Read(ref _dropped);
    public long Truncated => Volatile.Read(ref _truncated);
    public long Answered(ResponseCode rcode) => Volatile.Read(ref _byRcode[Index(rcode)]);
    public long Refused(ResponseReason reason) => Volatile.Read(ref _byReason[(int)reason]);

    /// <summary>Questions of a type in <see cref="CountedTypes"/>, or (null) of every other type.</summary>
    public long Asked(ushort? type) => Volatile.Read(ref _byType[type is { } t ? TypeIndex(t) : OtherType]);

    /// <summary>Responses held back by rate limiting; of those, sent as empty TC=1 replies (the rest dropped).</summary>
    public long RateLimited => Volatile.Read(ref _rateLimited);
    public long Slipped => Volatile.Read(ref _slipped);

    /// <summary>Counts one rate-limited response, only ever from the UDP loop that owns these counters.</summary>
    public void CountRateLimited(bool slipped)
    {
        _rateLimited++;
        if (slipped)
            _slipped++;
    }

    /// <summary>
    /// Counts one message: its question type when it had one; dropped when nothing was sent back, else by the
    /// rcode sent. A response held back is neither: rate limiting (<see cref="CountRateLimited"/>) or the
    /// resolver, which answers it later, counts it.
    /// </summary>
    public void Count(QueryContext context, int responseLength, bool held = false)
    {
        Add(ref _queries);
        if (context.LastResult == QueryParseResult.Ok)
            Add(ref _byType[TypeIndex(context.Query.Type)]);
        if (held)
            return;
        if (responseLength == 0)
        {
            Add(ref _dropped);
            return;
        }
        Add(ref _byRcode[Index(context.LastRcode)]);
        if (context.LastReason != ResponseReason.None)
            Add(ref _byReason[(int)context.LastReason]);
        if (context.LastTruncated)
            Add(ref _truncated);
    }

    private void Add(ref long counter)
    {
        if (shared)
            Interlocked.Increment(ref counter);
        else
            counter++;
    }

    private static int TypeIndex(ushort type) => TypeSlot[type];

    private int Index(ResponseCode rcode) => Math.Min((int)rcode, _byRcode.Length - 1);
}
