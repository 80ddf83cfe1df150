using LiteDB;
using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Storage;

/// <summary>The store keeps each zone's names apart, even where a parent and a child zone share one.</summary>
public sealed class ZoneStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("minidns-store-").FullName;
    private ZoneStore _store;

    public ZoneStoreTests() => _store = new ZoneStore(StorePath);

    private string StorePath => Path.Combine(_folder, "store.db");

    // The file as LiteDB sees it; the store is closed first, since one process at a time owns the file.
    private LiteDatabase Raw()
    {
        _store.Dispose();
        return new(new ConnectionString { Filename = StorePath, Connection = ConnectionType.Direct });
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
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

    [Fact]
    public void A_zone_grown_one_name_at_a_time_spreads_over_more_blocks()
    {
        _store.AddZone(Name("grow.test."), [Name("ns1.grow.test.")], Name("hostmaster.grow.test."), 60);
        for (int i = 0; i < 600; i++)
            _store.AddRecord(Name($"h{i}.grow.test."), RecordType.A, [192, 0, 2, (byte)i], 60);

        var zone = _store.LoadSnapshot().Zones.Single();
        Assert.Equal(602, zone.RecordCount);
        Assert.Equal(602, _store.ListRecords(Name("grow.test.")).Count);
        Assert.Equal([192, 0, 2, 0xff], zone.Find(Name("h255.grow.test."))!.Value.Find(RecordType.A)!.Value.Records[0].ToArray());
        using var raw = Raw();
        int blocks = raw.GetCollection("zones").FindById("grow.test.")["blocks"].AsInt32;
        Assert.True(blocks >= 4, $"{blocks} blocks");
        var sizes = raw.GetCollection("blocks").FindAll().Select(b => NameBlock.Decode(b["d"].AsBinary).Count).ToList();
        Assert.Equal(601, sizes.Sum());
        Assert.All(sizes, size => Assert.InRange(size, 1, 256));
    }

    [Fact]
    public void A_damaged_block_makes_the_store_unreadable_with_one_message()
    {
        Import("$ORIGIN d.test.\n@ 60 IN SOA ns1 h 1 2 3 4 5\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\n");
        using (var raw = Raw())
        {
            var blocks = raw.GetCollection("blocks");
            var block = blocks.FindAll().First();
            block["d"] = new byte[] { 3, (byte)'w', (byte)'w' };
            blocks.Update(block);
        }
        _store = new ZoneStore(StorePath);
        var e = Assert.Throws<ZoneStoreException>(() => _store.LoadSnapshot());
        Assert.Equal($"{StorePath} is not a readable MiniDns store: a block of names is damaged", e.Message);
    }

    [Fact]
    public void A_damaged_block_count_refuses_edits_and_writes_nothing()
    {
        Import("$ORIGIN d.test.\n@ 60 IN SOA ns1 h 1 2 3 4 5\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\n");
        using (var raw = Raw())
        {
            var zones = raw.GetCollection("zones");
            var zone = zones.FindById("d.test.");
            zone["blocks"] = 3;
            zones.Update(zone);
        }
        _store = new ZoneStore(StorePath);
        var before = File.ReadAllBytes(StorePath);
        var e = Assert.Throws<ZoneStoreException>(() => _store.AddRecord(Name("new.d.test."), RecordType.A, [192, 0, 2, 2], 60));
        Assert.Equal($"{StorePath} is not a readable MiniDns store: zone d.test. has a bad block count", e.Message);
        Assert.Equal(before, File.ReadAllBytes(StorePath));
    }

    [Fact]
    public void No_way_into_the_store_hides_names_of_a_parent_under_a_hosted_child()
    {
        // Found by attack: zone edit refused them, but import --replace and zone add let them in.
        Import("$ORIGIN p.test.\n@ 60 IN SOA ns1 h 1 2 3 4 5\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\nwww.deep 60 IN A 192.0.2.9\n");
        var add = Assert.Throws<ZoneDataException>(() => _store.AddZone(Name("deep.p.test."), [Name("ns1.p.test.")], Name("h.p.test."), 60));
        Assert.Contains("zone p.test. holds names below deep.p.test. (1 records, the first: www.deep.p.test. 60 IN A 192.0.2.9): move or remove them first", add.Errors);

        _store.RemoveRecords(Name("www.deep.p.test."), null, null);
        _store.AddZone(Name("deep.p.test."), [Name("ns1.p.test.")], Name("h.p.test."), 60);
        var parent = MasterFileParser.Parse("$ORIGIN p.test.\n@ 60 IN SOA ns1 h 1 2 3 4 5\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\nwww.deep 60 IN A 192.0.2.9\n", "p.zone");
        var replace = Assert.Throws<ZoneDataException>(() => _store.ImportZone(parent.Origin!, parent.Records, replace: true));
        Assert.Contains("belongs to zone deep.p.test.", Assert.Single(replace.Errors));
    }

    [Fact]
    public void A_zone_given_twice_in_one_import_is_named_as_such()
    {
        var file = MasterFileParser.Parse("$ORIGIN two.test.\n@ 60 IN SOA ns1 h 1 2 3 4 5\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\n", "t.zone");
        var content = new ZoneContent(file.Origin!, file.Records);
        var error = Assert.Throws<ZoneDataException>(() => _store.ImportZones([content, content], replace: false));
        Assert.Equal(["zone two.test. is given 2 times"], error.Errors);
        Assert.Empty(_store.ListZones());
    }
}
