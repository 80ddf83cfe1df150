using System.Globalization;
using MiniDns.Tests.Support;

namespace MiniDns.Tests.EndToEnd;

/// <summary>
/// The resolver as users run it: the server binary (JIT and native) with recursion for loopback, iterating
/// through the loopback hierarchy (<see cref="LoopbackHierarchy"/>), asked by the real dig and nslookup
/// (which sets RD), as a stub resolver pointed at it would be.
/// </summary>
public sealed class ResolverInteropTests(LoopbackHierarchy hierarchy) : IClassFixture<LoopbackHierarchy>
{
    private async Task<ServerProcess> StartAsync(TempFolder folder, bool native)
    {
        string[] resolver = ["--recursion-allow", "127.0.0.0/8", "--root-hints", hierarchy.RootHintsFile, "--upstream-port", hierarchy.Port.ToString(CultureInfo.InvariantCulture)];
        var empty = Directory.CreateDirectory(folder.File("no-zones")).FullName;
        if (!native)
            return await ServerProcess.StartAsync(folder.File("resolver.db"), empty, resolver);
        var (server, _) = await NativeBinaries.GetAsync();
        return await ServerProcess.StartNativeAsync(server, folder.File("resolver.db"), empty, resolver);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dig_and_nslookup_resolve_through_the_hierarchy(bool native)
    {
        using var folder = new TempFolder();
        await using var server = await StartAsync(folder, native);
        string port = server.Port.ToString(CultureInfo.InvariantCulture);
        Task<ProcessRunner.Result> Dig(params string[] arguments) =>
            ProcessRunner.RunAsync(Interop.RequireTool("dig"), ["@127.0.0.1", "-p", port, "+time=10", "+tries=1", .. arguments]);

        var news = await Dig("news.cctv.com", "A");
        Assert.Contains("status: NOERROR", news.Output);
        Assert.Matches(@"flags: qr rd ra;", news.Output);
        Assert.Matches(@"news\.cctv\.com\.\s+300\s+IN\s+A\s+192\.0\.2\.10", news.Output);

        var www = await Dig("www.cctv.com", "A");
        Assert.Matches(@"www\.cctv\.com\.\s+\d+\s+IN\s+CNAME\s+www\.a\.shifen\.baidu\.com\.", www.Output);
        Assert.Matches(@"www\.a\.shifen\.baidu\.com\.\s+\d+\s+IN\s+A\s+192\.0\.2\.20", www.Output);

        var missing = await Dig("nope.cctv.com", "A");
        Assert.Contains("status: NXDOMAIN", missing.Output);

        var big = await Dig("+tcp", "big.cctv.com", "TXT");
        Assert.Contains("ANSWER: 30,", big.Output);

        var lame = await Dig("www.lame.com", "A");
        Assert.Contains("status: SERVFAIL", lame.Output);
        Assert.Contains("EDE: 22", lame.Output); // No Reachable Authority, as dig prints RFC 8914

        var nslookup = await ProcessRunner.RunAsync(Interop.RequireTool("nslookup"), ["-port=" + port, "-timeout=10", "www.glueless.com", "127.0.0.1"]);
        Assert.Contains("Non-authoritative answer:", nslookup.Output);
        Assert.Contains("Address: 192.0.2.30", nslookup.Output);

        // Found by the resolver benchmark: answering a miss with SendToAsync left the listening socket
        // non-blocking, and the receive loop spun on EAGAIN at 100 % of a core from then on.
        var busy = server.CpuTime;
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        var idle = server.CpuTime - busy;
        Assert.True(idle < TimeSpan.FromMilliseconds(300), $"the idle server used {idle.TotalMilliseconds} ms of CPU in 2 s");
    }
}
