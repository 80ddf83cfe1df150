using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using MiniDns.Tests.Support;

namespace MiniDns.Tests;

/// <summary>minidns zone edit, both ways, with EDITOR a script that edits the file as a user would.</summary>
[UnsupportedOSPlatform("windows")]
public sealed partial class ZoneEditTests
{
    // The editor is a shell script given the file as $1, as vi or nano would be.
    private static Task<CliRunner.Result> EditAsync(StoreFolder store, string script, params string[] extra) =>
        EditZoneAsync(store, "cctv.com", script, extra);

    private static async Task<CliRunner.Result> EditZoneAsync(StoreFolder store, string zone, string script, params string[] extra)
    {
        string editor = Path.Combine(store.Folder, $"editor-{Guid.NewGuid():N}.sh");
        File.WriteAllText(editor, "#!/bin/sh\nset -e\n" + script + "\n");
        File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await MiniDns.Cli.MiniDnsCli.RunAsync(["--db", store.Database, "zone", "edit", zone, .. extra], output, error,
            TestContext.Current.CancellationToken, environment: new Dictionary<string, string> { ["VISUAL"] = "", ["EDITOR"] = editor });
        return new CliRunner.Result(exit, output.ToString(), error.ToString());
    }

    private static string KeptPath(CliRunner.Result result)
    {
        var kept = KeptLine().Match(result.Error);
        Assert.True(kept.Success, result.ToString());
        Assert.True(File.Exists(kept.Groups[1].Value), kept.Groups[1].Value);
        return kept.Groups[1].Value;
    }

    private static async Task<uint> SerialAsync(StoreFolder store)
    {
        var shown = (await store.RunAsync("zone", "serial", "cctv.com")).Output;
        return uint.Parse(Regex.Match(shown, @"serial (\d+)").Groups[1].Value);
    }

