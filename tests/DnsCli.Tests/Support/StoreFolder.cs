using System.Net;
using MiniDns.Server;
using Serilog;

namespace MiniDns.Tests.Support;

/// <summary>Who owns the store while a CLI test runs: nobody (the CLI opens it), or the server (the CLI uses its control socket).</summary>
public enum StoreMode
{
    Offline,
    Server,
}

/// <summary>A temporary store holding the example zones, and optionally the real server over it.</summary>
public sealed class StoreFolder : IAsyncDisposable
{
    private StoreFolder(string folder) => Folder = folder;

    public string Folder { get; }
    public string Database => Path.Combine(Folder, "minidns.db");
    public DnsServerHost? Server { get; private set; }
    public string ServerAddress => $"127.0.0.1:{Server!.Port}";

    public static Task<StoreFolder> CreateAsync(StoreMode mode) => CreateAsync(withServer: mode == StoreMode.Server);

    public static async Task<StoreFolder> CreateAsync(bool withServer = false)
    {
        var store = new StoreFolder(Directory.CreateTempSubdirectory("minidns-cli-").FullName);
        string[] files = [.. Directory.GetFiles(Repository.ZonesFolder, "*.zone").Order(StringComparer.Ordinal)];
        var imported = await CliRunner.RunAsync(["--db", store.Database, "zone", "import", .. files]);
        Assert.True(imported.ExitCode == 0, imported.ToString());
        if (withServer)
        {
            store.Server = DnsServerHost.Start(new ServerOptions
            {
                RecursionAllow = [],
                Database = store.Database,
                ZonesFolder = Path.Combine(store.Folder, "no-zones"),
                Listen = [IPAddress.Loopback],
                Port = 0,
            }, new LoggerConfiguration().CreateLogger());
        }
        return store;
    }

    /// <summary>Every command line takes the store first.</summary>
    public Task<CliRunner.Result> RunAsync(params string[] args) => CliRunner.RunAsync(["--db", Database, .. args]);

    public Task<CliRunner.Result> RunProcessAsync(params string[] args) => CliRunner.RunProcessAsync(["--db", Database, .. args]);

    /// <summary>The store's change counter, as the server serves it or as the file holds it.</summary>
    public long ChangeCounter()
    {
        if (Server is not null)
            return Server.Snapshots.Current.Version; // an edit's reply comes once its snapshot serves
        // Waited for: a process another test starts at this moment holds a copy of the lock from its fork
        // until its exec closes it (seen once in a full run: "in use by" this very process).
        using var store = new MiniDns.Storage.ZoneStore(Database, MiniDns.Storage.StoreLock.Acquire(Database, TimeSpan.FromSeconds(5)));
        return store.ReadChangeCounter();
    }

    /// <summary>The store's file and LiteDB's log beside it, as bytes: equal bytes, nothing written.</summary>
    public byte[] FileBytes()
    {
        string log = Path.Combine(Folder, "minidns-log.db");
        return [.. File.ReadAllBytes(Database), .. File.Exists(log) ? File.ReadAllBytes(log) : []];
    }

    /// <summary>Every zone exported, as one text: two equal texts mean equal stores.</summary>
    public async Task<string> ExportAllAsync()
    {
        var zones = await RunAsync("zone", "list", "--json");
        var text = new System.Text.StringBuilder();
        foreach (var zone in System.Text.Json.JsonDocument.Parse(zones.Output).RootElement.EnumerateArray())
            text.Append((await RunAsync("zone", "export", zone.GetProperty("zone").GetString()!)).Output);
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }
}
