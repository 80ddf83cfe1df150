using System.CommandLine;
using MiniDns.Control;

namespace MiniDns.Cli.Commands;

/// <summary>minidns cache flush | dump: the running resolver's cache, over the control socket (it lives in the server).</summary>
public static class CacheCommands
{
    public static Command Build(StoreAccess access, CliContext cli) => new("cache", "The resolver's cache in the running server.")
    {
        Flush(access, cli),
        Dump(access, cli),
    };

    private static Command Flush(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string?>("name") { Description = "only this name (default: everything)", Arity = ArgumentArity.ZeroOrOne };
        var subtree = new Option<bool>("--subtree") { Description = "the name and every name below it" };
        var command = new Command("flush", "Drop cached answers: all of them, those of one name, or of a name and everything below it.\n\nExample:\n  minidns cache flush cctv.com --subtree")
        {
            name, subtree,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var wire = result.GetValue(name) is { } text ? CliInput.Name(text) : null;
            using var server = access.Server(result);
            int count = server.Send(new ControlRequest { Command = ControlCommand.CacheFlush, Name = wire, Subtree = result.GetValue(subtree) }).Count;
            cli.Output.WriteLine($"flushed {count} {(count == 1 ? "entry" : "entries")}");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Dump(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string?>("name") { Description = "only this name (default: everything)", Arity = ArgumentArity.ZeroOrOne };
        var subtree = new Option<bool>("--subtree") { Description = "the name and every name below it" };
        var command = new Command("dump", "Print what the cache holds, as master-file lines with the TTL left (negative answers as comments).\n\nExample:\n  minidns cache dump news.cctv.com")
        {
            name, subtree,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var wire = result.GetValue(name) is { } text ? CliInput.Name(text) : null;
            using var server = access.Server(result);
            foreach (var line in server.Send(new ControlRequest { Command = ControlCommand.CacheDump, Name = wire, Subtree = result.GetValue(subtree) }).Lines ?? [])
                cli.Output.WriteLine(line);
            return ExitCode.Success;
        }));
        return command;
    }
}
