using MiniDns.Wire;

namespace MiniDns.Server;

/// <summary>
/// Monotonic query counters of one receive loop. A UDP loop owns its counters alone, so counting is a
/// plain increment with no cache line shared between cores; TCP connections share one set and count with
/// interlocked increments.
/// </summary>
public sealed class QueryCounters(bool shared)
{
    private readonly long[] _byRcode = new long[24];
    private long _queries;
    private long _dropped;
    private long _rateLimited;
    private long _slipped;

    public long Queries => Volatile.Read(ref _queries);
    public long Dropped => Volatile.Read(ref _dropped);
    public long Answered(ResponseCode rcode) => Volatile.Read(ref _byRcode[Index(rcode)]);

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

    /// <summary>Counts one message: dropped when nothing was sent back, else by the rcode sent.</summary>
    public void Count(QueryContext context, int responseLength)
    {
        if (shared)
        {
            Interlocked.Increment(ref _queries);
            Interlocked.Increment(ref responseLength == 0 ? ref _dropped : ref _byRcode[Index(context.LastRcode)]);
            return;
        }
        _queries++;
        if (responseLength == 0)
            _dropped++;
        else
            _byRcode[Index(context.LastRcode)]++;
    }

    private int Index(ResponseCode rcode) => Math.Min((int)rcode, _byRcode.Length - 1);
}
