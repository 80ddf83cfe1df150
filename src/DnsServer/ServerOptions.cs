using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using MiniDns.Resolution;
using MiniDns.Storage;
using MiniDns.Wire;

namespace MiniDns.Server;

/// <summary>
/// Server settings from appsettings.json, MINIDNS_* environment variables and the command line, in rising
/// precedence (the .NET configuration conventions). Unknown options and bad values are errors, not ignored.
/// </summary>
public sealed record ServerOptions
{
    public string Database { get; init; } = "minidns.db";
    public string ZonesFolder { get; init; } = "zones";
    public IReadOnlyList<IPAddress> Listen { get; init; } = [IPAddress.Any, IPAddress.IPv6Any];
    public int Port { get; init; } = 53;
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public int TcpMaxConnections { get; init; } = 512;
    public int TcpMaxPerClient { get; init; } = 64;

    /// <summary>The control socket minidns talks to; null: beside the store (<c>&lt;db&gt;.ctl</c>).</summary>
    public string? Control { get; init; }

    /// <summary>How long to wait at start for the store's lock while a minidns run holds it.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public string LogLevel { get; init; } = "Information";

    /// <summary>Where to serve the counters for Prometheus (<c>/metrics</c>); null: off.</summary>
    public IPEndPoint? Metrics { get; init; }

    /// <summary>Response rate limiting over UDP (NSD's defaults: 200 a second per bucket, slip 2); rate 0 turns it off.</summary>
    public int RrlRate { get; init; } = 200;
    public int RrlSlip { get; init; } = 2;
    public int RrlWindow { get; init; } = 15;
    public IReadOnlyList<IPNetwork> RrlExempt { get; init; } = [];

    /// <summary>The DNS cookie secret (16 octets; RFC 9018), shared by every server of an anycast set; null makes one at start.</summary>
    public byte[]? CookieSecret { get; init; }
    /// <summary>The secret before the last rotation, still accepted for the cookies made with it.</summary>
    public byte[]? CookieSecretPrevious { get; init; }

    /// <summary>Clients that may transfer our zones (<c>--allow-transfer CIDR</c>); none by default.</summary>
    public IReadOnlyList<IPNetwork> AllowTransfer { get; init; } = [];

    /// <summary>TSIG keys whose signed requests may transfer our zones from anywhere (<c>--allow-transfer key:NAME</c>).</summary>
    public IReadOnlyList<byte[]> AllowTransferKeys { get; init; } = [];

    /// <summary>Versions of each zone the IXFR journal keeps (<c>--ixfr-journal</c>).</summary>
    public int IxfrJournal { get; init; } = ZoneStore.DefaultJournalVersions;

    /// <summary>Secondaries to NOTIFY (<c>--notify</c>): of every zone, or of one (Zone set).</summary>
    public IReadOnlyList<(byte[]? Zone, IPEndPoint Server)> Notify { get; init; } = [];

    /// <summary>The most one transfer in may cost (<c>--max-transfer-size</c>): its messages, and its records as held until stored.</summary>
    public long MaxTransferSize { get; init; } = Transfer.TransferReader.DefaultMaxSize;

    /// <summary>Each zone's own name servers are sent NOTIFY too (<c>--notify-ns</c>), on <see cref="UpstreamPort"/>.</summary>
    public bool NotifyNameServers { get; init; }

    /// <summary>The TSIG key in the store that signs every NOTIFY (<c>--notify-key</c>); null: unsigned.</summary>
    public byte[]? NotifyKey { get; init; }

