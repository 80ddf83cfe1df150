using System.CommandLine;
using System.Globalization;
using MiniDns.Control;

namespace MiniDns.Cli.Commands;

/// <summary>minidns status | stats: what the running server says of itself, over its control socket.</summary>
public static class ServerCommands
{
    public static IEnumerable<Command> Build(StoreAccess access, CliContext cli) => [Status(access, cli), Stats(access, cli)];

    private static ServerStatus Ask(StoreAccess access, ParseResult result)
    {
        using var server = access.Server(result);
        return server.Send(new ControlRequest { Command = ControlCommand.Status }).Status
            ?? throw new CliException("the server's reply has no status");
    }

    private static Command Status(StoreAccess access, CliContext cli)
    {
        var json = new Option<bool>("--json") { Description = "machine-readable output" };
        var command = new Command("status", "Show the running server: version, uptime, listeners, the zones it serves with their serials, the snapshot's age, the store and its owner.\n\nExample:\n  minidns status --db /var/lib/minidns/minidns.db") { json };
        command.SetAction(result => cli.Run(() =>
        {
            var status = Ask(access, result);
            if (result.GetValue(json))
            {
                cli.WriteJson(status, JsonOutput.Readable.ServerStatus);
                return ExitCode.Success;
            }
            var now = DateTime.UtcNow;
            var o = cli.Output;
            o.WriteLine($"server:    MiniDns {status.Version}, process {status.ProcessId}, up {Age(now - status.StartedUtc)}");
            o.WriteLine($"store:     {status.Store} (owned by process {status.ProcessId})");
            o.WriteLine($"control:   {status.Control}");
            o.WriteLine($"listening: {string.Join(", ", status.Listeners)} (UDP and TCP)");
            o.WriteLine($"snapshot:  version {status.SnapshotVersion}, published {Age(now - status.SnapshotUtc)} ago");
            o.WriteLine();
            TableWriter.Write(o, ["ZONE", "SERIAL", "RECORDS"], status.Zones.Select(z => (IReadOnlyList<string>)[z.Origin, z.Serial.ToString(CultureInfo.InvariantCulture), z.RecordCount.ToString(CultureInfo.InvariantCulture)]));
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Stats(StoreAccess access, CliContext cli)
    {
        var json = new Option<bool>("--json") { Description = "machine-readable output" };
        var command = new Command("stats", "Show the running server's counters (they only grow: queries by transport and rcode, rate limiting, TCP, reloads, errors).\n\nExample:\n  minidns stats --json") { json };
        command.SetAction(result => cli.Run(() =>
        {
            var counters = Ask(access, result).Counters;
            if (result.GetValue(json))
                cli.WriteJson(counters, JsonOutput.Readable.IReadOnlyDictionaryStringInt64);
            else
                foreach (var (name, value) in counters.OrderBy(c => c.Key, StringComparer.Ordinal))
                    cli.Output.WriteLine($"{name} {value.ToString(CultureInfo.InvariantCulture)}");
            return ExitCode.Success;
        }));
        return command;
    }

    private static string Age(TimeSpan age) => age.TotalSeconds < 0 ? "0s"
        : age.TotalHours >= 1 ? $"{(int)age.TotalHours}h{age.Minutes:00}m"
        : age.TotalMinutes >= 1 ? $"{age.Minutes}m{age.Seconds:00}s"
        : $"{age.TotalSeconds:0.0}s";
}
