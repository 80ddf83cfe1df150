using System.CommandLine;
using MiniDns.Control;
using MiniDns.Storage;

namespace MiniDns.Cli;

/// <summary>
/// --db, --control and --lock-timeout, on every command, and the ownership rule (DESIGN.md "The store has
/// one owner"): a running server's control socket first; with none, the store's lock, waited for while
/// another minidns holds it, and the file opened here.
/// </summary>
public sealed class StoreAccess
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(20);

    public Option<string> Db { get; } = new("--db")
    {
        Description = "the LiteDB zone store (default minidns.db, as the server's)",
        DefaultValueFactory = _ => "minidns.db",
        Recursive = true,
    };

    public Option<string?> Control { get; } = new("--control")
    {
        Description = "the running server's control socket (default: the store's path + .ctl)",
        Recursive = true,
    };

    public Option<double> LockTimeout { get; } = new("--lock-timeout")
    {
        Description = "seconds to wait for the store while another minidns holds it (default 10)",
        DefaultValueFactory = _ => 10,
        Recursive = true,
    };

    public IEnumerable<Option> All => [Db, Control, LockTimeout];

    /// <summary>
    /// The store, through the server when one runs, else opened here. Only commands that add zones may
    /// create it: a mistyped --db path on any other command is reported rather than answered from a new,
    /// empty store.
    /// </summary>
    public IZoneStore Open(ParseResult result, bool create = false)
    {
        string db = result.GetValue(Db)!;
        string control = ControlPath(result);
        double seconds = result.GetValue(LockTimeout);
        if (!(seconds >= 0 && seconds <= 86_400))
            throw new CliException($"--lock-timeout: '{seconds}' is not a number of seconds from 0 to 86400");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            // The socket again on every turn: a server that started while we waited owns the store now.
            if (ControlClient.TryConnect(control, deadline) is { } server)
                return server;
            if (!create && !File.Exists(db))
                throw new CliException($"no store at {Path.GetFullPath(db)} (start the server once, or pass --db)");
            if (StoreLock.TryAcquire(db) is { } held)
                return new ZoneStore(db, held);
            if (DateTime.UtcNow >= deadline)
            {
                string owner = StoreLock.ReadOwner(db) is { } pid ? $"process {pid}" : "another process";
                throw new CliException($"{db} is in use by {owner}; its control socket is {result.GetValue(Control) ?? db + ".ctl"}");
            }
            Thread.Sleep(Retry);
        }
    }

    /// <summary>The running server, for commands that only it can answer (status, stats).</summary>
    public ControlClient Server(ParseResult result)
    {
        string control = ControlPath(result);
        return ControlClient.TryConnect(control, DateTime.UtcNow + TimeSpan.FromSeconds(Math.Clamp(result.GetValue(LockTimeout), 0, 86_400)))
            ?? throw new CliException($"no server is running for {result.GetValue(Db)} (nothing answers on {control})");
    }

    private string ControlPath(ParseResult result) => result.GetValue(Control) is { } given
        ? Path.GetFullPath(given)
        : ControlProtocol.DefaultPath(result.GetValue(Db)!);
}