    /// <summary>Clients that may recurse; empty: nobody, names outside our zones are REFUSED (never an open resolver by default).</summary>
    public IReadOnlyList<IPNetwork> RecursionAllow { get; init; } = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
    public IReadOnlyList<IPEndPoint> Forwarders { get; init; } = [];
    public IReadOnlyList<(byte[] Domain, IReadOnlyList<IPEndPoint> Servers)> ForwardZones { get; init; } = [];
    public string? RootHints { get; init; }
    public int UpstreamPort { get; init; } = 53;
    public bool QnameMinimisation { get; init; } = true;
    public bool Use0x20 { get; init; }
    public long CacheSize { get; init; } = 64L << 20;
    public uint CacheMaxTtl { get; init; } = 86400;
    public uint CacheMaxNegativeTtl { get; init; } = 3600;
    public uint CacheMinTtl { get; init; }
    public bool ServeStale { get; init; }

    /// <summary>The resolver's limits against loops and amplification (BIND's and Unbound's defaults).</summary>
    public ResolverOptions Limits { get; init; } = new();

    /// <summary>Questions resolved at once, each holding one upstream socket: set from the descriptors the process may open.</summary>
    internal int ResolvingAtOnce { get; init; } = RecursionService.MaxInFlight;

    /// <summary>recvmmsg/sendmmsg batches where Linux has them; off, the portable loop runs (tests use it).</summary>
    internal bool UdpBatching { get; init; } = true;

    /// <summary>What answers each message; tests put in one that throws.</summary>
    internal AnswerMessage Answer { get; init; } = QueryProcessor.Process;

