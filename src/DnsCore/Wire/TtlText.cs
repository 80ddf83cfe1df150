using System.Globalization;

namespace MiniDns.Wire;

/// <summary>TTLs and SOA timers: a plain number of seconds, or BIND-style units (1w2d3h4m5s).</summary>
public static class TtlText
{
    /// <summary>The largest TTL (RFC 2181 8): one with the top bit set is treated as 0 when received, and refused when written.</summary>
    public const uint MaxTtl = int.MaxValue;

    /// <summary>Why <paramref name="ttl"/> cannot be a record's TTL, or null when it can.</summary>
    public static string? Refusal(uint ttl) => ttl > MaxTtl ? $"TTL {ttl} is more than {MaxTtl}, the largest a TTL may be (RFC 2181 8)" : null;

    public static bool TryParse(ReadOnlySpan<char> text, out uint seconds)
    {
        seconds = 0;
        if (text.Length == 0)
            return false;
        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seconds))
            return true;
        ulong total = 0, current = 0;
        bool digits = false;
        foreach (char c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                current = current * 10 + (ulong)(c - '0');
                digits = true;
                if (current > uint.MaxValue)
                    return false;
                continue;
            }
            ulong unit = char.ToLowerInvariant(c) switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, 'w' => 604800, _ => 0 };
            if (unit == 0 || !digits)
                return false;
            total += current * unit;
            current = 0;
            digits = false;
        }
        if (digits)
            return false;
        if (total > uint.MaxValue)
            return false;
        seconds = (uint)total;
        return true;
    }
}
