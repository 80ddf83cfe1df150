using System.Net.Sockets;
using System.Runtime.InteropServices;
using MiniDns.Server;
using MiniDns.Storage;
using MiniDns.Zones;
using Serilog;
using Serilog.Events;

var commandLine = ServerCommandLine.Parse(args);
if (commandLine.Errors.Count == 0 && commandLine.Action is not null)
    return commandLine.Invoke(); // --help, --version

ServerOptions options;
try
{
    options = ServerOptions.Load(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"minidns-server: {e.Message} (see --help)");
    return 2;
}
if (!Enum.TryParse<LogEventLevel>(options.LogLevel, ignoreCase: true, out var level))
{
    Console.Error.WriteLine($"minidns-server: --log-level: '{options.LogLevel}' is not one of {string.Join(", ", Enum.GetNames<LogEventLevel>())}");
    return 2;
}

Log.Logger = new LoggerConfiguration()
    .MinimumLevel.Is(level)
    .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}")
    .CreateLogger();

try
{
    using var stop = new CancellationTokenSource();
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Shutdown);
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Shutdown);

    DnsServerHost host;
    try
    {
        host = DnsServerHost.Start(options, Log.Logger);
    }
    catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
    {
        Log.Fatal("Cannot bind port {Port}: permission denied. Ports below 1024 need root or CAP_NET_BIND_SERVICE; try --port 5353", options.Port);
        return 1;
    }
    catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
    {
        Log.Fatal("Cannot bind port {Port}: another process is using it; stop it or choose another with --port", options.Port);
        return 1;
    }
    catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
    {
        Log.Fatal("Cannot listen on {Addresses}: an address is not on this machine", options.Listen.Select(a => a.ToString()).ToArray());
        return 1;
    }
    catch (SocketException e)
    {
        Log.Fatal("Cannot listen on {Addresses} port {Port}: {Error}", options.Listen.Select(a => a.ToString()).ToArray(), options.Port, e.Message);
        return 1;
    }
    catch (Exception e) when (e is ZoneStoreException or ZoneDataException)
    {
        Log.Fatal("Cannot load zones: {Error}", e.Message);
        return 1;
    }
    catch (StoreInUseException e)
    {
        Log.Fatal("Cannot open the store: {Error} (another server, or a minidns run that did not finish within --lock-timeout)", e.Message);
        return 1;
    }
    catch (IOException e)
    {
        Log.Fatal("Cannot start: {Error}", e.Message);
        return 1;
    }

    await using (host)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        var counters = host.Counters;
        Log.Information("Shutting down after {Udp} UDP and {Tcp} TCP queries ({Dropped} dropped, {Reloads} reloads, {Errors} errors caught; " +
            "rate-limited {Limited}: {Slipped} slipped, {RateDropped} dropped; TCP {Evicted} evicted, {IdleTimeouts} idle and {SendTimeouts} send timeouts)",
            counters.UdpQueries, counters.TcpQueries, counters.Dropped, counters.Reloads, counters.Errors,
            counters.RateLimited, counters.RateSlipped, counters.RateDropped, counters.TcpEvicted, counters.TcpIdleTimeouts, counters.TcpSendTimeouts);
        if (host.Recursion is { } recursion)
        {
            var cache = recursion.Resolver.Cache;
            Log.Information("Resolver: {Resolutions} resolutions ({ServFails} SERVFAIL), {Upstream} upstream queries ({Timeouts} timed out); " +
                "cache {Entries} entries in {Bytes} bytes, {Hits} hits, {Misses} misses, {Evictions} evictions",
                recursion.Resolutions, recursion.ServFails, recursion.Resolver.UpstreamQueries, recursion.Resolver.UpstreamTimeouts,
                cache.Count, cache.Bytes, cache.Hits, cache.Misses, cache.Evictions);
        }
    }
    return 0;

    void Shutdown(PosixSignalContext context)
    {
        context.Cancel = true;
        stop.Cancel();
    }
}
finally
{
    await Log.CloseAndFlushAsync();
}