    /// <summary>Reads the options; throws <see cref="ArgumentException"/> with a one-line message on bad input.</summary>
    public static ServerOptions Load(string[] args, string? baseDirectory = null, System.Collections.IDictionary? environment = null)
    {
        var commandLine = new ConfigurationBuilder().AddInMemoryCollection(ServerCommandLine.Values(ServerCommandLine.Parse(args))).Build();
        var variables = new ConfigurationBuilder().AddInMemoryCollection(EnvironmentSettings(environment ?? Environment.GetEnvironmentVariables())).Build();
        var file = ReadSettingsFile(baseDirectory ?? Directory.GetCurrentDirectory());
        var configuration = new ConfigurationBuilder().AddConfiguration(file).AddConfiguration(variables).AddConfiguration(commandLine).Build();
        IConfiguration[] precedence = [commandLine, variables, file];

        var defaults = new ServerOptions();
        var addresses = List(precedence, "listen");
        return new ServerOptions
        {
            Database = configuration["db"] ?? defaults.Database,
            ZonesFolder = configuration["zones"] ?? defaults.ZonesFolder,
            Control = configuration["control"],
            LockTimeout = TimeSpan.FromSeconds(ParseInt(configuration, "lock-timeout", (int)defaults.LockTimeout.TotalSeconds, 0, 3600)),
            Listen = addresses.Length == 0 ? defaults.Listen : addresses.Select(ParseAddress).Distinct().ToArray(),
            Port = ParseInt(configuration, "port", defaults.Port, 0, 65535),
            TcpIdleTimeout = TimeSpan.FromSeconds(ParseInt(configuration, "tcp-idle-timeout", 10, 1, 3600)),
            TcpMaxConnections = ParseInt(configuration, "tcp-max-connections", defaults.TcpMaxConnections, 1, 100_000),
            TcpMaxPerClient = ParseInt(configuration, "tcp-max-per-client", defaults.TcpMaxPerClient, 1, 100_000),
            LogLevel = configuration["log-level"] ?? defaults.LogLevel,
            Metrics = configuration["metrics"] is { } metrics ? ParseEndPoint(metrics, "--metrics") : null,
            RrlRate = ParseInt(configuration, "rrl-rate", defaults.RrlRate, 0, 1_000_000),
            RrlSlip = ParseInt(configuration, "rrl-slip", defaults.RrlSlip, 0, 100),
            RrlWindow = ParseInt(configuration, "rrl-window", defaults.RrlWindow, 1, 3600),
            RrlExempt = List(precedence, "rrl-exempt").Select(e => ParseNetwork(e, "--rrl-exempt")).ToArray(),
            CookieSecret = ParseSecret(configuration, "cookie-secret"),
            CookieSecretPrevious = ParseSecret(configuration, "cookie-secret-previous"),
            RecursionAllow = List(precedence, "recursion-allow") is { Length: > 0 } allow
                ? allow is ["none"] ? [] : allow.Select(a => ParseNetwork(a, "--recursion-allow")).ToArray()
                : defaults.RecursionAllow,
            AllowTransfer = List(precedence, "allow-transfer").Where(a => !a.StartsWith(KeyPrefix, StringComparison.Ordinal) && a != "none")
                .Select(a => ParseNetwork(a, "--allow-transfer")).ToArray(),
            AllowTransferKeys = List(precedence, "allow-transfer").Where(a => a.StartsWith(KeyPrefix, StringComparison.Ordinal))
                .Select(a => ParseKeyName(a[KeyPrefix.Length..], "--allow-transfer")).ToArray(),
            IxfrJournal = ParseInt(configuration, "ixfr-journal", defaults.IxfrJournal, 1, 100_000),
            Notify = List(precedence, "notify").SelectMany(ParseNotify).ToArray(),
            MaxTransferSize = ParseSize(configuration, "max-transfer-size", defaults.MaxTransferSize),
            NotifyNameServers = ParseSwitch(configuration, "notify-ns", defaults.NotifyNameServers),
            NotifyKey = configuration["notify-key"] is { } notifyKey ? ParseKeyName(notifyKey, "--notify-key") : null,
            Forwarders = List(precedence, "forwarder").Select(f => ParseServer(f, "--forwarder")).ToArray(),
            ForwardZones = List(precedence, "forward-zone").Select(ParseForwardZone).ToArray(),
            RootHints = configuration["root-hints"],
            UpstreamPort = ParseInt(configuration, "upstream-port", defaults.UpstreamPort, 1, 65535),
            QnameMinimisation = ParseSwitch(configuration, "qname-minimisation", defaults.QnameMinimisation),
            Use0x20 = ParseSwitch(configuration, "use-0x20", defaults.Use0x20),
            CacheSize = ParseSize(configuration, "cache-size", defaults.CacheSize),
            CacheMaxTtl = (uint)ParseInt(configuration, "cache-max-ttl", (int)defaults.CacheMaxTtl, 0, int.MaxValue),
            CacheMaxNegativeTtl = (uint)ParseInt(configuration, "cache-max-negative-ttl", (int)defaults.CacheMaxNegativeTtl, 0, int.MaxValue),
            CacheMinTtl = (uint)ParseInt(configuration, "cache-min-ttl", (int)defaults.CacheMinTtl, 0, int.MaxValue),
            ServeStale = ParseSwitch(configuration, "serve-stale", defaults.ServeStale),
            Limits = new ResolverOptions
            {
                MaxDependencyDepth = ParseInt(configuration, "max-dependency-depth", defaults.Limits.MaxDependencyDepth, 1, 32),
                MaxReferrals = ParseInt(configuration, "max-referrals", defaults.Limits.MaxReferrals, 1, 100),
                MaxRestarts = ParseInt(configuration, "max-restarts", defaults.Limits.MaxRestarts, 0, 64),
                MaxUpstreamQueries = ParseInt(configuration, "max-upstream-queries", defaults.Limits.MaxUpstreamQueries, 1, 1000),
                MaxNsNames = ParseInt(configuration, "max-ns-names", defaults.Limits.MaxNsNames, 1, 100),
                TryTimeout = TimeSpan.FromMilliseconds(ParseInt(configuration, "upstream-timeout", (int)defaults.Limits.TryTimeout.TotalMilliseconds, 50, 60_000)),
                Timeout = TimeSpan.FromSeconds(ParseInt(configuration, "resolution-timeout", (int)defaults.Limits.Timeout.TotalSeconds, 1, 300)),
            },
        };
    }

