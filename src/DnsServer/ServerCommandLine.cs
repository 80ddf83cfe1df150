using System.CommandLine;

namespace MiniDns.Server;

/// <summary>
/// The server's command line, parsed by System.CommandLine. Every option is named by the key it also has in
/// appsettings.json and as a MINIDNS_* variable; what the command line gives goes into configuration above those
/// two, so a value is checked in one place (<see cref="ServerOptions.Load"/>) whichever source it came from.
/// </summary>
internal static class ServerCommandLine
{
    private sealed record Setting(string Key, string ValueName, string Help, bool Repeats = false);

    private static readonly Setting[] Settings =
    [
        new("db", "PATH", "LiteDB zone store (default minidns.db)"),
        new("zones", "DIR", "zone files imported when the store is empty (default zones)"),
        new("control", "PATH", "control socket for minidns (default: the store's path + .ctl)"),
        new("lock-timeout", "SECONDS", "wait this long for the store while minidns holds it (default 10)"),
        new("listen", "ADDR", "address to listen on; repeat for several (default 0.0.0.0 and ::)", Repeats: true),
        new("port", "N", "UDP and TCP port (default 53; 0 picks a free one)"),
        new("tcp-idle-timeout", "SECONDS", "close TCP connections idle, or unable to send an answer, this long (default 10)"),
        new("tcp-max-connections", "N", "concurrent TCP connections (default 512); at the cap the longest-idle one is closed for a new one"),
        new("tcp-max-per-client", "N", "concurrent TCP connections of one client address (default 64)"),
        new("rrl-rate", "N", "UDP responses a second per client prefix and answer (default 200, as NSD; 0 turns rate limiting off); TCP is never limited"),
        new("rrl-slip", "N", "every Nth limited response goes out as an empty TC=1 reply (default 2; 0 drops them all)"),
        new("rrl-window", "SECONDS", "the rate is averaged over this long (default 15)"),
        new("rrl-exempt", "CIDR", "clients never limited; repeat for several", Repeats: true),
        new("cookie-secret", "HEX", "DNS cookie secret, 32 hex digits, the same on every server behind one address (default: a random one at each start)"),
        new("cookie-secret-previous", "HEX", "the secret before a rotation, still accepted"),
        new("recursion-allow", "CIDR", "clients that may recurse (RD set, a name outside our zones); repeat for several; 'none' for no one (default 127.0.0.0/8 and ::1)", Repeats: true),
        new("forwarder", "IP[:PORT]", "ask these to recurse instead of iterating from the root, fastest first; repeat for several", Repeats: true),
        new("forward-zone", "DOMAIN=IP[:PORT][,IP…]", "names at or below DOMAIN go to these servers; repeat for several", Repeats: true),
        new("root-hints", "FILE", "master file with the root's NS records and their addresses (default: IANA's root servers)"),
        new("upstream-port", "N", "port asked on servers known by name: found by iteration, or a zone's NS told by --notify-ns (default 53)"),
        new("qname-minimisation", "on|off", "ask each zone only for one label more than its own (RFC 9156, relaxed; default on)"),
        new("use-0x20", "on|off", "random letter case in upstream questions, which replies must echo (default off)"),
        new("cache-size", "BYTES", "the resolver cache's bound, e.g. 64MB, 512KB, 1GB (default 64MB); least recently used go first"),
        new("cache-max-ttl", "SECONDS", "longest a record is cached (default 86400)"),
        new("cache-max-negative-ttl", "SECONDS", "longest an NXDOMAIN or NODATA is cached (default 3600)"),
        new("serve-stale", "on|off", "when resolving fails, answer from the cache past the TTL, for up to a day, with TTL 30 (RFC 8767; default off)"),
        new("cache-min-ttl", "SECONDS", "shortest a record is cached, above its own TTL if need be (default 0)"),
        new("max-dependency-depth", "N", "levels of lookups one question may depend on, as a glueless name server's own (default 7)"),
        new("max-referrals", "N", "referrals followed for one question (default 30)"),
        new("max-restarts", "N", "CNAME and DNAME restarts for one question (default 11)"),
        new("max-upstream-queries", "N", "queries sent upstream for one question (default 50)"),
        new("max-ns-names", "N", "name servers of one delegation looked at (default 13)"),
        new("upstream-timeout", "MILLISECONDS", "wait this long for one upstream reply (default 1500)"),
        new("resolution-timeout", "SECONDS", "give up on a question after this long: SERVFAIL (default 10)"),
        new("allow-transfer", "CIDR|key:NAME", "clients that may transfer our zones (AXFR, IXFR): by network, or by TSIG key from anywhere; repeat for several (default none: REFUSED)", Repeats: true),
        new("ixfr-journal", "N", "versions of each zone kept as differences for IXFR (default 100); a secondary further behind gets the whole zone"),
        new("notify", "[ZONE=]IP[:PORT]", "secondaries told of each change of every zone, or of ZONE alone (NOTIFY, RFC 1996); repeat for several", Repeats: true),
        new("max-transfer-size", "BYTES", "the most one zone transfer in may bring, its records counted as held in memory, e.g. 64MB (default 128MB); a larger one is refused"),
        new("notify-ns", "on|off", "tell each zone's own name servers too: the addresses our zones give its NS names, but the SOA MNAME's and ours, on --upstream-port (default off)"),
        new("notify-key", "NAME", "the TSIG key (minidns key add) every NOTIFY is signed with; only a reply signed back acknowledges it (default unsigned)"),
        new("metrics", "ADDR:PORT", "serve the counters for Prometheus at http://ADDR:PORT/metrics (default off)"),
        new("log-level", "LEVEL", "Verbose, Debug, Information, Warning, Error (default Information)"),
    ];

