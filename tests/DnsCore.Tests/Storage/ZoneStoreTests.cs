using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Storage;

/// <summary>The store keeps each zone's names apart, even where a parent and a child zone share one.</summary>
public sealed class ZoneStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("minidns-store-").FullName;
    private readonly ZoneStore _store;

    public ZoneStoreTests() => _store = new ZoneStore(Path.Combine(_folder, "store.db"));

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static byte[] Name(string text)
    {
        Assert.True(NameText.TryParse(text, [], out var name, out var error), error);
        return name;
    }

    private void Import(string text)
    {
        var file = MasterFileParser.Parse(text, "z.zone");
        Assert.True(file.IsValid, string.Join("\n", file.Errors));
        _store.ImportZone(file.Origin!, file.Records, replace: false);
    }

    [Fact]
    public void A_parent_and_its_hosted_child_may_both_hold_the_glue_name()
    {
        // The parent's glue for ns.sub and the child's own address record have the same owner name.
        Import("$ORIGIN p.test.\n@ 60 IN SOA ns1 h 1 2 3 4 5\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\nsub 60 IN NS ns.sub\nns.sub 60 IN A 192.0.2.53\n");
        Import("$ORIGIN sub.p.test.\n@ 60 IN SOA ns h 1 2 3 4 5\n@ 60 IN NS ns\nns 60 IN A 192.0.2.54\n");

        _store.AddRecord(Name("ns.sub.p.test."), RecordType.AAAA, new byte[16], 60);

        var snapshot = _store.LoadSnapshot();
        string Records(string zone) => string.Join("\n", snapshot.Zones.Single(z => NameText.Format(z.Origin) == zone)
            .EnumerateRecords().Where(r => r.OwnerText == "ns.sub.p.test.").Select(r => r.ToString()).Order());
        Assert.Equal("ns.sub.p.test. 60 IN A 192.0.2.53", Records("p.test."));
        Assert.Equal("ns.sub.p.test. 60 IN A 192.0.2.54\nns.sub.p.test. 60 IN AAAA ::", Records("sub.p.test."));
        Assert.Equal(5, _store.ListRecords(Name("p.test.")).Count);
    }
}
