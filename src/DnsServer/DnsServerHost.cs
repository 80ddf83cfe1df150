using System.Net;
using System.Net.Sockets;
using MiniDns.Resolution;
using MiniDns.Storage;
using MiniDns.Wire;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// The running server: the store it owns, the snapshot publisher, the control socket, and UDP and TCP
/// listeners on the same port for every listen address. Used by Program and, in-process, by the tests.
/// </summary>
public sealed class DnsServerHost : IAsyncDisposable
{
    private readonly ZoneStore _store;
    private readonly SnapshotPublisher _snapshots;
    private readonly List<UdpDnsListener> _udp = [];
    private readonly List<TcpDnsListener> _tcp = [];
    private ControlListener? _control;
    private MetricsEndpoint? _metrics;

    private DnsServerHost(ZoneStore store, SnapshotPublisher snapshots, ServerCounters counters)
    {
        _store = store;
        _snapshots = snapshots;
        Counters = counters;
    }

    public ServerCounters Counters { get; }
    public SnapshotPublisher Snapshots => _snapshots;
    public int Port { get; private set; }
    public IReadOnlyList<IPEndPoint> UdpEndPoints => _udp.Select(l => l.LocalEndPoint).ToArray();
    public IReadOnlyList<IPEndPoint> TcpEndPoints => _tcp.Select(l => l.LocalEndPoint).ToArray();
    public string ControlPath => _control!.Path;
    public MetricsEndpoint? Metrics => _metrics;

    /// <summary>
    /// Takes the store (waiting up to the lock timeout while a minidns run holds it), imports the zones
    /// folder when it is empty, loads every zone, binds every socket and the control socket, and starts
    /// serving: no query is answered before the whole store is loaded.
    /// </summary>
    public static DnsServerHost Start(ServerOptions options, ILogger log)
    {
        var started = DateTime.UtcNow;
        string control = Path.GetFullPath(options.Control ?? MiniDns.Control.ControlProtocol.DefaultPath(options.Database));
        var held = StoreLock.Acquire(options.Database, options.LockTimeout);
        ZoneStore store;
        try
        {
            // Before LiteDB opens the file: a live server on our socket means the lock file was deleted
            // under it, and the store has an owner already.
            ControlListener.RemoveStaleSocket(control);
            store = new ZoneStore(options.Database, held, options.IxfrJournal);
        }
        catch
        {
            held.Dispose();
            throw;
        }
        DnsServerHost? host = null;
        try
        {
            int imported = store.ImportFolderIfEmpty(options.ZonesFolder);
            if (imported > 0)
                log.Information("Imported {Count} zone files from {Folder} into the empty store", imported, Path.GetFullPath(options.ZonesFolder));
            else if (store.IsEmpty)
                log.Warning("The store is empty and {Folder} has no *.zone files: every query will be refused until zones are added (minidns zone import)",
                    Path.GetFullPath(options.ZonesFolder));
            var counters = new ServerCounters();
            var faults = new FaultLog(counters, log);
            options = WithinDescriptorLimit(options, log);
            var snapshots = new SnapshotPublisher(store, counters, faults, log);
            var loading = System.Diagnostics.Stopwatch.StartNew();
            snapshots.LoadInitial();
            log.Information("Loaded the zone snapshot in {Elapsed:0} ms", loading.Elapsed.TotalMilliseconds);
            host = new DnsServerHost(store, snapshots, counters);
            var source = new OutgoingSource(options.Listen);
            host.Secondaries = new SecondaryService(store, snapshots, faults, log, options.MaxTransferSize, source);
            host.Bind(options, faults, log);
            snapshots.Start();
            var service = new ControlService(store, snapshots, counters, () => new ServerStatusInfo(
                typeof(DnsServerHost).Assembly.GetName().Version?.ToString() ?? "0", started, host.ControlPath, host.UdpEndPoints), host.Recursion, host.Transfers, () => host.Notify, host.Secondaries);
            host._control = ControlListener.Bind(control, service, faults, log);
            host._control.Start();
            if (options.Metrics is { } metrics)
            {
                host._metrics = MetricsEndpoint.Start(metrics, counters, faults);
                log.Information("Counters for Prometheus at http://{Metrics}/metrics", metrics);
            }
            foreach (var listener in host._udp)
                listener.Start();
            foreach (var listener in host._tcp)
                listener.Start();
            if (options.Notify.Count > 0 || options.NotifyNameServers)
            {
                // Secondaries hear of every zone at start (a primary restarted may hold newer serials) and of each change.
                var nameServers = options.NotifyNameServers ? new NotifyService.NameServers(options.UpstreamPort, OwnAddresses(options.Listen)) : null;
                host.Notify = new NotifyService(options.Notify, new SocketUpstream(source), log, options.NotifyKey, store.ReadKeys, nameServers);
                if (options.NotifyKey is { } notifyKey && !store.ReadKeys().Any(k => k.Name.AsSpan().SequenceEqual(notifyKey)))
                    log.Warning("--notify-key {Key} is not in the store: no NOTIFY goes out until it is (minidns key add)", NameText.Format(notifyKey));
                snapshots.Published += host.Notify.Published;
                host.Notify.Published(Zones.ZoneSnapshot.Empty, snapshots.Current);
            }
            host.Secondaries.Start();
            var current = snapshots.Current;
            log.Information("MiniDns serving {Zones} zones, {Records} records from {Database} on {Addresses} port {Port} (UDP and TCP); control socket {Control}",
                current.Zones.Count, current.RecordCount, store.Path, options.Listen.Select(a => a.ToString()).ToArray(), host.Port, host.ControlPath);
            if (options.RrlRate > 0)
                log.Information("Response rate limiting: {Rate} UDP responses a second per bucket, slip {Slip}, window {Window} s, exempt {Exempt}",
                    options.RrlRate, options.RrlSlip, options.RrlWindow, options.RrlExempt.Select(n => n.ToString()).ToArray());
            else
                log.Information("Response rate limiting is off (--rrl-rate 0)");
            return host;
        }
        catch
        {
            if (host is not null)
                host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            else
                store.Dispose();
            throw;
        }
    }