    // A repeated option comes whole from the one source that gives it first (command line, variables, file):
    // "--listen ::1" replaces the file's list rather than overwriting its first entry. A single value
    // ("listen": "::1", MINIDNS_LISTEN=::1) is a list of one.
    private static string[] List(IConfiguration[] precedence, string key)
    {
        foreach (var source in precedence)
        {
            var section = source.GetSection(key);
            if (section.Value is { } single)
                return [single];
            var values = section.GetChildren().Select(c => c.Value).OfType<string>().ToArray();
            if (values.Length > 0)
                return values;
        }
        return [];
    }

    // MINIDNS_TCP_IDLE_TIMEOUT is --tcp-idle-timeout: '_' for '-', and '__' for the index of a repeated
    // option (MINIDNS_LISTEN__0, MINIDNS_LISTEN__1). The .NET provider would only map '__' and so missed
    // every option with a dash. Variables that are not options (MINIDNS_REQUIRE_INTEROP) are not ours.
    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentSettings(System.Collections.IDictionary environment)
    {
        const string prefix = "MINIDNS_";
        foreach (System.Collections.DictionaryEntry variable in environment)
        {
            if (variable.Key is not string name || !name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                continue;
            var parts = name[prefix.Length..].ToLowerInvariant().Split("__");
            string key = parts[0].Replace('_', '-');
            if (!ServerCommandLine.Keys.Contains(key) || parts.Length > 2)
                continue;
            yield return new(parts.Length == 2 ? $"{key}:{parts[1]}" : key, variable.Value as string);
        }
    }

    private static IPAddress ParseAddress(string text) =>
        !IPAddress.TryParse(text.Trim('[', ']'), out var address) ? throw new ArgumentException($"--listen: '{text}' is not an IP address")
        : address.IsIPv4MappedToIPv6 ? throw new ArgumentException($"--listen: '{text}' is an IPv4-mapped address: listen on {address.MapToIPv4()} instead")
        : address;

    // appsettings.json holds our settings and nothing else: a key we do not know is a typo to report, not to
    // ignore ("prot": 5353 would otherwise bind port 53), and so is a list for a setting that takes one value.
    private static IConfiguration ReadSettingsFile(string folder)
    {
        IConfiguration file;
        try
        {
            file = new ConfigurationBuilder().SetBasePath(folder).AddJsonFile("appsettings.json", optional: true).Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new ArgumentException($"appsettings.json: {e.InnerException?.Message ?? e.Message}");
        }
        foreach (var setting in file.GetChildren())
        {
            if (!ServerCommandLine.Keys.Contains(setting.Key))
                throw new ArgumentException($"appsettings.json: unknown setting '{setting.Key}' (see --help)");
            if (setting.Value is null && setting.GetChildren().Any() && !ServerCommandLine.Repeats(setting.Key))
                throw new ArgumentException($"appsettings.json: '{setting.Key}' takes one value, not a list");
        }
        return file;
    }

    // ADDR:PORT, [v6]:PORT; a port is required, since no port is the Prometheus one by convention for us.
    private static IPEndPoint ParseEndPoint(string text, string option) =>
        IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port != 0 && (text.Contains(']') || endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ? endPoint
            : throw new ArgumentException($"{option}: '{text}' is not ADDRESS:PORT (e.g. 127.0.0.1:9153 or [::1]:9153)");

    private static IPNetwork ParseNetwork(string text, string option) =>
        IPNetwork.TryParse(text, out var network) ? network
        : IPAddress.TryParse(text, out var address) ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
        : throw new ArgumentException($"{option}: '{text}' is not an address or CIDR network");

    // IP, IP:PORT or [v6]:PORT; the port is 53 when not given.
    private static IPEndPoint ParseServer(string text, string option) =>
        ServerAddress.TryParse(text, out var server) ? server
        : throw new ArgumentException($"{option}: '{text}' is not IP or IP:PORT (e.g. 192.0.2.1, 192.0.2.1:5353, [2001:db8::1]:53) of one server (not 0.0.0.0, ::, broadcast or multicast)");

    // DOMAIN=IP[:PORT][,IP[:PORT]…]
    private static (byte[] Domain, IReadOnlyList<IPEndPoint> Servers) ParseForwardZone(string text) =>
        text.Contains('=', StringComparison.Ordinal) && ParseDomainServers(text, "--forward-zone") is ({ } domain, var servers)
            ? (domain, servers)
            : throw new ArgumentException($"--forward-zone: '{text}' is not DOMAIN=IP[:PORT][,IP…]");

    private const string KeyPrefix = "key:";

    private static byte[] ParseKeyName(string text, string option) =>
        text.Length > 0 && NameText.TryParse(text.EndsWith('.') ? text : text + ".", [], out var name, out _)
            ? DnsName.ToLowerCopy(name)
            : throw new ArgumentException(option == "--allow-transfer"
                ? $"--allow-transfer: 'key:{text}' does not name a key (key:NAME, a key made with minidns key add)"
                : $"{option}: '{text}' does not name a key (a key made with minidns key add)");

    // [ZONE=]IP[:PORT][,IP[:PORT]…]
    private static IEnumerable<(byte[]? Zone, IPEndPoint Server)> ParseNotify(string text)
    {
        var (zone, servers) = ParseDomainServers(text, "--notify");
        return servers.Select(server => (zone, server));
    }

    private static (byte[]? Domain, IReadOnlyList<IPEndPoint> Servers) ParseDomainServers(string text, string option)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals == 0 || equals == text.Length - 1)
            throw new ArgumentException($"{option}: '{text}' names no domain or no server");
        byte[]? domain = null;
        if (equals > 0)
        {
            string given = text[..equals];
            if (!NameText.TryParse(given.EndsWith('.') ? given : given + ".", [], out var name, out var error))
                throw new ArgumentException($"{option}: '{given}' is not a domain name: {error}");
            domain = DnsName.ToLowerCopy(name);
        }
        var servers = text[(equals + 1)..].Split(',').Select(s => ParseServer(s.Trim(), option)).ToArray();
        return (domain, servers);
    }

