namespace MiniDns.Wire;

/// <summary>CLASS values (RFC 1035 3.2.4).</summary>
public static class DnsClass
{
    public const ushort IN = 1;
    public const ushort CH = 3;
    public const ushort ANY = 255;
}