    /// <summary>The option names, which are also the configuration keys.</summary>
    public static IEnumerable<string> Keys => Settings.Select(s => s.Key);

    /// <summary>Options given more than once are numbered in configuration (listen:0, listen:1), as in JSON arrays.</summary>
    public static bool Repeats(string key) => Settings.Any(s => s.Key == key && s.Repeats);

    public static ParseResult Parse(string[] args) => Build().Parse(args);

    /// <summary>What the command line set, as configuration keys and values; throws <see cref="ArgumentException"/> on bad syntax.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Values(ParseResult parsed)
    {
        if (parsed.Errors.Count > 0)
            throw new ArgumentException(parsed.Errors[0].Message.TrimEnd('.'));
        foreach (var option in parsed.CommandResult.Command.Options)
        {
            if (parsed.GetResult(option) is not { Implicit: false } given || !Settings.Any(s => "--" + s.Key == option.Name))
                continue;
            string key = option.Name[2..];
            for (int i = 0; i < given.Tokens.Count; i++)
            {
                // "--db --port" would make a store named --port: an option where a value belongs means the value is missing.
                if (Settings.Any(s => "--" + s.Key == given.Tokens[i].Value))
                    throw new ArgumentException($"--{key} needs a value, not the option {given.Tokens[i].Value}");
                yield return new(Repeats(key) ? $"{key}:{i}" : key, given.Tokens[i].Value);
            }
        }
    }

    private static RootCommand Build()
    {
        var root = new RootCommand("""
            MiniDns server: answers for the zones in its LiteDB store, which it owns while it runs (minidns edits
            them through the control socket).

            Every option can also be set in appsettings.json ("tcp-idle-timeout": 5) or as a MINIDNS_* variable
            (MINIDNS_TCP_IDLE_TIMEOUT=5; a repeated option as MINIDNS_LISTEN__0, MINIDNS_LISTEN__1); the command
            line wins over the variables, and they over the file.
            """);
        foreach (var setting in Settings)
        {
            Option option = setting.Repeats
                ? new Option<string[]>("--" + setting.Key) { HelpName = setting.ValueName, Description = setting.Help, Arity = ArgumentArity.OneOrMore }
                : new Option<string>("--" + setting.Key) { HelpName = setting.ValueName, Description = setting.Help };
            root.Options.Add(option);
        }
        return root;
    }
}
