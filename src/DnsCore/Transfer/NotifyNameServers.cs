using System.Net;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Transfer;

/// <summary>
/// A zone's own name servers as the secondaries to NOTIFY (RFC 1996 3.6, BIND's <c>notify yes</c>): the
/// addresses of its NS names but the SOA MNAME's (the primary, RFC 1996 3.7), from the zones we serve alone
/// (NS names we hold no address for are not resolved), less our own addresses and those no single server has
/// (<see cref="ServerAddress.IsUsable"/>; an IPv4-mapped address as the IPv4 one it is), the first
/// <see cref="MaxServers"/> in the order the zone holds them.
/// </summary>
public static class NotifyNameServers
{
    /// <summary>
    /// The most servers one zone's NS set names to NOTIFY: a secondary zone's NS records are its primary's
    /// to write, and 1,400 of them took the whole NOTIFY rate for minutes (found by attack).
    /// </summary>
    public const int MaxServers = 16;

    public static IReadOnlyList<IPEndPoint> Of(ZoneSnapshot snapshot, Zone zone, int port, Func<IPAddress, bool> isOwn)
    {
        if (zone.Apex.Find(RecordType.NS) is not { } ns)
            return [];
        var soa = zone.Soa.Records[0];
        int mnameLength = DnsName.MeasureUncompressed(soa);
        var mname = mnameLength > 0 ? DnsName.ToLowerCopy(soa[..mnameLength]) : [];
        var servers = new List<IPEndPoint>();
        foreach (var data in ns.Records)
        {
            var name = DnsName.ToLowerCopy(data);
            if (name.AsSpan().SequenceEqual(mname) || snapshot.FindZone(name)?.Find(name) is not { } node)
                continue;
            foreach (var type in (ReadOnlySpan<ushort>)[RecordType.A, RecordType.AAAA])
            {
                if (node.Find(type) is not { } addresses)
                    continue;
                foreach (var address in addresses.Records)
                {
                    if (address.Length != (type == RecordType.A ? 4 : 16))
                        continue;
                    var ip = new IPAddress(address);
                    var endpoint = new IPEndPoint(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, port);
                    if (ServerAddress.IsUsable(endpoint.Address) && !isOwn(endpoint.Address) && !servers.Contains(endpoint))
                        servers.Add(endpoint);
                    if (servers.Count == MaxServers)
                        return servers;
                }
            }
        }
        return servers;
    }
}
