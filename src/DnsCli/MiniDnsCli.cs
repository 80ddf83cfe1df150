using System.CommandLine;
using MiniDns.Cli.Commands;

namespace MiniDns.Cli;

/// <summary>The minidns command tree; run in-process by the tests with their own writers.</summary>
public static class MiniDnsCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancel = default, TextReader? input = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var cli = new CliContext(output, error, input ?? Console.In, environment);
        var access = new StoreAccess();
        var root = new RootCommand("minidns: edit MiniDns zones while the server runs, and check that it answers what the store holds.")
        {
            ZoneCommands.Build(access, cli),
            RecordCommands.Build(access, cli),
            BatchCommand.Build(access, cli),
            CheckCommand.Build(access, cli),
            QueryCommand.Build(cli),
            CacheCommands.Build(access, cli),
            TraceCommand.Build(access, cli),
            KeyCommands.Build(access, cli),
        };
        foreach (var command in ServerCommands.Build(access, cli))
            root.Subcommands.Add(command);
        foreach (var option in access.All)
            root.Options.Add(option);
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            // One clear line and exit code 2 for any bad argument (DESIGN.md), whatever the parser's default.
            error.WriteLine($"minidns: {result.Errors[0].Message} (see --help)");
            return ExitCode.BadInput;
        }
        return await result.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancel);
    }
}
