using System.CommandLine;
using System.Globalization;
using MiniDns.Control;
using MiniDns.Wire;

namespace MiniDns.Cli.Commands;

/// <summary>
/// minidns trace NAME [TYPE]: the running server resolves the name with a resolver that has learned nothing
/// yet (the same code, not the cache), and every upstream query is printed level by level, as dig +trace
/// does: the zone, the server asked, its response time and the records it gave.
/// </summary>
public static class TraceCommand
{
    public static Command Build(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "the name to resolve" };
        var type = new Argument<string>("type") { Description = "the record type (default A)", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "A" };
        var command = new Command("trace", "Resolve a name from the root (or the forwarders) and show every step: the zone, the server asked, its time and its records.\n\nExample:\n  minidns trace news.cctv.com A")
        {
            name, type,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var wire = CliInput.Name(result.GetValue(name)!);
            ushort qtype = CliInput.Type(result.GetValue(type)!);
            using var server = access.Server(result);
            var reply = server.Send(new ControlRequest { Command = ControlCommand.Trace, Name = wire, Type = qtype });
            var o = cli.Output;
            foreach (var step in reply.Exchanges ?? [])
            {
                string ms = step.Milliseconds.ToString("0", CultureInfo.InvariantCulture);
                o.WriteLine($";; {step.Zone} at {step.Server}{(step.Tcp ? " (TCP)" : "")}: {step.Question} -> {step.Rcode ?? step.Failure} in {ms} ms");
                foreach (var record in step.Records)
                    o.WriteLine(record);
                o.WriteLine();
            }
            o.WriteLine($";; answer for {NameText.Format(wire)} {RecordType.ToText(qtype)}: {reply.Rcode}");
            foreach (var line in reply.Lines ?? [])
                o.WriteLine(line);
            return ExitCode.Success; // as dig +trace: the trace was made, whatever its answer
        }));
        return command;
    }
}