    private static bool ParseSwitch(IConfiguration configuration, string key, bool fallback) => configuration[key] switch
    {
        null => fallback,
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        var other => throw new ArgumentException($"--{key}: '{other}' is not on or off"),
    };

    // Bytes, with an optional K/KB, M/MB or G/GB (powers of 1024): "64MB".
    private static long ParseSize(IConfiguration configuration, string key, long fallback)
    {
        string? text = configuration[key];
        if (text is null)
            return fallback;
        var trimmed = text.Trim().ToUpperInvariant();
        long unit = 1;
        foreach (var (suffix, factor) in ((string, long)[])[("GB", 1L << 30), ("G", 1L << 30), ("MB", 1L << 20), ("M", 1L << 20), ("KB", 1L << 10), ("K", 1L << 10), ("B", 1)])
        {
            if (trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                trimmed = trimmed[..^suffix.Length];
                unit = factor;
                break;
            }
        }
        if (!long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < 1 || value > (1L << 40) / unit || value * unit < 64 << 10)
            throw new ArgumentException($"--{key}: '{text}' is not a size from 64KB to 1024GB (e.g. 64MB)");
        return value * unit;
    }

    private static byte[]? ParseSecret(IConfiguration configuration, string key)
    {
        string? text = configuration[key];
        if (text is null)
            return null;
        try
        {
            var secret = Convert.FromHexString(text);
            if (secret.Length == SipHash.KeyLength)
                return secret;
        }
        catch (FormatException)
        {
        }
        throw new ArgumentException($"--{key}: a secret is 32 hex digits (16 octets)");
    }

    private static int ParseInt(IConfiguration configuration, string key, int fallback, int min, int max)
    {
        string? text = configuration[key];
        if (text is null)
            return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new ArgumentException($"--{key}: '{text}' is not a number from {min} to {max}");
        return value;
    }
}
