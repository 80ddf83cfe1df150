using MiniDns.Storage;
using MiniDns.Tests.Support;
using MiniDns.Wire;
using MiniDns.Zones;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Storage;

/// <summary>
/// A snapshot rebuilt from the change log must equal one loaded from the whole store, whatever the edits;
/// a reader too far behind gets no log and loads everything.
/// </summary>
public sealed class ChangeLogTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("minidns-log-").FullName;
    private readonly ZoneStore _store;

    public ChangeLogTests()
    {
        _store = new ZoneStore(Path.Combine(_folder, "store.db"));
        var files = Directory.GetFiles(Repository.ZonesFolder, "*.zone").Select(f => MasterFileParser.ParseFile(f));
        _store.ImportZones(files.Select(f => new ZoneContent(f.Origin!, f.Records)).ToList(), replace: false);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static Dictionary<string, HashSet<string>> Contents(ZoneSnapshot snapshot) =>
        snapshot.Zones.ToDictionary(z => NameText.Format(z.Origin), z => z.EnumerateRecords().Select(r => r.ToString()).ToHashSet());

    private void AssertRebuiltEqualsLoaded(ZoneSnapshot before)
    {
        var changes = _store.ReadChangesSince(before.Version);
        Assert.NotNull(changes);
        var rebuilt = changes.ApplyTo(before);
        var loaded = _store.LoadSnapshot();
        Assert.Equal(loaded.Version, rebuilt.Version);
        Assert.Equal(Contents(loaded), Contents(rebuilt));
    }

    [Fact]
    public void Record_edits_are_applied_name_by_name()
    {
        var before = _store.LoadSnapshot();
        _store.AddRecord(Name("new.cctv.com."), RecordType.A, [192, 0, 2, 200], 60);
        _store.AddRecord(Name("deep.er.cctv.com."), RecordType.TXT, [2, (byte)'h', (byte)'i'], null);
        _store.RemoveRecords(Name("news.cctv.com."), RecordType.AAAA, null);
        _store.RemoveRecords(Name("sip.cctv.com."), null, null);
        var changes = _store.ReadChangesSince(before.Version)!;
        Assert.False(changes.Zones["cctv.com."].Whole);
        Assert.Contains("deep.er.cctv.com.", changes.Zones["cctv.com."].Names);
        AssertRebuiltEqualsLoaded(before);
    }

    [Fact]
    public void Zone_adds_removals_and_replacements_are_applied_whole()
    {
        var before = _store.LoadSnapshot();
        _store.AddZone(Name("added.test."), [Name("ns1.added.test.")], Name("hostmaster.added.test."), 3600);
        _store.RemoveZone(Name("baidu.com."));
        var file = MasterFileParser.Parse("$ORIGIN cctv.com.\n@ 60 IN SOA ns1 h 9 2 3 4 5\n@ 60 IN NS ns1\nonly 60 IN A 192.0.2.9\n", "r.zone");
        _store.ImportZone(file.Origin!, file.Records, replace: true);
        AssertRebuiltEqualsLoaded(before);
    }

    [Fact]
    public void A_reader_too_far_behind_gets_no_log()
    {
        var before = _store.LoadSnapshot();
        for (int i = 0; i < 300; i++)
            _store.AddRecord(Name($"n{i}.cctv.com."), RecordType.A, [192, 0, 2, (byte)i], null);
        Assert.Null(_store.ReadChangesSince(before.Version));
        Assert.NotNull(_store.ReadChangesSince(_store.ReadChangeCounter() - 10));
    }
}
