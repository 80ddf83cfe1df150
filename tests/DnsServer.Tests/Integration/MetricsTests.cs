using System.Net;
using System.Net.Sockets;
using MiniDns.Server;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>--metrics: the counters of <c>minidns stats</c>, in Prometheus's text format, read from the loops on each scrape.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task A_scrape_shows_every_counter_with_its_help_and_the_values_stats_shows()
    {
        int port = MetricsScrape.FreePort();
        var server = new ServerFixture { Metrics = new IPEndPoint(IPAddress.Loopback, port) };
        await server.InitializeAsync();
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(server.EndPoint);
            var cancel = TestContext.Current.CancellationToken;
            await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A), cancel);
            await socket.SendAsync(QueryBytes.Build("www.example.org.", RecordType.AAAA), cancel);
            await RawDns.ReceiveAsync(socket);
            await RawDns.ReceiveAsync(socket);
            await RawDns.TcpAsync(server.EndPoint, QueryBytes.Build("www.example.test.", RecordType.A));

            var first = await MetricsScrape.GetAsync(port);
            Assert.Equal(2, first.Value("minidns_queries_total{transport=\"udp\"}"));
            Assert.Equal(1, first.Value("minidns_queries_total{transport=\"tcp\"}"));
            Assert.Equal(2, first.Value("minidns_responses_total{rcode=\"noerror\"}"));
            Assert.Equal(1, first.Value("minidns_refused_total{reason=\"no_zone\"}"));
            Assert.Equal(2, first.Value("minidns_questions_total{type=\"a\"}"));
            Assert.Equal(1, first.Value("minidns_questions_total{type=\"aaaa\"}"));
            Assert.Equal(1, first.Value("minidns_tcp_connections_total"));
            Assert.Contains("# HELP minidns_queries_total Messages received", first.Text);
            Assert.Contains("# TYPE minidns_refused_total counter", first.Text);
            // Every counter stats shows is on the endpoint, with the same value.
            foreach (var sample in server.Host.Counters.Samples())
            {
                string series = $"minidns_{sample.Metric.Replace('.', '_')}_total" + (sample.Label is null ? "" : $"{{{sample.Label}=\"{sample.LabelValue}\"}}");
                Assert.Equal(sample.Value, first.Value(series));
            }

            // Counters only grow, scrape after scrape, as the loops count.
            await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A), cancel);
            await RawDns.ReceiveAsync(socket);
            var second = await MetricsScrape.GetAsync(port);
            Assert.Equal(3, second.Value("minidns_queries_total{transport=\"udp\"}"));
            Assert.Equal(3, second.Value("minidns_questions_total{type=\"a\"}"));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_metrics_port_in_use_stops_the_start_with_one_line()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var server = new ServerFixture { Metrics = new IPEndPoint(IPAddress.Loopback, port) };
        var error = await Assert.ThrowsAsync<IOException>(async () => await server.InitializeAsync());
        Assert.StartsWith($"--metrics 127.0.0.1:{port}: ", error.Message);
        Directory.Delete(server.Folder, recursive: true);
    }

    [Fact]
    public async Task Ipv6_any_host_name_and_wrong_paths_are_served_as_http_clients_expect()
    {
        // Found by attack: HttpListener refused [::1], served only IPv4 for [::] and answered 404 to "localhost".
        int port = MetricsScrape.FreePort();
        var server = new ServerFixture { Metrics = new IPEndPoint(IPAddress.IPv6Any, port) };
        await server.InitializeAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var cancel = TestContext.Current.CancellationToken;
            foreach (string host in (string[])["127.0.0.1", "[::1]", "localhost"])
                Assert.Contains("minidns_queries_total", await http.GetStringAsync($"http://{host}:{port}/metrics", cancel));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/", cancel)).StatusCode);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync($"http://127.0.0.1:{port}/metrics", new StringContent(""), cancel)).StatusCode);
            Assert.StartsWith("HTTP/1.1 200 OK", await RawHttpAsync(port, $"GET http://127.0.0.1:{port}/metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
            Assert.StartsWith("HTTP/1.1 400 Bad Request", await RawHttpAsync(port, "HELLO\r\n\r\n"));
            Assert.StartsWith("HTTP/1.1 431 ", await RawHttpAsync(port, "GET /metrics HTTP/1.1\r\nX-Big: " + new string('x', 9000) + "\r\n\r\n"));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Slow_metrics_clients_hold_a_few_descriptors_for_a_few_seconds_and_dns_goes_on()
    {
        // Found by attack: 450 clients trickling headers kept 450 descriptors for minutes, and DNS over TCP
        // and the control socket ran out. Now at most a few at once, each for at most the deadline.
        int port = MetricsScrape.FreePort();
        var server = new ServerFixture { Metrics = new IPEndPoint(IPAddress.Loopback, port) };
        await server.InitializeAsync();
        var slow = new List<Socket>();
        try
        {
            var cancel = TestContext.Current.CancellationToken;
            for (int i = 0; i < 100; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port, cancel);
                await socket.SendAsync("GET /metrics HTTP/1.1\r\n"u8.ToArray(), cancel);
                slow.Add(socket);
            }
            var answer = await RawDns.TcpAsync(server.EndPoint, QueryBytes.Build("www.example.test.", RecordType.A));
            Assert.True(answer.Length > 12);
            Assert.True(server.Host.Metrics!.OpenConnections <= MetricsEndpoint.MaxConnections); // the others were closed at accept

            // Found by a second attack: 8 silent connections stopped every scrape. A new one closes the oldest.
            Assert.Contains("minidns_queries_total", (await MetricsScrape.GetAsync(port)).Text);
        }
        finally
        {
            foreach (var socket in slow)
                socket.Dispose();
            await server.DisposeAsync();
        }
    }

    private static async Task<string> RawHttpAsync(int port, string request)
    {
        var cancel = TestContext.Current.CancellationToken;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, cancel);
        try
        {
            await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(request), cancel);
        }
        catch (SocketException)
        {
            // The server may answer and close before a long request is all sent.
        }
        var reply = new byte[4096];
        int read = await socket.ReceiveAsync(reply, cancel);
        return System.Text.Encoding.ASCII.GetString(reply, 0, read);
    }
}
