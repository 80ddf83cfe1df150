using System.Text.Json;
using MiniDns.Tests.Support;

namespace MiniDns.Tests;

/// <summary>minidns record add | remove | list, in-process.</summary>
public sealed class RecordCommandTests
{
    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Add_list_and_remove_a_record(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var added = await store.RunAsync("record", "add", "news.cctv.com", "A", "192.0.2.99", "--ttl", "300");
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal("added news.cctv.com. A 192.0.2.99\n", added.Output);

        var listed = JsonDocument.Parse((await store.RunAsync("record", "list", "news.cctv.com", "--json")).Output).RootElement;
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("data").GetString() == "192.0.2.99" && r.GetProperty("ttl").GetUInt32() == 300);

        var removed = await store.RunAsync("record", "remove", "news.cctv.com", "A", "192.0.2.99");
        Assert.Equal("removed 1 record at news.cctv.com.\n", removed.Output);
        Assert.DoesNotContain("192.0.2.99", (await store.RunAsync("record", "list", "news.cctv.com")).Output);
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Adding_a_record_that_exists_writes_nothing(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var before = store.FileBytes();
        var again = await store.RunAsync("record", "add", "www.cctv.com.", "A", "192.0.2.80");
        Assert.Equal(0, again.ExitCode);
        Assert.StartsWith("unchanged", again.Output);
        Assert.Equal(before, store.FileBytes());
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Every_edit_bumps_the_serial_and_the_change_counter(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        long counter = store.ChangeCounter();
        // The example zone's serial is 2026112701: an edit that day takes the next number of the day, an
        // edit on a later day (UTC) that day's first number, nn = 00 (YYYYMMDDnn).
        string today = DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var (first, second) = today == "20261127" ? ("2026112702", "2026112703") : (today + "00", today + "01");
        await store.RunAsync("record", "add", "new.cctv.com", "A", "192.0.2.5");
        Assert.Matches($@"cctv\.com\.\s+{first}\s", (await store.RunAsync("zone", "list")).Output);
        Assert.Equal(counter + 1, store.ChangeCounter());
        await store.RunAsync("record", "remove", "new.cctv.com");
        Assert.Matches($@"cctv\.com\.\s+{second}\s", (await store.RunAsync("zone", "list")).Output);
        Assert.Equal(counter + 2, store.ChangeCounter());
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Names_may_be_relative_to_a_zone_or_absolute_and_are_stored_lowercase(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        Assert.Equal(0, (await store.RunAsync("record", "add", "Rel", "MX", "10", "Mail", "--zone", "cctv.com")).ExitCode);
        Assert.Equal(0, (await store.RunAsync("record", "add", "ABS.CCTV.COM.", "TXT", "two words", "second")).ExitCode);
        var listed = (await store.RunAsync("record", "list", "cctv.com")).Output;
        // Owners are stored lowercase; names inside data keep the case they were given (DNS preserves it).
        Assert.Matches(@"rel\.cctv\.com\.\s+3600\s+MX\s+10 Mail\.cctv\.com\.", listed);
        Assert.Matches("abs\\.cctv\\.com\\.\\s+3600\\s+TXT\\s+\"two words\" \"second\"", listed);
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task A_ttl_given_for_an_existing_rrset_applies_to_the_whole_set(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        Assert.Equal(0, (await store.RunAsync("record", "add", "news.cctv.com", "A", "192.0.2.83", "--ttl", "120")).ExitCode);
        var listed = (await store.RunAsync("record", "list", "news.cctv.com", "--json")).Output;
        var ttls = JsonDocument.Parse(listed).RootElement.EnumerateArray().Where(r => r.GetProperty("type").GetString() == "A").Select(r => r.GetProperty("ttl").GetUInt32());
        Assert.All(ttls, ttl => Assert.Equal(120u, ttl));
    }

    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task Removing_nothing_is_not_an_error(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var result = await store.RunAsync("record", "remove", "nothing.cctv.com");
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("unchanged", result.Output);
    }
}
