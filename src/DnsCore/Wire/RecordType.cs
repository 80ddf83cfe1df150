namespace MiniDns.Wire;

/// <summary>Record type numbers (IANA "Resource Record (RR) TYPEs") and their mnemonics.</summary>
public static class RecordType
{
    public const ushort A = 1;
    public const ushort NS = 2;
    public const ushort CNAME = 5;
    public const ushort SOA = 6;
    public const ushort PTR = 12;
    public const ushort HINFO = 13;
    public const ushort MX = 15;
    public const ushort TXT = 16;
    public const ushort AAAA = 28;
    public const ushort SRV = 33;
    public const ushort DNAME = 39;
    public const ushort OPT = 41;
    public const ushort DS = 43;
    public const ushort IXFR = 251;
    public const ushort AXFR = 252;
    public const ushort MAILB = 253;
    public const ushort MAILA = 254;
    public const ushort ANY = 255;
    public const ushort CAA = 257;

    private static readonly Dictionary<string, ushort> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["A"] = A, ["NS"] = NS, ["CNAME"] = CNAME, ["SOA"] = SOA, ["PTR"] = PTR, ["HINFO"] = HINFO,
        ["MX"] = MX, ["TXT"] = TXT, ["AAAA"] = AAAA, ["SRV"] = SRV, ["DNAME"] = DNAME, ["OPT"] = OPT,
        ["DS"] = DS, ["IXFR"] = IXFR, ["AXFR"] = AXFR, ["MAILB"] = MAILB, ["MAILA"] = MAILA, ["ANY"] = ANY,
        ["CAA"] = CAA,
    };

    private static readonly Dictionary<ushort, string> ByNumber = ByName.ToDictionary(p => p.Value, p => p.Key);

    /// <summary>Mnemonic, or the RFC 3597 generic form TYPEnnn.</summary>
    public static string ToText(ushort type) => ByNumber.TryGetValue(type, out var name) ? name : "TYPE" + type;

    /// <summary>Parses a mnemonic or the RFC 3597 generic form TYPEnnn.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ushort type)
    {
        if (ByName.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(text, out type))
            return true;
        return text.StartsWith("TYPE", StringComparison.OrdinalIgnoreCase)
            && ushort.TryParse(text[4..], System.Globalization.NumberStyles.None, null, out type);
    }

    /// <summary>Types that exist only in questions (RFC 1035 3.2.3, RFC 6895 3.1): never stored in a zone.</summary>
    public static bool IsQuestionOnly(ushort type) => type is OPT or IXFR or AXFR or MAILB or MAILA or ANY
        || (type >= 128 && type <= 255);
}
