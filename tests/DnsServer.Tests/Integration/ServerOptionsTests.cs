using System.Net;
using MiniDns.Server;

namespace MiniDns.Tests.Integration;

/// <summary>Settings from appsettings.json, MINIDNS_* variables and the command line, command line last.</summary>
public sealed class ServerOptionsTests
{
    [Fact]
    public void Defaults_follow_the_design()
    {
        var options = ServerOptions.Load([], Path.GetTempPath());
        Assert.Equal("minidns.db", options.Database);
        Assert.Equal("zones", options.ZonesFolder);
        Assert.Equal(53, options.Port);
        Assert.Equal([IPAddress.Any, IPAddress.IPv6Any], options.Listen);
        Assert.Equal(TimeSpan.FromSeconds(10), options.TcpIdleTimeout);
    }

    [Fact]
    public void Listen_may_repeat()
    {
        var options = ServerOptions.Load(["--listen", "127.0.0.1", "--listen", "::1", "--port=5353"], Path.GetTempPath());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], options.Listen);
        Assert.Equal(5353, options.Port);
    }

    [Fact]
    public void Appsettings_json_is_read_and_the_command_line_wins()
    {
        var folder = Directory.CreateTempSubdirectory("minidns-options-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "appsettings.json"), """{ "port": 5300, "db": "from-json.db" }""");
            var options = ServerOptions.Load(["--port", "5301"], folder);
            Assert.Equal(5301, options.Port);
            Assert.Equal("from-json.db", options.Database);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(new[] { "--prot", "53" }, "Unrecognized command or argument '--prot'")]
    [InlineData(new[] { "--port" }, "Required argument missing for option: '--port'")]
    [InlineData(new[] { "--port", "1", "--port", "2" }, "Option '--port' expects a single argument but 2 were provided")]
    [InlineData(new[] { "--port", "x" }, "--port: 'x' is not a number from 0 to 65535")]
    [InlineData(new[] { "--listen", "localhost" }, "--listen: 'localhost' is not an IP address")]
    [InlineData(new[] { "stray" }, "Unrecognized command or argument 'stray'")]
    [InlineData(new[] { "--listen", "127.0.0.1", "::1" }, "Unrecognized command or argument '::1'")]
    [InlineData(new[] { "--metrics", "9153" }, "--metrics: '9153' is not ADDRESS:PORT (e.g. 127.0.0.1:9153 or [::1]:9153)")]
    [InlineData(new[] { "--metrics", "127.0.0.1" }, "--metrics: '127.0.0.1' is not ADDRESS:PORT (e.g. 127.0.0.1:9153 or [::1]:9153)")]
    [InlineData(new[] { "--recursion-allow", "everyone" }, "--recursion-allow: 'everyone' is not an address or CIDR network")]
    [InlineData(new[] { "--forwarder", "dns.example" }, "--forwarder: 'dns.example' is not IP or IP:PORT (e.g. 192.0.2.1, 192.0.2.1:5353, [2001:db8::1]:53) of one server (not 0.0.0.0, ::, broadcast or multicast)")]
    [InlineData(new[] { "--forwarder", "0.0.0.0" }, "--forwarder: '0.0.0.0' is not IP or IP:PORT (e.g. 192.0.2.1, 192.0.2.1:5353, [2001:db8::1]:53) of one server (not 0.0.0.0, ::, broadcast or multicast)")]
    [InlineData(new[] { "--notify", "224.0.0.1:53" }, "--notify: '224.0.0.1:53' is not IP or IP:PORT (e.g. 192.0.2.1, 192.0.2.1:5353, [2001:db8::1]:53) of one server (not 0.0.0.0, ::, broadcast or multicast)")]
    [InlineData(new[] { "--forward-zone", "corp.example" }, "--forward-zone: 'corp.example' is not DOMAIN=IP[:PORT][,IP…]")]
    [InlineData(new[] { "--notify", "cctv.com=" }, "--notify: 'cctv.com=' names no domain or no server")]
    [InlineData(new[] { "--notify", "ns.cctv.com" }, "--notify: 'ns.cctv.com' is not IP or IP:PORT (e.g. 192.0.2.1, 192.0.2.1:5353, [2001:db8::1]:53) of one server (not 0.0.0.0, ::, broadcast or multicast)")]
    [InlineData(new[] { "--allow-transfer", "secondaries" }, "--allow-transfer: 'secondaries' is not an address or CIDR network")]
    [InlineData(new[] { "--allow-transfer", "key:a..b" }, "--allow-transfer: 'key:a..b' does not name a key (key:NAME, a key made with minidns key add)")]
    [InlineData(new[] { "--notify-key", "a..b" }, "--notify-key: 'a..b' does not name a key (a key made with minidns key add)")]
    [InlineData(new[] { "--qname-minimisation", "maybe" }, "--qname-minimisation: 'maybe' is not on or off")]
    [InlineData(new[] { "--cache-size", "10" }, "--cache-size: '10' is not a size from 64KB to 1024GB (e.g. 64MB)")]
    [InlineData(new[] { "--cache-size", "2TB" }, "--cache-size: '2TB' is not a size from 64KB to 1024GB (e.g. 64MB)")]
    [InlineData(new[] { "--db", "--port" }, "--db needs a value, not the option --port")]
    [InlineData(new[] { "--listen", "::ffff:127.0.0.1" }, "--listen: '::ffff:127.0.0.1' is an IPv4-mapped address: listen on 127.0.0.1 instead")]
    public void Bad_options_say_what_is_wrong(string[] args, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ServerOptions.Load(args, Path.GetTempPath()));
        Assert.Equal(message, error.Message);
    }

    public static TheoryData<string, string> EveryOption() => new()
    {
        { "db", "other.db" }, { "zones", "other-zones" }, { "control", "/tmp/other.ctl" }, { "lock-timeout", "3" },
        { "listen", "127.0.0.2" }, { "port", "5399" }, { "tcp-idle-timeout", "7" }, { "tcp-max-connections", "99" },
        { "tcp-max-per-client", "9" }, { "rrl-rate", "0" }, { "rrl-slip", "5" }, { "rrl-window", "4" },
        { "rrl-exempt", "10.0.0.0/8" }, { "cookie-secret", "000102030405060708090A0B0C0D0E0F" },
        { "cookie-secret-previous", "0F0E0D0C0B0A09080706050403020100" }, { "log-level", "Debug" },
        { "metrics", "127.0.0.1:9153" }, { "recursion-allow", "10.0.0.0/8" }, { "forwarder", "192.0.2.1:5353" },
        { "forward-zone", "corp.example=192.0.2.2" }, { "root-hints", "/etc/hints" }, { "upstream-port", "5300" },
        { "qname-minimisation", "off" }, { "use-0x20", "on" }, { "cache-size", "1MB" }, { "cache-max-ttl", "600" },
        { "cache-max-negative-ttl", "60" }, { "cache-min-ttl", "5" }, { "serve-stale", "on" },
        { "max-dependency-depth", "3" }, { "max-referrals", "9" }, { "max-restarts", "4" }, { "max-upstream-queries", "20" },
        { "max-ns-names", "5" }, { "upstream-timeout", "700" }, { "resolution-timeout", "4" },
        { "allow-transfer", "192.0.2.0/24" }, { "notify", "cctv.com=192.0.2.53:5353" }, { "ixfr-journal", "7" },
        { "notify-key", "xfr.cctv.com" }, { "notify-ns", "on" }, { "max-transfer-size", "64MB" },
    };

    [Theory]
    [MemberData(nameof(EveryOption))]
    public void Every_option_is_reachable_from_the_command_line_appsettings_and_the_environment(string key, string value)
    {
        var folder = Directory.CreateTempSubdirectory("minidns-options-").FullName;
        try
        {
            var none = new System.Collections.Hashtable();
            string Describe(ServerOptions o) => string.Join("|", o.Database, o.ZonesFolder, o.Control, o.LockTimeout, string.Join(",", o.Listen), o.Port,
                o.TcpIdleTimeout, o.TcpMaxConnections, o.TcpMaxPerClient, o.LogLevel, o.RrlRate, o.RrlSlip, o.RrlWindow, string.Join(",", o.RrlExempt),
                o.CookieSecret is null ? "" : Convert.ToHexString(o.CookieSecret), o.CookieSecretPrevious is null ? "" : Convert.ToHexString(o.CookieSecretPrevious), o.Metrics,
                string.Join(",", o.RecursionAllow), string.Join(",", o.Forwarders), string.Join(",", o.ForwardZones.Select(z => $"{MiniDns.Wire.NameText.Format(z.Domain)}={string.Join("+", z.Servers)}")),
                o.RootHints, o.UpstreamPort, o.QnameMinimisation, o.Use0x20, o.CacheSize, o.CacheMaxTtl, o.CacheMaxNegativeTtl, o.CacheMinTtl, o.ServeStale,
                o.Limits.MaxDependencyDepth, o.Limits.MaxReferrals, o.Limits.MaxRestarts, o.Limits.MaxUpstreamQueries, o.Limits.MaxNsNames, o.Limits.TryTimeout, o.Limits.Timeout,
                string.Join(",", o.AllowTransfer), o.IxfrJournal, string.Join(",", o.Notify.Select(n => $"{(n.Zone is null ? "" : MiniDns.Wire.NameText.Format(n.Zone))}={n.Server}")),
                o.NotifyKey is null ? "" : MiniDns.Wire.NameText.Format(o.NotifyKey), o.NotifyNameServers, o.MaxTransferSize);
            string defaults = Describe(ServerOptions.Load([], folder, none));
            string fromCommandLine = Describe(ServerOptions.Load([$"--{key}", value], folder, none));
            var variable = "MINIDNS_" + key.ToUpperInvariant().Replace('-', '_') + (ServerCommandLine.Repeats(key) ? "__0" : "");
            string fromEnvironment = Describe(ServerOptions.Load([], folder, new System.Collections.Hashtable { [variable] = value, ["MINIDNS_REQUIRE_INTEROP"] = "1" }));
            File.WriteAllText(Path.Combine(folder, "appsettings.json"), $$"""{ "{{key}}": "{{value}}" }""");
            string fromJson = Describe(ServerOptions.Load([], folder, none));

            Assert.NotEqual(defaults, fromCommandLine);
            Assert.Equal(fromCommandLine, fromEnvironment);
            Assert.Equal(fromCommandLine, fromJson);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_repeated_option_comes_whole_from_the_highest_source_that_gives_it()
    {
        var folder = Directory.CreateTempSubdirectory("minidns-options-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "appsettings.json"), """{ "listen": ["127.0.0.2", "127.0.0.3", "127.0.0.4"], "rrl-exempt": ["10.0.0.0/8", "10.1.0.0/16"] }""");
            var none = new System.Collections.Hashtable();
            Assert.Equal([IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3"), IPAddress.Parse("127.0.0.4")], ServerOptions.Load([], folder, none).Listen);
            Assert.Equal([IPAddress.IPv6Loopback], ServerOptions.Load(["--listen", "::1"], folder, none).Listen);
            var variables = new System.Collections.Hashtable { ["MINIDNS_RRL_EXEMPT"] = "192.0.2.0/24" };
            Assert.Equal([IPNetwork.Parse("192.0.2.0/24")], ServerOptions.Load([], folder, variables).RrlExempt);
            Assert.Equal([IPNetwork.Parse("198.51.100.0/24")], ServerOptions.Load(["--rrl-exempt", "198.51.100.0/24"], folder, variables).RrlExempt);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Recursion_is_for_loopback_by_default_and_none_turns_it_off()
    {
        var none = new System.Collections.Hashtable();
        Assert.Equal([IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")], ServerOptions.Load([], Path.GetTempPath(), none).RecursionAllow);
        Assert.Empty(ServerOptions.Load(["--recursion-allow", "none"], Path.GetTempPath(), none).RecursionAllow);
        var zones = ServerOptions.Load(["--forward-zone", "Corp.Example=192.0.2.1,192.0.2.2:5353", "--cache-size", "512KB"], Path.GetTempPath(), none);
        Assert.Equal("corp.example.", MiniDns.Wire.NameText.Format(zones.ForwardZones.Single().Domain));
        Assert.Equal(["192.0.2.1:53", "192.0.2.2:5353"], zones.ForwardZones.Single().Servers.Select(s => s.ToString()));
        Assert.Equal(512 * 1024, zones.CacheSize);
    }

    [Theory]
    [InlineData("not json", "appsettings.json: ")]
    [InlineData("""{ "prot": 5353 }""", "appsettings.json: unknown setting 'prot' (see --help)")]
    [InlineData("""{ "tcp_idle_timeout": 9 }""", "appsettings.json: unknown setting 'tcp_idle_timeout' (see --help)")]
    [InlineData("""{ "port": [0] }""", "appsettings.json: 'port' takes one value, not a list")]
    public void A_bad_settings_file_says_what_is_wrong(string json, string message)
    {
        // Found by attack: a malformed file crashed the start (exit 134), and unknown keys were ignored.
        var folder = Directory.CreateTempSubdirectory("minidns-options-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "appsettings.json"), json);
            var error = Assert.Throws<ArgumentException>(() => ServerOptions.Load([], folder, new System.Collections.Hashtable()));
            Assert.StartsWith(message, error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Help_lists_every_option()
    {
        var help = new StringWriter();
        ServerCommandLine.Parse(["--help"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = help });
        var tested = EveryOption().Select(row => row.Data.Item1).ToArray();
        foreach (var key in tested)
            Assert.Contains($"--{key} <", help.ToString());
        Assert.Equal(ServerCommandLine.Keys.Order(), tested.Order());
    }

    [Fact]
    public void The_command_line_wins_over_the_environment()
    {
        var options = ServerOptions.Load(["--tcp-idle-timeout", "3"], Path.GetTempPath(), new System.Collections.Hashtable { ["MINIDNS_TCP_IDLE_TIMEOUT"] = "8", ["MINIDNS_PORT"] = "5302" });
        Assert.Equal(TimeSpan.FromSeconds(3), options.TcpIdleTimeout);
        Assert.Equal(5302, options.Port);
    }
}
