using System.Buffers.Binary;

namespace MiniDns.Zones;

/// <summary>
/// SOA serial numbers: every edit moves the serial forward in RFC 1982 serial arithmetic, using the
/// date-based form YYYYMMDDnn while it is ahead of the current serial, else the current serial plus one.
/// </summary>
public static class SoaSerial
{
    /// <summary>SERIAL is the first of the five 32-bit numbers that end SOA data (RFC 1035 3.3.13).</summary>
    private const int OffsetFromEnd = 20;

    public static uint Read(ReadOnlySpan<byte> soaData) => BinaryPrimitives.ReadUInt32BigEndian(soaData[^OffsetFromEnd..]);

    public static byte[] With(ReadOnlySpan<byte> soaData, uint serial)
    {
        var copy = soaData.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(copy.Length - OffsetFromEnd), serial);
        return copy;
    }

    public static uint DateBased(DateOnly day, int sequence = 0) => (uint)(day.Year * 1_000_000 + day.Month * 10_000 + day.Day * 100 + sequence);

    public static uint Next(uint current, DateOnly today)
    {
        uint dated = DateBased(today);
        return IsAfter(dated, current) ? dated : unchecked(current + 1);
    }

    /// <summary>RFC 1982 3.2: s1 is greater than s2.</summary>
    public static bool IsAfter(uint s1, uint s2) => s1 != s2 && (s1 - s2) < 0x8000_0000u;
}
