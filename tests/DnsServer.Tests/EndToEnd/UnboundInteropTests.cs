using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.EndToEnd;

/// <summary>
/// The same questions through Unbound and through our resolver, over the same loopback hierarchy, give the
/// same rcode and the same answer RRsets (TTLs aside). Unbound reaches the hierarchy's port through a stub
/// zone per zone; our resolver iterates from the root hints with --upstream-port.
/// </summary>
public sealed class UnboundInteropTests(LoopbackHierarchy hierarchy) : IClassFixture<LoopbackHierarchy>
{
    private static readonly (string Name, ushort Type)[] Questions =
    [
        ("news.cctv.com.", RecordType.A), ("www.cctv.com.", RecordType.A), ("www.glueless.com.", RecordType.A),
        ("nope.cctv.com.", RecordType.A), ("news.cctv.com.", RecordType.AAAA), ("deep.sub.cctv.com.", RecordType.TXT),
        ("big.cctv.com.", RecordType.TXT), ("cctv.com.", RecordType.NS), ("www.baidu.com.", RecordType.MX),
    ];

    [Fact]
    public async Task Unbound_and_MiniDns_give_the_same_answers_through_the_same_hierarchy()
    {
        string unbound = Interop.RequireTool("unbound", "unbound");
        using var folder = new TempFolder();
        int port = FreeUdpPort();
        string stub(string zone, string address) => $"stub-zone:\n    name: \"{zone}\"\n    stub-addr: {address}@{hierarchy.Port}\n";
        File.WriteAllText(folder.File("unbound.conf"), $"""
            server:
                interface: 127.0.0.1
                port: {port}
                num-threads: 1
                do-daemonize: no
                username: ""
                chroot: ""
                directory: "{folder.Path}"
                pidfile: ""
                use-syslog: no
                verbosity: 0
                access-control: 127.0.0.0/8 allow
                do-not-query-localhost: no
                module-config: "iterator"
            remote-control:
                control-enable: no
            {stub(".", LoopbackHierarchy.Root)}{stub("com.", LoopbackHierarchy.Com)}{stub("cctv.com.", LoopbackHierarchy.Cctv)}{stub("baidu.com.", LoopbackHierarchy.Baidu)}{stub("glueless.com.", LoopbackHierarchy.Baidu)}{stub("sub.cctv.com.", LoopbackHierarchy.Sub)}
            """);
        using var process = Process.Start(new ProcessStartInfo(unbound, ["-d", "-c", folder.File("unbound.conf")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            var unboundEndPoint = new IPEndPoint(IPAddress.Loopback, port);
            await WaitForAnswerAsync(unboundEndPoint, process);
            await using var resolver = await hierarchy.StartResolverAsync();
            Assert.Equal("NoError: news.cctv.com. A 192.0.2.10", await AnswerAsync(unboundEndPoint, "news.cctv.com.", RecordType.A));
            Assert.Equal("NxDomain: ", await AnswerAsync(unboundEndPoint, "nope.cctv.com.", RecordType.A));
            foreach (var (name, type) in Questions)
            {
                string theirs = await AnswerAsync(unboundEndPoint, name, type);
                string ours = await AnswerAsync(resolver.EndPoint, name, type);
                Assert.True(theirs == ours, $"{name} {RecordType.ToText(type)}:\nUnbound: {theirs}\nMiniDns: {ours}");
            }
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    // The rcode and the answer's records without TTLs, in a fixed order; over TCP, so a big answer comes whole.
    private static async Task<string> AnswerAsync(IPEndPoint server, string name, ushort type)
    {
        var reply = await RawDns.TcpAsync(server, QueryBytes.Build(name, type, flags: HeaderFlags.RD, ednsPayload: 1232));
        Assert.True(MessageReader.TryRead(reply, out var message, out var error), error);
        var records = message.Answer.Select(r => $"{NameText.Format(DnsName.ToLowerCopy(r.Owner))} {RecordType.ToText(r.Type)} {RdataText.Format(r.Type, r.Data)}")
            .Order(StringComparer.Ordinal);
        return $"{message.Rcode}: {string.Join(" | ", records)}";
    }

    private static async Task WaitForAnswerAsync(IPEndPoint server, Process process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                await RawDns.UdpAsync(server, QueryBytes.Build("cctv.com.", RecordType.SOA, flags: HeaderFlags.RD));
                return;
            }
            catch (Exception e) when (e is TimeoutException or SocketException or OperationCanceledException && DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
