using System.Text;
using DnsClient.Protocol;
using MiniDns.Wire;

namespace MiniDns.Cli;

/// <summary>
/// A record as a server sent it, in MiniDns's presentation form, so it compares with what the store holds.
/// DnsClient parses each type its own way; this maps them back (unknown types keep their raw data).
/// </summary>
public sealed record ObservedRecord(string Owner, ushort Type, uint Ttl, string Data)
{
    public static ObservedRecord From(DnsResourceRecord record)
    {
        var (type, data) = record switch
        {
            ARecord a => (RecordType.A, a.Address.ToString()),
            AaaaRecord a => (RecordType.AAAA, a.Address.ToString()),
            NsRecord ns => (RecordType.NS, ns.NSDName.Value),
            CNameRecord cname => (RecordType.CNAME, cname.CanonicalName.Value),
            PtrRecord ptr => (RecordType.PTR, ptr.PtrDomainName.Value),
            MxRecord mx => (RecordType.MX, $"{mx.Preference} {mx.Exchange.Value}"),
            SoaRecord soa => (RecordType.SOA, $"{soa.MName.Value} {soa.RName.Value} {soa.Serial} {soa.Refresh} {soa.Retry} {soa.Expire} {soa.Minimum}"),
            TxtRecord txt => (RecordType.TXT, string.Join(' ', txt.Text.Select(Quote))),
            SrvRecord srv => (RecordType.SRV, $"{srv.Priority} {srv.Weight} {srv.Port} {srv.Target.Value}"),
            CaaRecord caa => (RecordType.CAA, $"{caa.Flags} {caa.Tag} {Quote(caa.Value)}"),
            HInfoRecord hinfo => (RecordType.HINFO, $"{Quote(hinfo.Cpu)} {Quote(hinfo.OS)}"),
            DsRecord ds => (RecordType.DS, $"{ds.KeyTag} {ds.Algorithm} {ds.DigestType} {Convert.ToHexString([.. ds.Digest])}"),
            UnknownRecord unknown => ((ushort)unknown.RecordType, RdataText.Format((ushort)unknown.RecordType, (byte[])[.. unknown.Data])),
            _ => ((ushort)record.RecordType, record.ToString()),
        };
        return new ObservedRecord(record.DomainName.Value, type, (uint)record.InitialTimeToLive, data);
    }

    public string TypeText => RecordType.ToText(Type);

    /// <summary>Names compare without case (RFC 4343); the data text does too, which TXT case changes would slip past.</summary>
    public string Key => $"{Owner.ToLowerInvariant()} {Type} {Data.ToLowerInvariant()}";

    public override string ToString() => $"{Owner} {Ttl} IN {TypeText} {Data}";

    private static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            NameText.AppendEscaped(sb, b, inQuotes: true);
        return sb.Append('"').ToString();
    }
}
