using MiniDns.Tests.Support;

namespace MiniDns.Tests;

/// <summary>Every refusal: exit code 2, one clear line, and the store byte-for-byte as it was.</summary>
public sealed class RefusalTests
{
    public static TheoryData<StoreMode, string[], string> Refusals()
    {
        var data = new TheoryData<StoreMode, string[], string>();
        foreach (var mode in Enum.GetValues<StoreMode>())
            foreach (var (args, message) in Cases)
                data.Add(mode, args, message);
        return data;
    }

    private static readonly (string[] Args, string Message)[] Cases =
    [
        (["record", "add", "www.example.org", "A", "192.0.2.1"], "www.example.org. is not inside any zone in the store"),
        (["record", "add", "x.cctv.com", "A", "192.0.2.300"], "'192.0.2.300' is not an IPv4 address"),
        (["record", "add", "cctv.com", "MX", "mail.cctv.com"], "MX number: 'mail.cctv.com' is not a number"),
        (["record", "add", new string('x', 64) + ".cctv.com", "A", "192.0.2.1"], "label of 64 octets (at most 63)"),
        (["record", "add", "news.cctv.com", "CNAME", "www.cctv.com"], "news.cctv.com. has a CNAME and other data (RFC 2181 10.1)"),
        (["record", "add", "sports.cctv.com", "CNAME", "news.cctv.com"], "sports.cctv.com. has more than one CNAME"),
        (["record", "add", "sports.cctv.com", "A", "192.0.2.1"], "sports.cctv.com. has a CNAME and other data"),
        (["record", "add", "cctv.com", "SOA", "a.", "b.", "1", "2", "3", "4", "5"], "cannot be added"),
        (["record", "add", "x.cctv.com", "BOGUS", "1"], "'BOGUS' is not a record type"),
        (["record", "remove", "cctv.com", "SOA"], "the SOA of cctv.com. cannot be removed"),
        (["record", "remove", "cctv.com", "NS"], "the last NS records of cctv.com. cannot be removed"),
        (["zone", "remove", "cctv.com"], "add --yes to confirm"),
        (["zone", "add", "cctv.com", "--ns", "ns1.cctv.com"], "zone cctv.com. exists already"),
        (["zone", "import", "ZONES/cctv.com.zone"], "zone cctv.com. exists already (use --replace"),
        (["zone", "export", "nothere.test"], "there is no zone nothere.test."),
        (["record", "add", "x.cctv.com", "A"], "Required argument missing"),
        (["record", "list", "--bogus"], "unknown option '--bogus'"),
        (["check", "--server", "not-an-address"], "'not-an-address' is not a server address"),
    ];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Is_refused_with_exit_2_and_nothing_written(StoreMode mode, string[] args, string message)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var before = store.FileBytes();
        string exportBefore = await store.ExportAllAsync();

        var result = await store.RunAsync(args.Select(a => a.Replace("ZONES", Repository.ZonesFolder, StringComparison.Ordinal)).ToArray());

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(exportBefore, await store.ExportAllAsync());
        Assert.Equal(before, store.FileBytes());
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task An_import_file_with_errors_reports_each_with_its_line_and_writes_nothing(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        string exportBefore = await store.ExportAllAsync();
        string file = Path.Combine(store.Folder, "broken.zone");
        File.WriteAllText(file, """
            $ORIGIN broken.test.
            @    3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            @    3600 IN NS  ns1
            ok   60   IN A   192.0.2.1
            bad1 60   IN A   192.0.2.999
            bad2 60   IN MX  mail
            """);
        var result = await store.RunAsync("zone", "import", file);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("broken.zone:5: A IPv4 address", result.Error);
        Assert.Contains("broken.zone:6: MX number", result.Error);
        Assert.Contains("2 errors; nothing was written", result.Error);
        Assert.Equal(exportBefore, await store.ExportAllAsync());
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task A_cname_conflict_in_an_import_file_names_its_line(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        string file = Path.Combine(store.Folder, "conflict.zone");
        File.WriteAllText(file, "$ORIGIN conflict.test.\n@ 3600 IN SOA ns1 h 1 2 3 4 5\n@ 3600 IN NS ns1\nwww 60 IN A 192.0.2.1\nwww 60 IN CNAME other\n");
        var result = await store.RunAsync("zone", "import", file);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("conflict.zone:4: www.conflict.test. has a CNAME and other data", result.Error);
    }
}
