using System.Net;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Transfer;

/// <summary>
/// A zone's own name servers as the secondaries to NOTIFY (RFC 1996 3.6, BIND's <c>notify yes</c>): the
/// addresses of its NS names but the SOA MNAME's (the primary, RFC 1996 3.7), from the zones we serve alone
/// (NS names we hold no address for are not resolved), less our own addresses and those no single server has
/// (<see cref="ServerAddress.IsUsable"/>).
/// </summary>
public static class NotifyNameServers
{
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
                    var endpoint = new IPEndPoint(new IPAddress(address), port);
                    if (ServerAddress.IsUsable(endpoint.Address) && !isOwn(endpoint.Address) && !servers.Contains(endpoint))
                        servers.Add(endpoint);
                }
            }
        }
        return servers;
    }
}
