using System.Net;
using MiniDns.Tests.Support;
using MiniDns.Transfer;

namespace MiniDns.Tests.Transfer;

/// <summary>
/// The secondaries a zone's NS records name (RFC 1996 3.6, as BIND's notify yes): every address our zones give
/// an NS name, in the zone or in another zone we serve, but the SOA MNAME's (the primary's) and our own; a name
/// we hold no address for is left out, not resolved.
/// </summary>
public sealed class NotifyNameServersTests
{
    private const string Zone = """
        $ORIGIN example.test.
        @ 300 IN SOA NS1 hostmaster 7 3600 600 86400 300
        @ 300 IN NS ns1
        @ 300 IN NS Ns2
        @ 300 IN NS ns.other.test.
        @ 300 IN NS ns.elsewhere.example.
        @ 300 IN NS own
        ns1 300 IN A 192.0.2.1
        ns2 300 IN A 192.0.2.2
        ns2 300 IN AAAA 2001:db8::2
        own 300 IN A 192.0.2.9
        child 300 IN NS ns.child
        ns.child 300 IN A 192.0.2.3

        """;

    private const string Other = """
        $ORIGIN other.test.
        @ 300 IN SOA ns hostmaster 1 3600 600 86400 300
        @ 300 IN NS ns
        ns 300 IN A 198.51.100.4

        """;

    [Fact]
    public void The_ns_addresses_we_hold_are_told_but_the_primarys_and_our_own()
    {
        var snapshot = LocalAnswer.Snapshot(Zone, Other);
        var zone = snapshot.Zones.Single(z => z.ToString() == "example.test.");
        var servers = NotifyNameServers.Of(snapshot, zone, 5353, address => address.Equals(IPAddress.Parse("192.0.2.9")));
        Assert.Equal(["192.0.2.2:5353", "198.51.100.4:5353", "[2001:db8::2]:5353"], servers.Select(s => s.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_delegations_glue_is_not_the_zones_own_name_server()
    {
        var snapshot = LocalAnswer.Snapshot(Zone);
        var servers = NotifyNameServers.Of(snapshot, snapshot.Zones[0], 53, _ => false);
        Assert.DoesNotContain(servers, s => s.Address.Equals(IPAddress.Parse("192.0.2.3")));
        Assert.Contains(servers, s => s.Address.Equals(IPAddress.Parse("192.0.2.9")));
    }

    [Fact]
    public void Addresses_no_single_server_has_are_not_told()
    {
        var snapshot = LocalAnswer.Snapshot("""
            $ORIGIN example.test.
            @ 300 IN SOA primary hostmaster 7 3600 600 86400 300
            @ 300 IN NS odd
            @ 300 IN NS ns2
            odd 300 IN A 0.0.0.0
            odd 300 IN A 0.1.2.3
            odd 300 IN A 255.255.255.255
            odd 300 IN A 224.0.0.1
            odd 300 IN AAAA ::
            odd 300 IN AAAA ff02::1
            odd 300 IN AAAA ::ffff:0.0.0.0
            ns2 300 IN A 192.0.2.2

            """);
        var servers = NotifyNameServers.Of(snapshot, snapshot.Zones[0], 53, _ => false);
        Assert.Equal(["192.0.2.2:53"], servers.Select(s => s.ToString()));
    }

    [Fact]
    public void A_zone_naming_hundreds_of_name_servers_has_the_first_sixteen_told()
    {
        // Found by attack: a primary gave its secondary zone 1,400 NS names, which took the NOTIFY rate of every zone.
        var snapshot = LocalAnswer.Snapshot("$ORIGIN many.test.\n@ 300 IN SOA primary hostmaster 7 3600 600 86400 300\n"
            + string.Concat(Enumerable.Range(0, 400).Select(i => $"@ 300 IN NS ns{i}\nns{i} 300 IN A 127.1.{i / 256}.{i % 256}\n")));
        var servers = NotifyNameServers.Of(snapshot, snapshot.Zones[0], 53, _ => false);
        Assert.Equal(NotifyNameServers.MaxServers, servers.Count);
        Assert.Equal(servers.Count, servers.Distinct().Count());
    }

    [Fact]
    public void Our_own_address_written_ipv4_mapped_is_still_ours()
    {
        var snapshot = LocalAnswer.Snapshot("""
            $ORIGIN example.test.
            @ 300 IN SOA primary hostmaster 7 3600 600 86400 300
            @ 300 IN NS own
            @ 300 IN NS ns2
            own 300 IN AAAA ::ffff:192.0.2.9
            ns2 300 IN AAAA ::ffff:192.0.2.2

            """);
        var servers = NotifyNameServers.Of(snapshot, snapshot.Zones[0], 53, address => address.Equals(IPAddress.Parse("192.0.2.9")));
        Assert.Equal(["192.0.2.2:53"], servers.Select(s => s.ToString()));
    }
}
