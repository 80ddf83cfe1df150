using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// How an edit moves a zone's SOA serial, kept per zone: <c>date</c> (YYYYMMDDnn while that moves it
/// forward, else +1; the default), <c>increment</c> (+1), <c>unixtime</c> (seconds since 1970, or +1 when
/// that would not move it forward). Every policy only moves forward in serial arithmetic (RFC 1982).
/// </summary>
public static class SerialPolicy
{
    public const string Date = "date", Increment = "increment", UnixTime = "unixtime";

    public static IReadOnlyList<string> All { get; } = [Date, Increment, UnixTime];

    public static uint Next(string policy, uint current, DateTime utcNow)
    {
        uint candidate = policy switch
        {
            Increment => current + 1,
            UnixTime => (uint)new DateTimeOffset(utcNow, TimeSpan.Zero).ToUnixTimeSeconds(),
            _ => SoaSerial.Next(current, DateOnly.FromDateTime(utcNow)),
        };
        return SoaSerial.IsAfter(candidate, current) ? candidate : current + 1;
    }

    /// <summary>
    /// The serial for new content of a zone (an import with --replace, <c>zone edit</c>): the content's own when
    /// it is after the stored one (the user moved it), else the next by the policy.
    /// </summary>
    public static uint ForContent(string policy, uint current, uint given, DateTime utcNow) =>
        SoaSerial.IsAfter(given, current) ? given : Next(policy, current, utcNow);
}
