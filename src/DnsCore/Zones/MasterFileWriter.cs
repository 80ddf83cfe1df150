using System.Text;
using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// Writes a zone as a master file that <see cref="MasterFileParser"/> reads back to the same records:
/// $ORIGIN, then the SOA, then every other record with its absolute owner, TTL and class.
/// </summary>
public static class MasterFileWriter
{
    public static string Write(byte[] origin, IEnumerable<ZoneRecord> records)
    {
        var sb = new StringBuilder();
        sb.Append("$ORIGIN ").Append(NameText.Format(origin)).Append('\n');
        var ordered = records
            .OrderBy(r => r.Type != RecordType.SOA)
            .ThenBy(r => r.Owner.Length != origin.Length)
            .ThenBy(r => r.OwnerText, StringComparer.Ordinal)
            .ThenBy(r => r.Type)
            .ThenBy(r => r.DataText, StringComparer.Ordinal);
        foreach (var record in ordered)
        {
            sb.Append(record.OwnerText).Append(' ')
              .Append(record.Ttl).Append(" IN ")
              .Append(record.TypeText).Append(' ')
              .Append(record.DataText).Append('\n');
        }
        return sb.ToString();
    }
}
