using System.Net;
using Prometheus;

namespace MiniDns.Server;

/// <summary>
/// <c>--metrics ADDR:PORT</c>: the server's counters at <c>http://ADDR:PORT/metrics</c> in Prometheus's text
/// format (prometheus-net's MetricServer). Nothing is counted for it: the receive loops keep their own
/// counters, and a scrape reads them (<see cref="ServerCounters.Samples"/>) into the registry first, so a
/// query costs the same with the endpoint on or off.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    private readonly MetricServer _server;

    private MetricsEndpoint(MetricServer server) => _server = server;

    public static MetricsEndpoint Start(IPEndPoint address, ServerCounters counters)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var metrics = new Dictionary<string, Counter>(StringComparer.Ordinal);
        foreach (var sample in counters.Samples())
        {
            if (!metrics.ContainsKey(sample.Metric))
                metrics[sample.Metric] = factory.CreateCounter($"minidns_{sample.Metric.Replace('.', '_')}_total", sample.Help,
                    sample.Label is null ? [] : [sample.Label]);
        }
        registry.AddBeforeCollectCallback(() =>
        {
            foreach (var sample in counters.Samples())
            {
                var counter = metrics[sample.Metric];
                if (sample.LabelValue is null)
                    counter.IncTo(sample.Value);
                else
                    counter.WithLabels(sample.LabelValue).IncTo(sample.Value);
            }
        });
        string host = address.Address.Equals(IPAddress.Any) || address.Address.Equals(IPAddress.IPv6Any) ? "*"
            : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address.Address}]"
            : address.Address.ToString();
        var server = new MetricServer(host, address.Port, "metrics/", registry);
        try
        {
            server.Start();
        }
        catch (HttpListenerException e)
        {
            server.Dispose();
            throw new IOException($"--metrics {address}: {e.Message}", e);
        }
        return new MetricsEndpoint(server);
    }

    public void Dispose() => _server.Dispose();
}
