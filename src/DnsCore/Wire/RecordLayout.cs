namespace MiniDns.Wire;

/// <summary>The field layout of each record type MiniDns understands; every other type is opaque (RFC 3597).</summary>
public static class RecordLayout
{
    private static readonly Dictionary<ushort, RdataField[]> Layouts = new()
    {
        [RecordType.A] = [RdataField.IPv4],
        [RecordType.AAAA] = [RdataField.IPv6],
        [RecordType.NS] = [RdataField.CompressibleName],
        [RecordType.CNAME] = [RdataField.CompressibleName],
        [RecordType.PTR] = [RdataField.CompressibleName],
        // RFC 6672 2.5: the DNAME target is not compressed when sent.
        [RecordType.DNAME] = [RdataField.Name],
        [RecordType.SOA] =
        [
            RdataField.CompressibleName, RdataField.CompressibleName,
            RdataField.U32, RdataField.U32, RdataField.U32, RdataField.U32, RdataField.U32,
        ],
        [RecordType.MX] = [RdataField.U16, RdataField.CompressibleName],
        [RecordType.TXT] = [RdataField.CharStrings],
        [RecordType.HINFO] = [RdataField.CharString, RdataField.CharString],
        // RFC 2782: "name compression is not to be used for this field".
        [RecordType.SRV] = [RdataField.U16, RdataField.U16, RdataField.U16, RdataField.Name],
        [RecordType.CAA] = [RdataField.U8, RdataField.Tag, RdataField.QuotedRest],
        [RecordType.DS] = [RdataField.U16, RdataField.U8, RdataField.U8, RdataField.HexRest],
    };

    /// <summary>The layout of <paramref name="type"/>, or null when it is opaque data.</summary>
    public static RdataField[]? Of(ushort type) => Layouts.GetValueOrDefault(type);

    /// <summary>True when some field of the type holds a domain name (decompression on read needs the layout).</summary>
    public static bool HasNames(ushort type) =>
        Layouts.TryGetValue(type, out var fields) && fields.Any(f => f is RdataField.Name or RdataField.CompressibleName);

    /// <summary>The offset of the first name field in <paramref name="rdata"/> that a query should chase for additional data.</summary>
    public static int TargetNameOffset(ushort type) => type switch
    {
        RecordType.NS => 0,
        RecordType.MX => 2,
        RecordType.SRV => 6,
        _ => -1,
    };
}
