using Serilog;

namespace MiniDns.Server;

/// <summary>
/// Where the server's loops report what they caught instead of dying (DESIGN.md: a bug must not become an
/// outage): every failure is counted in <see cref="ServerCounters.Errors"/>, and at most one line per second
/// is logged at Error, saying how many were not, so a flood of one bad message cannot flood the log.
/// </summary>
public sealed class FaultLog(ServerCounters counters, ILogger log)
{
    private const int MaxHexOctets = 512;
    private static readonly long Interval = System.Diagnostics.Stopwatch.Frequency;
    private long _nextLine = long.MinValue;
    private long _unlogged;

    /// <summary>Answering one message threw: counted, and logged with the message in hex.</summary>
    public void MessageFailed(string transport, Exception error, ReadOnlySpan<byte> message)
    {
        counters.CountError();
        if (TakeLine(out long unlogged))
            log.Error(error, "Answering a {Transport} message failed, the loop goes on ({Unlogged} earlier failures not logged): {Message}",
                transport, unlogged, Convert.ToHexString(message[..Math.Min(message.Length, MaxHexOctets)]));
    }

    /// <summary>Anything else a loop, connection or reload caught.</summary>
    public void Failed(string where, Exception error)
    {
        counters.CountError();
        if (TakeLine(out long unlogged))
            log.Error(error, "{Where} failed and goes on ({Unlogged} earlier failures not logged)", where, unlogged);
    }

    // True for the first failure of each second; the others are only counted until then.
    private bool TakeLine(out long unlogged)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        long next = Volatile.Read(ref _nextLine);
        if (now < next || Interlocked.CompareExchange(ref _nextLine, now + Interval, next) != next)
        {
            Interlocked.Increment(ref _unlogged);
            unlogged = 0;
            return false;
        }
        unlogged = Interlocked.Exchange(ref _unlogged, 0);
        return true;
    }
}
