using System.CommandLine;
using System.Globalization;
using MiniDns.Storage;
using MiniDns.Wire;

namespace MiniDns.Cli.Commands;

/// <summary>
/// minidns batch FILE|-: record edits, one a line, applied in one transaction or not at all, with one
/// serial bump per zone. Lines: <c>add NAME [TTL] TYPE DATA…</c>, <c>set NAME [TTL] TYPE DATA…</c> (set
/// lines for the same name and type together make the new RRset), <c>remove NAME [TYPE [DATA…]]</c>;
/// ';' starts a comment, as in zone files.
/// </summary>
public static class BatchCommand
{
    public static Command Build(StoreAccess access, CliContext cli)
    {
        var file = new Argument<string>("file") { Description = "the edits, or - for standard input" };
        var zone = new Option<string?>("--zone") { Description = "read names relative to this zone" };
        var command = new Command("batch", "Apply a file of record edits in one transaction: all of them or none.\n\nExample:\n  printf 'add www 300 A 192.0.2.1\\nremove old A\\n' | minidns batch - --zone cctv.com")
        {
            file, zone,
        };
        command.SetAction(result => cli.Run(() =>
        {
            string path = result.GetValue(file)!;
            string label = path == "-" ? "stdin" : Path.GetFileName(path);
            string text;
            if (path == "-")
                text = cli.Input.ReadToEnd();
            else if (File.Exists(path))
                text = File.ReadAllText(path);
            else
                throw new CliException($"{path}: no such file");
            var origin = result.GetValue(zone) is { } z ? CliInput.Name(z) : null;
            var edits = Parse(text, label, origin);
            if (edits.Count == 0)
                throw new CliException($"{label}: no edits");
            using var store = access.Open(result);
            var changes = store.Apply(edits);
            int changed = changes.Count(c => c > 0);
            cli.Output.WriteLine($"applied {edits.Count} edit{(edits.Count == 1 ? "" : "s")} in one transaction: {changed} changed the store, {edits.Count - changed} changed nothing");
            return ExitCode.Success;
        }));
        return command;
    }

    /// <summary>Every line's edit; any bad line is an error naming it, and nothing is applied.</summary>
    public static IReadOnlyList<RecordEdit> Parse(string text, string label, byte[]? origin)
    {
        var errors = new List<string>();
        var edits = new List<RecordEdit>();
        foreach (var entry in MiniDns.Zones.MasterFileLexer.Read(text, label, errors))
        {
            string where = $"{label}:{entry.Line}";
            try
            {
                edits.Add(ParseLine(entry.Tokens, where, origin));
            }
            catch (CliException e)
            {
                errors.Add($"{where}: {e.Message}");
            }
        }
        if (errors.Count > 0)
            throw new MiniDns.Zones.ZoneDataException(errors);
        return Merge(edits);
    }

    private static RecordEdit ParseLine(IReadOnlyList<TextToken> tokens, string where, byte[]? origin)
    {
        if (tokens.Count < 2)
            throw new CliException("a line is 'add|set|remove NAME ...'");
        string verb = tokens[0].Text.ToLowerInvariant();
        var owner = CliInput.Name(tokens[1].Text, origin);
        int next = 2;
        uint? ttl = null;
        if (verb is "add" or "set" && next < tokens.Count && uint.TryParse(tokens[next].Text, NumberStyles.None, CultureInfo.InvariantCulture, out uint given))
        {
            ttl = given;
            next++;
        }
        ushort? type = next < tokens.Count ? CliInput.Type(tokens[next++].Text) : null;
        var rest = tokens.Skip(next).ToList();
        return verb switch
        {
            "add" when type is { } t && rest.Count > 0 => RecordEdit.Add(owner, t, CliInput.Data(t, rest, origin), ttl, where),
            "set" when type is { } t && rest.Count > 0 => RecordEdit.Set(owner, t, [CliInput.Data(t, rest, origin)], ttl, where),
            "remove" => RecordEdit.Remove(owner, type, rest.Count > 0 ? CliInput.Data(type!.Value, rest, origin) : null, where),
            "add" or "set" => throw new CliException($"'{verb}' needs NAME [TTL] TYPE DATA"),
            _ => throw new CliException($"'{tokens[0].Text}' is not add, set or remove"),
        };
    }

    // Set lines for one name and type, one after the other, make one RRset.
    private static List<RecordEdit> Merge(List<RecordEdit> edits)
    {
        var merged = new List<RecordEdit>();
        foreach (var edit in edits)
        {
            if (merged.Count > 0 && merged[^1] is { Kind: RecordEditKind.Set } last && edit.Kind == RecordEditKind.Set
                && last.Type == edit.Type && NameComparer.Instance.Equals(last.Owner, edit.Owner))
                merged[^1] = last with { Data = [.. last.Data, .. edit.Data], Ttl = edit.Ttl ?? last.Ttl };
            else
                merged.Add(edit);
        }
        return merged;
    }
}
