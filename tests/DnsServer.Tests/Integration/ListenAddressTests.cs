using System.Net;
using System.Net.Sockets;
using DnsClient;
using MiniDns.Server;
using MiniDns.Tests.Support;
using Serilog;

namespace MiniDns.Tests.Integration;

/// <summary>UDP and TCP on the same port for every listen address, IPv4 and IPv6.</summary>
public sealed class ListenAddressTests
{
    [Fact]
    public async Task Ipv4_and_ipv6_loopback_both_answer_on_one_port()
    {
        if (!Socket.OSSupportsIPv6)
            Assert.Skip("this machine has no IPv6");
        var folder = Directory.CreateTempSubdirectory("minidns-listen-").FullName;
        var zones = Directory.CreateDirectory(Path.Combine(folder, "zones")).FullName;
        File.WriteAllText(Path.Combine(zones, "example.test.zone"), TestZones.Example);
        await using (var host = DnsServerHost.Start(new ServerOptions
        {
            RecursionAllow = [],
            Database = Path.Combine(folder, "minidns.db"),
            ZonesFolder = zones,
            Listen = [IPAddress.Loopback, IPAddress.IPv6Loopback],
            Port = 0,
        }, new LoggerConfiguration().CreateLogger()))
        {
            Assert.Equal(2, host.UdpEndPoints.Count);
            Assert.All(host.UdpEndPoints.Concat(host.TcpEndPoints), e => Assert.Equal(host.Port, e.Port));
            foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
            {
                foreach (bool tcp in new[] { false, true })
                {
                    var client = new LookupClient(new LookupClientOptions(new NameServer(address, host.Port))
                    {
                        UseCache = false, Recursion = false, Retries = 0, UseTcpOnly = tcp, Timeout = TimeSpan.FromSeconds(5),
                    });
                    var response = await client.QueryAsync("www.example.test", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
                    Assert.Equal("192.0.2.80", Assert.Single(response.Answers.ARecords()).Address.ToString());
                }
            }
        }
        Directory.Delete(folder, recursive: true);
    }
}
