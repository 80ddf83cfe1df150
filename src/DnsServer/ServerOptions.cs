using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
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

    /// <summary>recvmmsg/sendmmsg batches where Linux has them; off, the portable loop runs (tests use it).</summary>
    internal bool UdpBatching { get; init; } = true;

    /// <summary>What answers each message; tests put in one that throws.</summary>
    internal AnswerMessage Answer { get; init; } = QueryProcessor.Process;

    public const string Usage = """
        Usage: dotnet run --project src/DnsServer -- [options]

          --db PATH                   LiteDB zone store (default minidns.db)
          --zones DIR                 zone files imported when the store is empty (default zones)
          --control PATH              control socket for minidns (default: the store's path + .ctl)
          --lock-timeout SECONDS      wait this long for the store while minidns holds it (default 10)
          --listen ADDR               address to listen on; repeat for several (default 0.0.0.0 and ::)
          --port N                    UDP and TCP port (default 53; 0 picks a free one)
          --tcp-idle-timeout SECONDS  close TCP connections idle, or unable to send an answer, this
                                      long (default 10)
          --tcp-max-connections N     concurrent TCP connections (default 512); at the cap the
                                      longest-idle one is closed for a new one
          --tcp-max-per-client N      concurrent TCP connections of one client address (default 64)
          --rrl-rate N                UDP responses a second per client prefix and answer (default
                                      200, as NSD; 0 turns rate limiting off); TCP is never limited
          --rrl-slip N                every Nth limited response goes out as an empty TC=1 reply
                                      (default 2; 0 drops them all)
          --rrl-window SECONDS        the rate is averaged over this long (default 15)
          --rrl-exempt CIDR           clients never limited; repeat for several
          --cookie-secret HEX         DNS cookie secret, 32 hex digits, the same on every server
                                      behind one address (default: a random one at each start)
          --cookie-secret-previous HEX  the secret before a rotation, still accepted
          --log-level LEVEL           Verbose, Debug, Information, Warning, Error (default Information)

        The same settings come from appsettings.json ("tcp-idle-timeout": 5) and MINIDNS_* variables
        (MINIDNS_TCP_IDLE_TIMEOUT=5; a repeated option as MINIDNS_LISTEN__0, MINIDNS_LISTEN__1).
        """;

    private static readonly string[] Keys = ["db", "zones", "control", "lock-timeout", "listen", "port", "tcp-idle-timeout", "tcp-max-connections", "tcp-max-per-client", "rrl-rate", "rrl-slip", "rrl-window", "rrl-exempt", "cookie-secret", "cookie-secret-previous", "log-level", "metrics"];

    /// <summary>Reads the options; throws <see cref="ArgumentException"/> with a one-line message on bad input.</summary>
    public static ServerOptions Load(string[] args, string? baseDirectory = null, System.Collections.IDictionary? environment = null)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(baseDirectory ?? Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddInMemoryCollection(EnvironmentSettings(environment ?? Environment.GetEnvironmentVariables()))
            .AddCommandLine(NormalizeArguments(args))
            .Build();

        var defaults = new ServerOptions();
        var listen = configuration.GetSection("listen");
        var addresses = listen.Value is { } single
            ? [single]
            : listen.GetChildren().Select(c => c.Value).OfType<string>().ToArray();
        var exempt = configuration.GetSection("rrl-exempt");
        var exemptText = exempt.Value is { } one ? [one] : exempt.GetChildren().Select(c => c.Value).OfType<string>().ToArray();
        return new ServerOptions
        {
            Database = configuration["db"] ?? defaults.Database,
            ZonesFolder = configuration["zones"] ?? defaults.ZonesFolder,
            Control = configuration["control"],
            LockTimeout = TimeSpan.FromSeconds(ParseInt(configuration, "lock-timeout", (int)defaults.LockTimeout.TotalSeconds, 0, 3600)),
            Listen = addresses.Length == 0 ? defaults.Listen : addresses.Select(ParseAddress).ToArray(),
            Port = ParseInt(configuration, "port", defaults.Port, 0, 65535),
            TcpIdleTimeout = TimeSpan.FromSeconds(ParseInt(configuration, "tcp-idle-timeout", 10, 1, 3600)),
            TcpMaxConnections = ParseInt(configuration, "tcp-max-connections", defaults.TcpMaxConnections, 1, 100_000),
            TcpMaxPerClient = ParseInt(configuration, "tcp-max-per-client", defaults.TcpMaxPerClient, 1, 100_000),
            LogLevel = configuration["log-level"] ?? defaults.LogLevel,
            Metrics = configuration["metrics"] is { } metrics ? ParseEndPoint(metrics, "--metrics") : null,
            RrlRate = ParseInt(configuration, "rrl-rate", defaults.RrlRate, 0, 1_000_000),
            RrlSlip = ParseInt(configuration, "rrl-slip", defaults.RrlSlip, 0, 100),
            RrlWindow = ParseInt(configuration, "rrl-window", defaults.RrlWindow, 1, 3600),
            RrlExempt = exemptText.Select(ParseNetwork).ToArray(),
            CookieSecret = ParseSecret(configuration, "cookie-secret"),
            CookieSecretPrevious = ParseSecret(configuration, "cookie-secret-previous"),
        };
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
            if (!Keys.Contains(key) || parts.Length > 2)
                continue;
            yield return new(parts.Length == 2 ? $"{key}:{parts[1]}" : key, variable.Value as string);
        }
    }

    // "--listen A --listen B" would overwrite each other in configuration: number repeats as listen:0, listen:1.
    private static string[] NormalizeArguments(string[] args)
    {
        var result = new List<string>();
        int listenIndex = 0, exemptIndex = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"unexpected argument '{arg}'");
            string key = arg[2..], value;
            int equals = key.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = key[(equals + 1)..];
                key = key[..equals];
            }
            else
            {
                if (i + 1 >= args.Length)
                    throw new ArgumentException($"--{key} needs a value");
                value = args[++i];
            }
            if (!Keys.Contains(key))
                throw new ArgumentException($"unknown option --{key}");
            if (key == "listen")
                key = $"listen:{listenIndex++}";
            else if (key == "rrl-exempt")
                key = $"rrl-exempt:{exemptIndex++}";
            result.Add($"--{key}={value}");
        }
        return [.. result];
    }

    private static IPAddress ParseAddress(string text) =>
        IPAddress.TryParse(text.Trim('[', ']'), out var address)
            ? address
            : throw new ArgumentException($"--listen: '{text}' is not an IP address");

    // ADDR:PORT, [v6]:PORT; a port is required, since no port is the Prometheus one by convention for us.
    private static IPEndPoint ParseEndPoint(string text, string option) =>
        IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port != 0 && (text.Contains(']') || endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ? endPoint
            : throw new ArgumentException($"{option}: '{text}' is not ADDRESS:PORT (e.g. 127.0.0.1:9153 or [::1]:9153)");

    private static IPNetwork ParseNetwork(string text) =>
        IPNetwork.TryParse(text, out var network) ? network
        : IPAddress.TryParse(text, out var address) ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
        : throw new ArgumentException($"--rrl-exempt: '{text}' is not an address or CIDR network");

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
