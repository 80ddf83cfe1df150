using System.CommandLine;
using MiniDns.Wire;

namespace MiniDns.Cli.Commands;

/// <summary>minidns check: does the server answer exactly what the store holds?</summary>
public static class CheckCommand
{
    public static Command Build(StoreAccess access, CliContext cli)
    {
        var server = ServerOption();
        var zones = new Argument<string[]>("zones") { Description = "zones to check (default: every zone in the store)", Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<bool>("--json") { Description = "machine-readable output" };
        var command = new Command("check", "Ask the server for every RRset in the store and compare data, TTL and AA; exit 1 on any mismatch.\n\nExample:\n  minidns check --server 127.0.0.1:5353 cctv.com")
        {
            server, zones, json,
        };
        command.SetAction((result, cancel) => cli.RunAsync(async () =>
        {
            var endpoint = CliInput.Server(result.GetValue(server)!);
            using var store = access.Open(result);
            var known = store.ListZones().Select(z => z.Origin).ToHashSet(StringComparer.Ordinal);
            var names = result.GetValue(zones) is { Length: > 0 } given ? given.Select(z => CliInput.Name(z)).ToList() : known.Select(z => CliInput.Name(z)).ToList();
            foreach (var name in names.Where(n => !known.Contains(NameText.Format(n))))
                throw new CliException($"there is no zone {NameText.Format(name)} in the store");
            var report = await ZoneChecker.CheckAsync(store, names, ServerAnswer.Client(endpoint), cancel);
            if (result.GetValue(json))
            {
                cli.WriteJson(report, JsonOutput.Readable.CheckReport);
            }
            else
            {
                foreach (var problem in report.Problems)
                {
                    cli.Output.WriteLine($"MISMATCH {problem.Name} {problem.Type}: {problem.Problem}");
                    foreach (var line in problem.Expected)
                        cli.Output.WriteLine($"  store:  {line}");
                    foreach (var line in problem.Actual)
                        cli.Output.WriteLine($"  server: {line}");
                }
                cli.Output.WriteLine($"{(report.AllMatch ? "OK" : "FAILED")}: {report.Checked - report.Problems.Count} of {report.Checked} answers match the store in {report.Zones} zone{(report.Zones == 1 ? "" : "s")} on {endpoint} ({report.Skipped} glue or occluded RRsets skipped)");
            }
            return report.AllMatch ? ExitCode.Success : ExitCode.Mismatch;
        }));
        return command;
    }

    public static Option<string> ServerOption() => new("--server")
    {
        Description = "the server to ask, ADDRESS:PORT",
        DefaultValueFactory = _ => "127.0.0.1:53",
    };
}