    // The next serial by the default policy (YYYYMMDDnn, today's UTC date).
    private static uint ByDate(uint serial) => MiniDns.Storage.SerialPolicy.Next(MiniDns.Storage.SerialPolicy.Date, serial, DateTime.UtcNow);

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Saved_changes_are_shown_as_a_diff_and_applied_with_one_serial_bump(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        uint serial = await SerialAsync(store);
        long counter = store.ChangeCounter();
        string seen = Path.Combine(store.Folder, "seen");
        var result = await EditAsync(store, $"""
            stat -c %a "$1" > {seen}
            sed -i -e 's/ A 192\.0\.2\.80$/ A 192.0.2.99/' -e '/^sip\.cctv\.com\. /d' "$1"
            echo 'added.cctv.com. 300 IN TXT "from the editor"' >> "$1"
            """);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"""
            -sip.cctv.com. 3600 IN A 192.0.2.50
            -www.cctv.com. 3600 IN A 192.0.2.80
            +added.cctv.com. 300 IN TXT "from the editor"
            +www.cctv.com. 3600 IN A 192.0.2.99
            edited cctv.com.: 2 removed, 2 added; serial {serial} -> {ByDate(serial)}

            """, result.Output);
        Assert.Equal("600\n", File.ReadAllText(seen)); // the text was owner-only while the editor had it
        Assert.Equal(counter + 1, store.ChangeCounter());
        Assert.Equal(ByDate(serial), await SerialAsync(store));
        var listed = (await store.RunAsync("record", "list", "cctv.com")).Output;
        Assert.Matches(@"www\.cctv\.com\.\s+3600\s+A\s+192\.0\.2\.99", listed);
        Assert.DoesNotContain("192.0.2.80", listed);
        Assert.DoesNotMatch(@"\nsip\.cctv\.com\.", listed);
        Assert.Contains("from the editor", listed);
        Assert.Contains("_sip._udp.cctv.com.", listed); // untouched names stay
        if (store.Server is not null)
        {
            // Served as soon as the command returned: the server answers exactly what the store holds.
            var check = await store.RunAsync("check", "--server", store.ServerAddress, "cctv.com");
            Assert.True(check.ExitCode == 0, check.ToString());
        }
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task An_unchanged_text_changes_nothing(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var before = store.FileBytes();
        var untouched = await EditAsync(store, "true");
        Assert.Equal((0, "cctv.com.: no changes\n"), (untouched.ExitCode, untouched.Output));
        // Only comments and layout changed: the records are the same, so nothing is written either.
        var relaid = await EditAsync(store, """sed -i -e 's/ IN / in /' -e '1i ; a comment of mine' "$1" """);
        Assert.Equal((0, "cctv.com.: no changes\n"), (relaid.ExitCode, relaid.Output));
        Assert.Equal(before, store.FileBytes());
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task A_text_that_does_not_parse_is_kept_and_the_edit_goes_on_from_it(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var before = store.FileBytes();
        uint serial = await SerialAsync(store);
        var bad = await EditAsync(store, """echo 'broken.cctv.com. 300 IN A 192.0.2.300' >> "$1" """);
        Assert.Equal(2, bad.ExitCode);
        Assert.Matches(@"minidns: .*minidns-edit-cctv\.com-\d+-[0-9a-f]{32}-[0-9a-f]{8}\.zone:\d+: .*192\.0\.2\.300", bad.Error);
        string kept = KeptPath(bad);
        Assert.Equal(before, store.FileBytes());

        var fixedUp = await EditAsync(store, """sed -i 's/192\.0\.2\.300/192.0.2.30/' "$1" """, "--file", kept);
        Assert.True(fixedUp.ExitCode == 0, fixedUp.ToString());
        Assert.Equal($"+broken.cctv.com. 300 IN A 192.0.2.30\nedited cctv.com.: 0 removed, 1 added; serial {serial} -> {ByDate(serial)}\n", fixedUp.Output);
        Assert.False(File.Exists(kept));
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Refusals_keep_the_text_and_write_nothing(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var before = store.FileBytes();
        var kept = new List<string>();

        var cname = await EditAsync(store, """echo 'sports.cctv.com. 300 IN A 192.0.2.9' >> "$1" """);
        Assert.Equal(2, cname.ExitCode);
        Assert.Matches(@"minidns: \S+\.zone:\d+: sports\.cctv\.com\. has a CNAME and other data \(RFC 2181 10\.1\)\n", cname.Error);
        kept.Add(KeptPath(cname));

        var editorFailed = await EditAsync(store, "exit 3");
        Assert.Equal(2, editorFailed.ExitCode);
        Assert.Contains("exited with 3", editorFailed.Error);
        kept.Add(KeptPath(editorFailed));

        var noSoa = await EditAsync(store, """sed -i '/ SOA /d' "$1" """);
        Assert.Equal(2, noSoa.ExitCode);
        kept.Add(KeptPath(noSoa));

        var otherZone = await EditAsync(store, """sed -i 's/^\$ORIGIN .*/$ORIGIN baidu.com./' "$1"; echo 'x 60 IN A 192.0.2.1' >> "$1" """);
        Assert.Equal(2, otherZone.ExitCode);
        kept.Add(KeptPath(otherZone));

        var notKept = await EditAsync(store, "true", "--file", Path.Combine(store.Folder, "minidns.db"));
        Assert.Equal((2, ""), (notKept.ExitCode, notKept.Output));
        Assert.Contains("not a text kept by 'minidns zone edit'", notKept.Error);

        Assert.Equal(before, store.FileBytes());
        foreach (string path in kept)
            File.Delete(path);
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task An_edit_made_while_the_editor_was_open_is_not_overwritten(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        // The editor's session runs a second minidns, as another user would: the store is not held meanwhile.
        var result = await EditAsync(store, $"""
            dotnet {CliRunner.Dll} --db {store.Database} record add meanwhile.cctv.com A 192.0.2.44 > /dev/null
            echo 'mine.cctv.com. 300 IN A 192.0.2.45' >> "$1"
            """);
        Assert.Equal(2, result.ExitCode);
        Assert.Matches(@"minidns: zone cctv\.com\. changed while it was being edited \(serial \d+, now \d+\): nothing applied\n", result.Error);
        string kept = ConflictKeptPath(result);
        var listed = (await store.RunAsync("record", "list", "cctv.com")).Output;
        Assert.Contains("meanwhile.cctv.com.", listed);
        Assert.DoesNotContain("mine.cctv.com.", listed);
        File.Delete(kept);
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task A_serial_the_user_moves_forward_is_kept_and_the_policy_survives(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        Assert.Equal(0, (await store.RunAsync("zone", "serial", "cctv.com", "--policy", "increment")).ExitCode);
        uint serial = await SerialAsync(store);
        var moved = await EditAsync(store, $"""sed -i 's/ {serial} / {serial + 50} /' "$1" """);
        Assert.True(moved.ExitCode == 0, moved.ToString());
        Assert.EndsWith($"serial {serial} -> {serial + 50}\n", moved.Output);
        var next = await EditAsync(store, """echo 'next.cctv.com. 300 IN A 192.0.2.46' >> "$1" """);
        Assert.EndsWith($"serial {serial + 50} -> {serial + 51}\n", next.Output);
        Assert.Equal($"cctv.com. serial {serial + 51} (policy increment)\n", (await store.RunAsync("zone", "serial", "cctv.com")).Output);
    }

    // After a conflict the text is kept to look at, and --file is not offered: going on from it would undo the other change.
    private static string ConflictKeptPath(CliRunner.Result result)
    {
        var kept = ConflictLine().Match(result.Error);
        Assert.True(kept.Success, result.ToString());
        Assert.DoesNotContain("--file", result.Error);
        return kept.Groups[1].Value;
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task A_zone_removed_and_added_again_while_the_editor_was_open_is_not_overwritten(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        Assert.Equal(0, (await store.RunAsync("zone", "add", "t.test", "--ns", "ns1.t.test")).ExitCode);
        // Added again the same day, the zone has the same serial as before: only its content tells it apart.
        string cli = $"dotnet {CliRunner.Dll} --db {store.Database}";
        var result = await EditZoneAsync(store, "t.test", $"""
            {cli} zone remove t.test --yes > /dev/null
            {cli} zone add t.test --ns ns.elsewhere.example > /dev/null
            echo 'www.t.test. 300 IN A 192.0.2.7' >> "$1"
            """);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("changed while it was being edited", result.Error);
        File.Delete(ConflictKeptPath(result));
        var listed = (await store.RunAsync("record", "list", "t.test")).Output;
        Assert.Contains("ns.elsewhere.example.", listed);
        Assert.DoesNotContain("www.t.test.", listed);
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task A_removed_file_a_directory_or_a_device_gives_one_line(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var before = store.FileBytes();

        var removed = await EditAsync(store, """rm "$1" """);
        Assert.Equal(2, removed.ExitCode);
        Assert.Contains("no such file (did the editor remove it?)", removed.Error);
        Assert.Contains("nothing applied; there is no text to keep", removed.Error);

        string made = Path.Combine(store.Folder, "made");
        var directory = await EditAsync(store, $"""rm "$1"; mkdir "$1"; echo "$1" > {made}""");
        Assert.Equal(2, directory.ExitCode);
        Assert.Contains("is a directory, not a text", directory.Error);
        Assert.DoesNotContain("--file", directory.Error);
        Directory.Delete(File.ReadAllText(made).Trim());

        var fifo = await EditAsync(store, $"""rm "$1"; mkfifo "$1"; echo "$1" > {made}""");
        Assert.Equal(2, fifo.ExitCode);
        Assert.Contains("could not be read within 10 s", fifo.Error);
        string pipe = File.ReadAllText(made).Trim();
        using (new FileStream(pipe, FileMode.Open, FileAccess.Write)) // lets the abandoned reader's open return
        {
        }
        File.Delete(pipe);

        var device = await EditAsync(store, "true", "--file", "/dev/zero");
        Assert.Equal((2, ""), (device.ExitCode, device.Output));
        Assert.Contains("/dev/zero: more than", device.Error);

        Assert.Equal(before, store.FileBytes());
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Duplicates_and_mixed_ttls_are_stored_as_they_are_served(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var result = await EditAsync(store, """
            for i in 1 2 3; do echo 'dup.cctv.com. 300 IN A 192.0.2.61' >> "$1"; done
            echo 'mixed.cctv.com. 600 IN A 192.0.2.62' >> "$1"
            echo 'mixed.cctv.com. 300 IN A 192.0.2.63' >> "$1"
            """);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("+dup.cctv.com. 300 IN A 192.0.2.61\n+mixed.cctv.com. 300 IN A 192.0.2.62\n+mixed.cctv.com. 300 IN A 192.0.2.63\n", result.Output);
        Assert.Contains("3 added", result.Output);
        var listed = (await store.RunAsync("record", "list", "cctv.com")).Output;
        Assert.Single(Regex.Matches(listed, @"192\.0\.2\.61"));
        Assert.Matches(@"mixed\.cctv\.com\.\s+300\s+A\s+192\.0\.2\.62", listed);
        if (store.Server is not null)
        {
            var check = await store.RunAsync("check", "--server", store.ServerAddress, "cctv.com");
            Assert.True(check.ExitCode == 0, check.ToString());
        }
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Names_of_a_child_zone_in_the_store_are_refused(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        Assert.Equal(0, (await store.RunAsync("zone", "add", "child.cctv.com", "--ns", "ns1.cctv.com")).ExitCode);
        var before = store.FileBytes();

        var result = await EditAsync(store, """echo 'x.child.cctv.com. 300 IN A 192.0.2.64' >> "$1" """);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("x.child.cctv.com. 300 IN A 192.0.2.64: the name belongs to zone child.cctv.com. in the store; edit it there", result.Error);
        Assert.Equal("", result.Output);
        File.Delete(KeptPath(result));
        Assert.Equal(before, store.FileBytes());
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task A_kept_text_whose_first_line_was_deleted_still_goes_on(StoreMode mode)
    {
        // Found by attack: the serial and digest lived only in the first line, which users delete with the other comments.
        await using var store = await StoreFolder.CreateAsync(mode);
        var broken = await EditAsync(store, """sed -i '1d' "$1"; echo 'bad.cctv.com. 300 IN A 999.1.1.1' >> "$1" """);
        Assert.Equal(2, broken.ExitCode);
        string kept = KeptPath(broken);

        var resumed = await EditAsync(store, """sed -i 's/999\.1\.1\.1/192.0.2.31/' "$1" """, "--file", kept);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("+bad.cctv.com. 300 IN A 192.0.2.31", resumed.Output);
    }

    [GeneratedRegex(@"your text is kept in (\S+) \(go on with: minidns zone edit cctv\.com\. --file \1\)")]
    private static partial Regex KeptLine();

    [GeneratedRegex(@"your text is kept in (\S+) to show what you meant; start again from the zone as it is now with: minidns zone edit \S+\n")]
    private static partial Regex ConflictLine();
}
