using System.Net;
using System.Net.Sockets;
using MiniDns.Server;
using Serilog;

namespace MiniDns.Tests.Support;

/// <summary>
/// A small DNS on loopback, made of MiniDns servers on 127.0.0.11-15, all on one port: the root delegates
/// com.; com. delegates cctv.com. and baidu.com. (with glue), glueless.com. (its server named in baidu.com.),
/// lame.com. (to a server that does not serve it), silent.com. (to an address where a socket reads and never
/// answers), and two zones whose servers are named only in each other. cctv.com. holds a CNAME into baidu.com.,
/// a CNAME loop, an RRset too big for UDP, and delegates sub.cctv.com. A resolver of our own asks through it
/// with root hints pointing at 127.0.0.11 and <c>--upstream-port</c> set to the hierarchy's port.
/// </summary>
public sealed class LoopbackHierarchy : IAsyncLifetime
{
    public const string Root = "127.0.0.11", Com = "127.0.0.12", Cctv = "127.0.0.13", Baidu = "127.0.0.14", Sub = "127.0.0.15", Silent = "127.0.0.16";

    private readonly List<ServerFixture> _servers = [];
    private Socket? _silent;

    public int Port { get; private set; }
    public IReadOnlyDictionary<string, DnsServerHost> Servers => _servers.ToDictionary(s => s.Host.UdpEndPoints[0].Address.ToString(), s => s.Host);
    public string Folder { get; } = Directory.CreateTempSubdirectory("minidns-hierarchy-").FullName;
    public string RootHintsFile => Path.Combine(Folder, "root.hints");

    /// <summary>Queries the hierarchy's servers have received, UDP and TCP, all together.</summary>
    public long UpstreamQueries => _servers.Sum(s => s.Host.Counters.UdpQueries + s.Host.Counters.TcpQueries);

    public long QueriesAt(string address) => Servers[address].Counters.UdpQueries + Servers[address].Counters.TcpQueries;

    private static readonly (string Address, string Zone, string Text)[] Zones =
    [
        (Root, "root", """
            $ORIGIN .
            @ 86400 IN SOA a.root. h.root. 1 1800 900 604800 86400
            @ 518400 IN NS a.root.
            a.root. 518400 IN A 127.0.0.11
            com. 172800 IN NS a.gtld.com.
            a.gtld.com. 172800 IN A 127.0.0.12
            """),
        (Com, "com", """
            $ORIGIN com.
            @ 900 IN SOA a.gtld.com. h.com. 1 1800 900 604800 900
            @ 172800 IN NS a.gtld.com.
            a.gtld 172800 IN A 127.0.0.12
            cctv 172800 IN NS ns1.cctv
            ns1.cctv 172800 IN A 127.0.0.13
            baidu 172800 IN NS ns1.baidu
            ns1.baidu 172800 IN A 127.0.0.14
            glueless 172800 IN NS ns.baidu.com.
            lame 172800 IN NS ns1.lame
            ns1.lame 172800 IN A 127.0.0.15
            silent 172800 IN NS ns1.silent
            ns1.silent 172800 IN A 127.0.0.16
            loop1 172800 IN NS ns.loop2.com.
            loop2 172800 IN NS ns.loop1.com.
            """),
        (Cctv, "cctv.com", """
            $ORIGIN cctv.com.
            @ 600 IN SOA ns1 h 1 1800 900 604800 300
            @ 600 IN NS ns1
            ns1 600 IN A 127.0.0.13
            news 300 IN A 192.0.2.10
            burst 300 IN A 192.0.2.11
            popular 10 IN A 192.0.2.12
            www 300 IN CNAME www.a.shifen.baidu.com.
            a 300 IN CNAME b
            b 300 IN CNAME a
            sub 600 IN NS ns.sub
            ns.sub 600 IN A 127.0.0.15
            """ + string.Concat(Enumerable.Range(0, 30).Select(i => $"\nbig 300 IN TXT \"{i:00} {new string('x', 90)}\""))),
        (Baidu, "baidu.com", """
            $ORIGIN baidu.com.
            @ 600 IN SOA ns1 h 1 1800 900 604800 300
            @ 600 IN NS ns1
            ns1 600 IN A 127.0.0.14
            ns 600 IN A 127.0.0.14
            www.a.shifen 120 IN A 192.0.2.20
            """),
        (Baidu, "glueless.com", """
            $ORIGIN glueless.com.
            @ 600 IN SOA ns.baidu.com. h 1 1800 900 604800 300
            @ 600 IN NS ns.baidu.com.
            www 300 IN A 192.0.2.30
            """),
        (Sub, "sub.cctv.com", """
            $ORIGIN sub.cctv.com.
            @ 600 IN SOA ns h 1 1800 900 604800 60
            @ 600 IN NS ns
            ns 600 IN A 127.0.0.15
            deep 300 IN TXT "below the second cut"
            """),
    ];

    public async ValueTask InitializeAsync()
    {
        for (int attempt = 0; ; attempt++)
        {
            Port = FreePortOn(Root);
            try
            {
                foreach (var group in Zones.GroupBy(z => z.Address))
                {
                    var server = new ServerFixture
                    {
                        Listen = IPAddress.Parse(group.Key),
                        Port = Port,
                        OnlyZones = group.Select(z => (z.Zone, z.Text)).ToList(),
                    };
                    await server.InitializeAsync();
                    _servers.Add(server);
                }
                _silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                _silent.Bind(new IPEndPoint(IPAddress.Parse(Silent), Port));
                break;
            }
            catch (SocketException) when (attempt < 5)
            {
                await DisposeServersAsync(); // the port was taken on another address meanwhile: try another
            }
        }
        File.WriteAllText(RootHintsFile, ". 3600000 IN NS a.root.\na.root. 3600000 IN A 127.0.0.11\n");
    }

    /// <summary>A resolver of our own for the hierarchy: recursion for loopback clients unless told otherwise.</summary>
    public async Task<ServerFixture> StartResolverAsync(IReadOnlyList<IPNetwork>? allow = null)
    {
        var resolver = new ServerFixture
        {
            RecursionAllow = allow ?? [IPNetwork.Parse("127.0.0.0/8")],
            RootHints = RootHintsFile,
            UpstreamPort = Port,
            OnlyZones = [],
        };
        await resolver.InitializeAsync();
        return resolver;
    }

    private static int FreePortOn(string address)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private async Task DisposeServersAsync()
    {
        foreach (var server in _servers)
            await server.DisposeAsync();
        _servers.Clear();
        _silent?.Dispose();
        _silent = null;
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeServersAsync();
        Directory.Delete(Folder, recursive: true);
    }
}
