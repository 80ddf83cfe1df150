namespace MiniDns.Wire;

/// <summary>Bits of the second 16-bit header word (RFC 1035 4.1.1).</summary>
public static class HeaderFlags
{
    public const ushort QR = 0x8000;
    public const ushort OpcodeMask = 0x7800;
    public const int OpcodeShift = 11;
    public const ushort AA = 0x0400;
    public const ushort TC = 0x0200;
    public const ushort RD = 0x0100;
    public const ushort RA = 0x0080;
    public const ushort RcodeMask = 0x000F;

    public const int HeaderLength = 12;
    public const int OpcodeQuery = 0;
}
