using System.Net;
using DnsClient;
using MiniDns.Server;
using MiniDns.Tests.Support;
using Serilog;

namespace MiniDns.Tests.Integration;

/// <summary>
/// A server answers nothing before every zone of its store is loaded: started again and again on a fresh
/// store from a 50-zone folder, and on the store it filled, it answers each zone's SOA at once, never
/// REFUSED (one conformance batch in four saw REFUSED right after start when the server polled).
/// </summary>
public sealed class StartupCompletenessTests
{
    private const int Zones = 50;

    [Fact]
    public async Task Every_zone_is_answered_by_the_first_queries_after_each_start()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        string zones = Directory.CreateDirectory(folder.File("zones")).FullName;
        for (int i = 0; i < Zones; i++)
            File.WriteAllText(Path.Combine(zones, $"z{i}.test.zone"), $"$ORIGIN z{i}.test.\n@ 60 IN SOA ns1 h {i + 1} 2 3 4 5\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.{i + 1}\n");
        for (int start = 0; start < 10; start++)
        {
            // Even starts import into a new store; odd ones load the store the previous start filled.
            string database = folder.File($"store{start / 2}.db");
            await using var host = DnsServerHost.Start(new ServerOptions
            {
                RecursionAllow = [],
                Database = database,
                ZonesFolder = zones,
                Listen = [IPAddress.Loopback],
                Port = 0,
                RrlRate = 0,
            }, new LoggerConfiguration().CreateLogger());
            var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, host.Port)) { UseCache = false, Retries = 0, Timeout = TimeSpan.FromSeconds(5) });
            var answers = await Task.WhenAll(Enumerable.Range(0, Zones).Select(i => client.QueryAsync($"z{i}.test", QueryType.SOA, cancellationToken: cancel)));
            for (int i = 0; i < Zones; i++)
            {
                Assert.True(answers[i].Header.ResponseCode == DnsHeaderResponseCode.NoError && answers[i].Answers.SoaRecords().Single().Serial == (uint)(i + 1),
                    $"start {start}, z{i}.test: {answers[i].Header.ResponseCode}");
            }
        }
    }
}
