using MiniDns.Tests.Support;

namespace MiniDns.Tests.EndToEnd;

/// <summary>The real server binary on the example zones in zones/, asked by the real dig and nslookup.</summary>
public sealed class DigAndNslookupTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("minidns-e2e-").FullName;
    private ServerProcess _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await ServerProcess.StartAsync(Path.Combine(_folder, "minidns.db"), Repository.ZonesFolder);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<ProcessRunner.Result> Dig(params string[] arguments) =>
        ProcessRunner.RunAsync(Interop.RequireTool("dig"), ["@127.0.0.1", "-p", _server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+time=5", "+tries=1", .. arguments]);

    [Fact]
    public async Task Dig_gets_an_authoritative_answer_from_the_example_zones()
    {
        var result = await Dig("www.baidu.com", "A");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("status: NOERROR", result.Output);
        Assert.Matches(@"flags: qr aa rd;", result.Output);
        Assert.Matches(@"www\.baidu\.com\.\s+600\s+IN\s+CNAME\s+www\.a\.shifen\.baidu\.com\.", result.Output);
        Assert.Matches(@"www\.a\.shifen\.baidu\.com\.\s+600\s+IN\s+A\s+198\.51\.100\.80", result.Output);
    }

    [Fact]
    public async Task Dig_over_tcp_gets_the_same_answer()
    {
        var result = await Dig("+tcp", "news.cctv.com", "A");
        Assert.Contains("status: NOERROR", result.Output);
        Assert.Contains("(TCP)", result.Output);
        Assert.Matches(@"news\.cctv\.com\.\s+300\s+IN\s+A\s+192\.0\.2\.81", result.Output);
    }

    [Fact]
    public async Task Dig_sees_nxdomain_with_the_soa()
    {
        var result = await Dig("missing.cctv.com", "A");
        Assert.Contains("status: NXDOMAIN", result.Output);
        Assert.Matches(@"cctv\.com\.\s+300\s+IN\s+SOA\s+ns1\.cctv\.com\.", result.Output);
    }

    [Fact]
    public async Task Dig_reverse_lookup_finds_the_ptr()
    {
        var result = await Dig("-x", "192.0.2.81", "+short");
        Assert.Equal("news.cctv.com.", result.Output.Trim());
    }

    [Fact]
    public async Task Dig_is_refused_for_a_name_we_do_not_serve()
    {
        var result = await Dig("example.org", "A");
        Assert.Contains("status: REFUSED", result.Output);
    }

    [Fact]
    public async Task Nslookup_resolves_news_cctv_com()
    {
        var nslookup = Interop.RequireTool("nslookup");
        var result = await ProcessRunner.RunAsync(nslookup, [$"-port={_server.Port}", "-timeout=5", "news.cctv.com", "127.0.0.1"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Name:\tnews.cctv.com", result.Output);
        Assert.Contains("Address: 192.0.2.81", result.Output);
        Assert.Contains("Address: 2001:db8::81", result.Output);
    }

    [Fact]
    public async Task Sigterm_shuts_the_server_down_cleanly()
    {
        Assert.Equal(0, await _server.StopAsync());
        Assert.Contains("Shutting down", _server.Output);
    }
}
