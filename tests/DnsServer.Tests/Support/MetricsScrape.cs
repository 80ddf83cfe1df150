using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MiniDns.Tests.Support;

/// <summary>One scrape of a server's /metrics, as Prometheus would make it.</summary>
public sealed class MetricsScrape(string text)
{
    public string Text { get; } = text;

    /// <summary>The value of one series ("minidns_queries_total{transport=\"udp\"}"); fails when it is absent.</summary>
    public double Value(string series)
    {
        var line = Text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no {series} in:\n{Text}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    public static async Task<MetricsScrape> GetAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return new MetricsScrape(await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", TestContext.Current.CancellationToken));
    }

    /// <summary>A loopback port free a moment ago, for --metrics, which like a user names its port.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
