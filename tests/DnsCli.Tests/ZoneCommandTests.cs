using System.Text.Json;
using MiniDns.Tests.Support;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests;

/// <summary>minidns zone list | add | remove | import | export, in-process.</summary>
public sealed class ZoneCommandTests
{
    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task List_shows_zones_serials_and_record_counts(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var table = await store.RunAsync("zone", "list");
        Assert.Equal(0, table.ExitCode);
        var lines = table.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^ZONE\s+SERIAL\s+RECORDS\s+PRIMARY$", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^cctv\.com\.\s+2026112701\s+22\s+-$"));

        var json = JsonDocument.Parse((await store.RunAsync("zone", "list", "--json")).Output).RootElement;
        Assert.Equal(["2.0.192.in-addr.arpa.", "baidu.com.", "cctv.com."], json.EnumerateArray().Select(z => z.GetProperty("zone").GetString()));
        Assert.All(json.EnumerateArray(), z => Assert.Equal(JsonValueKind.Null, z.GetProperty("primary").ValueKind));
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Add_creates_a_zone_with_soa_and_ns(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var added = await store.RunAsync("zone", "add", "example.net", "--ns", "ns1.example.net", "--ns", "ns2.example.net", "--ttl", "600");
        Assert.True(added.ExitCode == 0, added.ToString());
        var records = (await store.RunAsync("record", "list", "example.net")).Output;
        Assert.Matches(@"example\.net\.\s+600\s+SOA\s+ns1\.example\.net\. hostmaster\.example\.net\. \d{10} 7200 3600 1209600 300", records);
        Assert.Matches(@"example\.net\.\s+600\s+NS\s+ns2\.example\.net\.", records);
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Remove_needs_yes(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var refused = await store.RunAsync("zone", "remove", "baidu.com");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--yes", refused.Error);
        var removed = await store.RunAsync("zone", "remove", "baidu.com", "--yes");
        Assert.Equal(0, removed.ExitCode);
        Assert.DoesNotContain("baidu.com", (await store.RunAsync("zone", "list")).Output);
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Importing_the_examples_then_exporting_parses_back_to_equal_data(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        foreach (var file in Directory.GetFiles(Repository.ZonesFolder, "*.zone"))
        {
            var original = MasterFileParser.ParseFile(file);
            var exported = await store.RunAsync("zone", "export", NameText.Format(original.Origin!));
            var reparsed = MasterFileParser.Parse(exported.Output, "export");
            Assert.True(reparsed.IsValid, string.Join("\n", reparsed.Errors));
            // As stored: one TTL per RRset (news.cctv.com. A is given 300 and, by $TTL, 3600) and no duplicates.
            Assert.Equal(MiniDns.Storage.RecordEditRules.Normalise(original.Records).ToHashSet(), reparsed.Records.ToHashSet());
        }
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Export_then_import_replace_gives_the_same_records(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        Assert.Equal(0, (await store.RunAsync("record", "add", "extra.cctv.com", "TXT", "edited")).ExitCode);
        string file = Path.Combine(store.Folder, "cctv.export.zone");
        Assert.Equal(0, (await store.RunAsync("zone", "export", "cctv.com", "-o", file)).ExitCode);
        var before = MasterFileParser.ParseFile(file).Records.ToHashSet();

        var replaced = await store.RunAsync("zone", "import", file, "--replace");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        var after = MasterFileParser.Parse((await store.RunAsync("zone", "export", "cctv.com")).Output, "again").Records;
        // Same records; only the SOA serial moves forward, so secondaries see the replacement.
        Assert.Equal(before.Where(r => r.Type != RecordType.SOA).ToHashSet(), after.Where(r => r.Type != RecordType.SOA).ToHashSet());
        Assert.True(SoaSerial.IsAfter(SoaSerial.Read(after.Single(r => r.Type == RecordType.SOA).Data),
                                      SoaSerial.Read(before.Single(r => r.Type == RecordType.SOA).Data)));
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Import_takes_the_origin_from_the_option_then_origin_line_then_soa(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        string file = Path.Combine(store.Folder, "relative.zone");
        File.WriteAllText(file, "@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\nwww 60 IN A 192.0.2.7\n");
        var imported = await store.RunAsync("zone", "import", file, "--origin", "given.test");
        Assert.True(imported.ExitCode == 0, imported.ToString());
        Assert.Contains("www.given.test.", (await store.RunAsync("record", "list", "given.test")).Output);
    }

    [Fact]
    public async Task Every_command_has_help_with_an_example()
    {
        string[][] commands =
        [
            ["zone", "list"], ["zone", "add"], ["zone", "remove"], ["zone", "import"], ["zone", "export"],
            ["record", "add"], ["record", "remove"], ["record", "list"], ["check"], ["query"],
        ];
        foreach (var command in commands)
        {
            var help = await CliRunner.RunAsync([.. command, "--help"]);
            Assert.Equal(0, help.ExitCode);
            Assert.Contains("minidns " + string.Join(' ', command), help.Output);
            Assert.Contains("Example", help.Output);
        }
    }
}