    // Descriptors kept free beyond those open at start: the listening sockets, assemblies the runtime loads
    // later (a JIT process holds two descriptors per assembly, over a hundred at start), logs, the store.
    private const int DescriptorHeadroom = 64;

    /// <summary>
    /// Caps TCP connections below the descriptors the process has left: run out of descriptors, the store
    /// cannot be opened and the .NET runtime itself fails ("Out of memory." and exit 134, seen under
    /// prlimit --nofile=256), so the connection cap, whose eviction keeps the count in bounds, must be
    /// reached first. A fixed reserve is not enough: the JIT build has ~110 descriptors open before the
    /// first connection, the native one ~20. With recursion on, each question being resolved holds one
    /// upstream socket: half the room (at most <see cref="RecursionService.MaxInFlight"/>) is theirs.
    /// </summary>
    private static ServerOptions WithinDescriptorLimit(ServerOptions options, ILogger log)
    {
        int limit = SoftDescriptorLimit();
        if (limit <= 0)
            return options;
        int open = OpenDescriptors();
        int room = Math.Max(1, limit - open - DescriptorHeadroom);
        if (options.RecursionAllow.Count > 0)
        {
            int resolving = Math.Clamp(room / 2, 1, options.ResolvingAtOnce);
            options = options with { ResolvingAtOnce = resolving };
            room = Math.Max(1, room - resolving);
        }
        if (options.TcpMaxConnections <= room)
            return options;
        log.Warning("TCP connections capped at {Cap} instead of {Configured}: the process may open {Limit} descriptors (ulimit -n), has {Open} open and keeps {Headroom} free",
            room, options.TcpMaxConnections, limit, open, DescriptorHeadroom);
        return options with { TcpMaxConnections = room, TcpMaxPerClient = Math.Min(options.TcpMaxPerClient, room) };
    }

