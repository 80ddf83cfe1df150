using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Cli.Commands;

/// <summary>
/// minidns zone edit ZONE: the zone as a master file in $VISUAL or $EDITOR; on save, the text is parsed and
/// checked, the difference shown, and the new content applied in one transaction, unless the zone changed
/// while the editor was open. The store is not held while the editor runs. A text that cannot be applied
/// is kept, and <c>--file</c> goes on from it.
/// </summary>
public static partial class ZoneEditCommand
{
    public static Command Build(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("zone") { Description = "the zone to edit" };
        var file = new Option<string?>("--file") { Description = "go on editing a text an earlier 'zone edit' kept" };
        var command = new Command("edit", "Edit a zone as a master file in $VISUAL or $EDITOR (default vi); on save, show the difference and apply it in one transaction.\n\nExample:\n  EDITOR=nano minidns zone edit cctv.com")
        {
            name, file,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var origin = CliInput.Name(result.GetValue(name)!);
            string zone = NameText.Format(origin);
            string path;
            uint baseSerial;
            string baseDigest, original;
            try
            {
                (path, baseSerial, baseDigest, original) = result.GetValue(file) is { } kept ? Resume(kept, zone) : Start(access, result, origin);
            }
            catch (UnreadableTextException e)
            {
                throw new CliException(e.Message); // a --file that cannot be read: nothing was started
            }
            try
            {
                return Apply(access, result, cli, origin, path, baseSerial, baseDigest, original);
            }
            catch (UnreadableTextException e)
            {
                cli.Error.WriteLine($"minidns: {e.Message}");
                cli.Error.WriteLine("minidns: nothing applied; there is no text to keep");
                return ExitCode.BadInput;
            }
            catch (Exception e) when (e is CliException or ZoneStoreException or ZoneDataException)
            {
                foreach (var line in e is ZoneDataException data ? data.Errors : [e.Message])
                    cli.Error.WriteLine($"minidns: {line}");
                cli.Error.WriteLine(e switch
                {
                    CliException { OutcomeUnknown: true } =>
                        $"minidns: whether the edit was applied is unknown: look at the zone (minidns record list {zone}) before going on; your text is kept in {path}",
                    // Going on from this text would undo the other change: start again from the zone as it is now.
                    ZoneChangedException =>
                        $"minidns: your text is kept in {path} to show what you meant; start again from the zone as it is now with: minidns zone edit {zone}",
                    _ => $"minidns: nothing applied; your text is kept in {path} (go on with: minidns zone edit {zone} --file {path})",
                });
                return ExitCode.BadInput;
            }
        }));
        return command;
    }

    private static int Apply(StoreAccess access, ParseResult result, CliContext cli, byte[] origin, string path, uint baseSerial, string baseDigest, string original)
    {
        string zone = NameText.Format(origin);
        RunEditor(cli, path);
        string text = ReadText(path);
        if (text == original)
            return Unchanged(cli, path, zone);

        var parsed = MasterFileParser.Parse(text, path, origin);
        if (parsed.Errors.Count > 0)
            throw new ZoneDataException(parsed.Errors);
        if (parsed.Origin is { } given && !NameComparer.Instance.Equals(given, origin))
            throw new CliException($"{path}: the text is for {NameText.Format(given)}, not {zone}");

        // The records as the store will keep them (duplicates once, one TTL per RRset), so the diff says what is stored.
        var records = RecordEditRules.Normalise(parsed.Records);
        using var store = access.Open(result);
        var before = Lines(store.ListRecords(origin));
        var after = Lines(records);
        var removed = before.Except(after).Order(StringComparer.Ordinal).ToList();
        var added = after.Except(before).Order(StringComparer.Ordinal).ToList();
        if (removed.Count == 0 && added.Count == 0)
            return Unchanged(cli, path, zone);
        uint serial = store.EditZone(new ZoneContent(origin, records), baseSerial, baseDigest);
        foreach (var line in removed)
            cli.Output.WriteLine($"-{line}");
        foreach (var line in added)
            cli.Output.WriteLine($"+{line}");
        cli.Output.WriteLine($"edited {zone}: {removed.Count} removed, {added.Count} added; serial {baseSerial} -> {serial}");
        File.Delete(path);
        return ExitCode.Success;
    }

    // The zone's text in a new owner-only file, headed by the serial it was read at.
    private static (string Path, uint Serial, string Digest, string Text) Start(StoreAccess access, ParseResult result, byte[] origin)
    {
        string zone = NameText.Format(origin);
        uint serial;
        string body, digest;
        using (var store = access.Open(result))
        {
            serial = store.ReadSerial(origin).Serial;
            var records = store.ListRecords(origin);
            digest = ZoneDigest.Of(records);
            body = MasterFileWriter.Write(origin, records);
        }
        string text = $"; minidns zone edit {zone} serial {serial.ToString(CultureInfo.InvariantCulture)} digest {digest}\n"
            + "; Save and quit to apply in one transaction; the serial moves by the zone's policy unless you move it.\n"
            + body;
        // The name carries the serial and digest too, so --file can go on from a text whose first line was deleted.
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(),
            $"minidns-edit-{InFileName(zone)}-{serial.ToString(CultureInfo.InvariantCulture)}-{digest}-{Guid.NewGuid().ToString("N")[..8]}.zone");
        // Owner-only from the start: a zone's text may hold names its owner does not publish yet.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(new FileStream(path, options)))
            writer.Write(text);
        return (path, serial, digest, text);
    }

    // A kept text names the zone and the serial it was read at in its first line: the edit goes on from there.
    private static (string Path, uint Serial, string Digest, string Text) Resume(string path, string zone)
    {
        string text = ReadText(path);
        var header = Header().Match(text);
        var named = KeptName().Match(System.IO.Path.GetFileName(path));
        var (forZone, serialText, digest) = header.Success ? (header.Groups[1].Value, header.Groups[2].Value, header.Groups[3].Value)
            : named.Success ? (named.Groups[1].Value + ".", named.Groups[2].Value, named.Groups[3].Value)
            : throw new CliException($"{path}: not a text kept by 'minidns zone edit' (its first line, or its file name, names the zone, serial and digest)");
        if (header.Success ? !string.Equals(forZone, zone, StringComparison.OrdinalIgnoreCase)
            : !string.Equals(InFileName(zone), named.Groups[1].Value, StringComparison.OrdinalIgnoreCase))
            throw new CliException($"{path}: the text is for {forZone}, not {zone}");
        if (!uint.TryParse(serialText, NumberStyles.None, CultureInfo.InvariantCulture, out uint serial))
            throw new CliException($"{path}: '{serialText}' is not a serial");
        return (path, serial, digest, "");
    }

    // The edited text, read up to what one zone edit may hold, else one clear line: an editor may delete the
    // file, leave a directory or a FIFO (whose open waits for a writer), and a user may name a device
    // (/dev/zero never ends).
    private static string ReadText(string path)
    {
        const int limit = MiniDns.Control.ControlProtocol.MaxFrame / 2;
        if (Directory.Exists(path))
            throw new UnreadableTextException($"{path}: is a directory, not a text");
        var reading = Task.Run(() =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
            using var text = new MemoryStream();
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                if (text.Length + read > limit)
                    throw new UnreadableTextException($"{path}: more than {limit} bytes, which is more than a zone edit takes");
                text.Write(chunk, 0, read);
            }
            return System.Text.Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length).TrimStart('\uFEFF');
        });
        try
        {
            if (!reading.Wait(TimeSpan.FromSeconds(10)))
                throw new UnreadableTextException($"{path}: could not be read within 10 s (a FIFO or a device?)");
            return reading.Result;
        }
        catch (AggregateException e) when (e.InnerException is FileNotFoundException)
        {
            throw new UnreadableTextException($"{path}: no such file (did the editor remove it?)");
        }
        catch (AggregateException e) when (e.InnerException is UnreadableTextException unreadable)
        {
            throw unreadable;
        }
        catch (AggregateException e) when (e.InnerException is IOException or UnauthorizedAccessException)
        {
            throw new UnreadableTextException($"{path}: cannot be read: {e.InnerException.Message}");
        }
    }

    // A text that could not be read: nothing to keep, nothing to go on from.
    private sealed class UnreadableTextException(string message) : Exception(message);

    private static void RunEditor(CliContext cli, string path)
    {
        string editor = cli.GetEnvironment("VISUAL") is { Length: > 0 } visual ? visual
            : cli.GetEnvironment("EDITOR") is { Length: > 0 } chosen ? chosen : "vi";
        // Through the shell, as git does, so EDITOR may carry arguments ("code --wait"); the path goes as $1.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (string argument in (string[])["-c", editor + " \"$1\"", "minidns-zone-edit", path])
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CliException($"the editor '{editor}' did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CliException($"the editor '{editor}' did not start: {e.Message}");
        }
        using (process)
        {
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new CliException($"the editor '{editor}' exited with {process.ExitCode}");
        }
    }

    private static int Unchanged(CliContext cli, string path, string zone)
    {
        File.Delete(path);
        cli.Output.WriteLine($"{zone}: no changes");
        return ExitCode.Success;
    }

    private static HashSet<string> Lines(IEnumerable<ZoneRecord> records) =>
        records.Select(r => (r with { Owner = DnsName.ToLowerCopy(r.Owner) }).ToString()).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"\A; minidns zone edit (\S+) serial (\d+) digest ([0-9a-f]{32})\r?\n")]
    private static partial Regex Header();

    // The zone as it stands in a kept file's name: without the final dot, characters a path should not hold as '_'.
    private static string InFileName(string zone) => UnsafeInPath().Replace(zone.TrimEnd('.'), "_");

    [GeneratedRegex(@"[^A-Za-z0-9.-]")]
    private static partial Regex UnsafeInPath();

    [GeneratedRegex(@"\Aminidns-edit-(.+)-(\d+)-([0-9a-f]{32})-[0-9a-f]{8}\.zone\z")]
    private static partial Regex KeptName();
}
