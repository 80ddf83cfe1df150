using System.Security.Cryptography;
using System.Text;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>
/// A short fingerprint of a zone's records (SHA-256 of their sorted text), so <c>zone edit</c> can tell the
/// zone it read from the zone as it is: a serial alone does not, since a zone removed and added again may
/// come back with the same one.
/// </summary>
public static class ZoneDigest
{
    public static string Of(IEnumerable<ZoneRecord> records)
    {
        var lines = records.Select(r => (r with { Owner = DnsName.ToLowerCopy(r.Owner) }).ToString()).Order(StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", lines))))[..32];
    }
}