    // Entries of /proc/self/fd, less the one the listing itself opens.
    private static int OpenDescriptors()
    {
        try
        {
            return Math.Max(0, Directory.GetFileSystemEntries("/proc/self/fd").Length - 1);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    // The soft RLIMIT_NOFILE from /proc/self/limits ("Max open files  1024  4096  files"), or 0 if unknown.
    private static int SoftDescriptorLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal))
                    continue;
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && int.TryParse(fields[0], System.Globalization.CultureInfo.InvariantCulture, out int soft) ? soft : 0;
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    // Port 0 takes the port the first UDP group is given for every other socket; a clash on a later socket
    // (the port was free for UDP but not TCP) starts over with a new port.
    private void Bind(ServerOptions options, FaultLog faults, ILogger log)
    {
        const int attempts = 20;
        int loops = Math.Max(1, Environment.ProcessorCount);
        for (int attempt = 1; ; attempt++)
        {
            var bound = new List<(Socket[] Udp, Socket Tcp)>();
            int port = options.Port;
            try
            {
                foreach (var address in options.Listen)
                {
                    var udp = ListenSocket.BindUdpGroup(address, port, loops);
                    port = ((IPEndPoint)udp[0].LocalEndPoint!).Port;
                    try
                    {
                        bound.Add((udp, ListenSocket.BindTcp(address, port)));
                    }
                    catch
                    {
                        Array.ForEach(udp, s => s.Dispose());
                        throw;
                    }
                }
            }
            catch (SocketException e) when (options.Port == 0 && e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < attempts)
            {
                Release(bound);
                continue;
            }
            catch
            {
                Release(bound);
                throw;
            }
            Port = port;
            var cookies = new ServerCookies(options.CookieSecret ?? System.Security.Cryptography.RandomNumberGenerator.GetBytes(SipHash.KeyLength),
                options.CookieSecretPrevious);
            var rrl = new ResponseRateLimiter(options.RrlRate, options.RrlSlip, options.RrlWindow, options.RrlExempt);
            Recursion = StartRecursion(options, cookies, faults, log, _snapshots);
            Counters.Recursion = Recursion;
            Transfers = options.AllowTransfer.Count + options.AllowTransferKeys.Count > 0
                ? new ZoneTransferService(new NetworkList(options.AllowTransfer), options.AllowTransferKeys, _store, log)
                : null;
            if (Transfers is not null)
                log.Information("Zone transfers for {Networks} and requests signed with {Keys}", options.AllowTransfer.Select(n => n.ToString()).ToArray(),
                    options.AllowTransferKeys.Select(k => NameText.Format(k)).ToArray());
            foreach (var (udp, tcp) in bound)
            {
                _udp.Add(new UdpDnsListener(udp, _snapshots, Counters, log, options.UdpBatching, options.Answer, faults, rrl, cookies, Recursion, Transfers, Secondaries));
                _tcp.Add(new TcpDnsListener(tcp, _snapshots, Counters, log, options.TcpIdleTimeout, options.TcpMaxConnections,
                    options.TcpMaxPerClient, options.Answer, faults, cookies, Recursion, Transfers, Secondaries));
            }
            return;
        }
    }

    /// <summary>The resolver for allowed clients; null when nobody may recurse.</summary>
    public RecursionService? Recursion { get; private set; }

    /// <summary>The store's secondary zones, copied from their primaries.</summary>
    public SecondaryService? Secondaries { get; private set; }

    /// <summary>Zone transfers out; null when no client may transfer (all are refused).</summary>
    public ZoneTransferService? Transfers { get; private set; }

