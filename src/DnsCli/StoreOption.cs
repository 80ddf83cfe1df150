using System.CommandLine;
using MiniDns.Storage;

namespace MiniDns.Cli;

/// <summary>--db, on every command: the store the server reads.</summary>
public static class StoreOption
{
    public static Option<string> Create() => new("--db")
    {
        Description = "the LiteDB zone store (default minidns.db, as the server's)",
        DefaultValueFactory = _ => "minidns.db",
        Recursive = true,
    };

    /// <summary>
    /// Opens the store. Only commands that add zones may create it: a mistyped --db path on any other
    /// command is reported rather than answered from a new, empty store.
    /// </summary>
    public static ZoneStore Open(ParseResult result, Option<string> db, bool create = false)
    {
        string path = result.GetValue(db)!;
        if (!create && !File.Exists(path))
            throw new CliException($"no store at {Path.GetFullPath(path)} (start the server once, or pass --db)");
        return new ZoneStore(path);
    }
}
