using System.Net;
using DnsClient;
using MiniDns.Server;
using Serilog;

namespace MiniDns.Tests.Support;

/// <summary>The real server, in-process, on 127.0.0.1 and an ephemeral port, over a store in a temporary folder.</summary>
public class ServerFixture : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("minidns-test-").FullName;
    public DnsServerHost Host { get; private set; } = null!;
    public string DatabasePath => Path.Combine(Folder, "minidns.db");
    public IPEndPoint EndPoint => new(Listen, Host.Port);
    public IPAddress Listen { get; init; } = IPAddress.Loopback;
    public int Port { get; init; }

    /// <summary>The zones to serve instead of the test zones (example.test., big.test.); empty: none.</summary>
    public IReadOnlyList<(string Name, string Text)>? OnlyZones { get; init; }
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(2);
    public bool UdpBatching { get; init; } = true;
    public int TcpMaxConnections { get; init; } = 64;
    public int TcpMaxPerClient { get; init; } = 64;
    public AnswerMessage Answer { get; init; } = QueryProcessor.Process;

    /// <summary>Off unless a test is about it: the suites send bursts of identical queries from 127.0.0.1.</summary>
    public int RrlRate { get; init; }
    public IReadOnlyList<(string Name, string Text)> ExtraZones { get; init; } = [];
    public IPEndPoint? Metrics { get; init; }

    /// <summary>Nobody unless a test is about the resolver: a question outside the zones must not leave the machine.</summary>
    public IReadOnlyList<IPNetwork> RecursionAllow { get; init; } = [];
    public IReadOnlyList<IPEndPoint> Forwarders { get; init; } = [];
    public string? RootHints { get; init; }
    public int UpstreamPort { get; init; } = 53;
    public int ResolvingAtOnce { get; init; } = RecursionService.MaxInFlight;
    public IReadOnlyList<IPNetwork> AllowTransfer { get; init; } = [];
    public IReadOnlyList<byte[]> AllowTransferKeys { get; init; } = [];
    public MiniDns.Resolution.ResolverOptions Limits { get; init; } = new();
    public IReadOnlyList<(byte[]? Zone, IPEndPoint Server)> Notify { get; init; } = [];
    public byte[]? NotifyKey { get; init; }
    public bool NotifyNameServers { get; init; }

    /// <summary>Debug on (one line per query), logged nowhere: the code that formats the lines runs.</summary>
    public bool DebugLog { get; init; }

    public ValueTask InitializeAsync()
    {
        var zones = Directory.CreateDirectory(Path.Combine(Folder, "zones")).FullName;
        if (OnlyZones is null)
        {
            File.WriteAllText(Path.Combine(zones, "example.test.zone"), TestZones.Example);
            File.WriteAllText(Path.Combine(zones, "big.test.zone"), TestZonesText.Big);
        }
        foreach (var (name, text) in OnlyZones ?? ExtraZones)
            File.WriteAllText(Path.Combine(zones, name + ".zone"), text);
        Host = DnsServerHost.Start(new ServerOptions
        {
            Database = DatabasePath,
            ZonesFolder = zones,
            Listen = [Listen],
            Port = Port,
            TcpIdleTimeout = TcpIdleTimeout,
            TcpMaxConnections = TcpMaxConnections,
            TcpMaxPerClient = TcpMaxPerClient,
            Answer = Answer,
            RrlRate = RrlRate,
            UdpBatching = UdpBatching,
            Metrics = Metrics,
            RecursionAllow = RecursionAllow,
            Forwarders = Forwarders,
            RootHints = RootHints,
            UpstreamPort = UpstreamPort,
            ResolvingAtOnce = ResolvingAtOnce,
            AllowTransfer = AllowTransfer,
            AllowTransferKeys = AllowTransferKeys,
            Limits = Limits,
            Notify = Notify,
            NotifyKey = NotifyKey,
            NotifyNameServers = NotifyNameServers,
        }, DebugLog ? new LoggerConfiguration().MinimumLevel.Debug().CreateLogger() : new LoggerConfiguration().CreateLogger());
        return ValueTask.CompletedTask;
    }

    /// <summary>A DnsClient that asks exactly what it is told: no cache, no recursion, one try, one transport.</summary>
    public LookupClient Client(Transport transport) => new(new LookupClientOptions(new NameServer(EndPoint))
    {
        UseCache = false,
        Recursion = false,
        Retries = 0,
        Timeout = TimeSpan.FromSeconds(5),
        UseTcpOnly = transport == Transport.Tcp,
        UseTcpFallback = false,
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
        ContinueOnEmptyResponse = false,
    });

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}

public enum Transport
{
    Udp,
    Tcp,
}