    private static RecursionService? StartRecursion(ServerOptions options, ServerCookies cookies, FaultLog faults, ILogger log, SnapshotPublisher snapshots)
    {
        if (options.RecursionAllow.Count == 0)
        {
            log.Information("Recursion off: names outside our zones are refused");
            return null;
        }
        IReadOnlyList<(byte[] Name, IPAddress Address)>? hints = null;
        if (options.RootHints is { } path)
        {
            try
            {
                hints = RootHints.Parse(File.ReadAllText(path), path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"--root-hints {path}: {e.Message}", e);
            }
            catch (MiniDns.Zones.ZoneDataException e)
            {
                throw new IOException($"--root-hints {path}: {string.Join("; ", e.Errors)}", e);
            }
        }
        var resolverOptions = options.Limits with
        {
            Forwarders = options.Forwarders,
            ForwardZones = options.ForwardZones,
            RootHints = hints,
            UpstreamPort = options.UpstreamPort,
            QnameMinimisation = options.QnameMinimisation,
            Use0x20 = options.Use0x20,
        };
        var cache = new ResolverCache(new ResolverCacheOptions
        {
            MaxBytes = options.CacheSize,
            MaxTtl = options.CacheMaxTtl,
            MaxNegativeTtl = options.CacheMaxNegativeTtl,
            MinTtl = options.CacheMinTtl,
            // RFC 8767 5 suggests one to three days; Unbound's serve-expired-ttl is commonly set to one.
            StaleWindow = options.ServeStale ? TimeSpan.FromDays(1) : TimeSpan.Zero,
        });
        var resolver = new Resolver(cache, new SocketUpstream(), resolverOptions, local: new LocalZones(() => snapshots.Current));
        var access = new RecursionAccess(options.RecursionAllow, cache, resolverOptions.MaxRestarts);
        log.Information("Recursion for {Networks}: {How}; cache of {CacheMB} MB", options.RecursionAllow.Select(n => n.ToString()).ToArray(),
            options.Forwarders.Count > 0 ? $"forwarding to {string.Join(", ", options.Forwarders)}"
                : $"iterating from {(hints is null ? "the IANA root servers" : $"the {hints.Count} root addresses of {options.RootHints}")}",
            options.CacheSize >> 20);
        return new RecursionService(resolver, access, cookies, faults, log, options.ResolvingAtOnce);
    }

    private static void Release(List<(Socket[] Udp, Socket Tcp)> bound)
    {
        foreach (var (udp, tcp) in bound)
        {
            Array.ForEach(udp, s => s.Dispose());
            tcp.Dispose();
        }
    }

    /// <summary>TCP connections open now, over all listeners.</summary>
    public int OpenTcpConnections => _tcp.Sum(listener => listener.OpenConnections);

    // Our own addresses, never sent NOTIFY as a zone's name server: those we listen on, and when we listen on
    // all of them, every address of the machine's interfaces (as they were at start) and all of loopback.
    private static Func<IPAddress, bool> OwnAddresses(IReadOnlyList<IPAddress> listen)
    {
        var own = new HashSet<IPAddress>(listen);
        bool everywhere = listen.Any(a => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any));
        if (everywhere)
        {
            foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                    own.Add(unicast.Address);
            }
        }
        return address => everywhere && IPAddress.IsLoopback(address) || own.Contains(address);
    }

    /// <summary>NOTIFY out; null without <c>--notify</c> or <c>--notify-ns</c>.</summary>
    public NotifyService? Notify { get; private set; }

    public async ValueTask DisposeAsync()
    {
        _metrics?.Dispose();
        if (Notify is not null)
            await Notify.DisposeAsync();
        if (Secondaries is not null)
            await Secondaries.DisposeAsync();
        if (_control is not null)
            await _control.DisposeAsync();
        foreach (var listener in _udp)
            listener.Dispose();
        foreach (var listener in _tcp)
            await listener.DisposeAsync();
        await _snapshots.DisposeAsync();
        _store.Dispose();
    }
}
