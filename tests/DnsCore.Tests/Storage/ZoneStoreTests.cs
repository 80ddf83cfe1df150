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
    private readonly ZoneStore _store;

    public ZoneStoreTests() => _store = new ZoneStore(StorePath);

    private string StorePath => Path.Combine(_folder, "store.db");

    // The file as LiteDB sees it, beside the store (both in shared mode, as the CLI and the server are).
    private LiteDatabase Raw() => new(new ConnectionString { Filename = StorePath, Connection = ConnectionType.Shared });

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
    public async Task A_store_with_one_document_per_name_is_moved_into_blocks_once()
    {
        _store.Dispose();
        File.Delete(StorePath);
        using (var raw = Raw())
        {
            // The layout MiniDns wrote before blocks.
            raw.GetCollection("zones").Insert(new BsonDocument { ["_id"] = "old.test.", ["serial"] = 7L, ["records"] = 3 });
            BsonDocument Doc(string name, int type, byte[] data) => new()
            {
                ["_id"] = $"{name} old.test.", ["n"] = name, ["z"] = "old.test.",
                ["r"] = new BsonArray(new BsonDocument { ["t"] = type, ["l"] = 60L, ["d"] = data }),
            };
            var soa = (byte[])[.. Name("ns.old.test."), .. Name("h.old.test."), 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4];
            var names = raw.GetCollection("names");
            names.Insert(new BsonDocument
            {
                ["_id"] = "old.test. old.test.", ["n"] = "old.test.", ["z"] = "old.test.",
                ["r"] = new BsonArray(
                    new BsonDocument { ["t"] = (int)RecordType.SOA, ["l"] = 60L, ["d"] = soa },
                    new BsonDocument { ["t"] = (int)RecordType.NS, ["l"] = 60L, ["d"] = Name("ns.old.test.") }),
            });
            names.Insert(Doc("ns.old.test.", RecordType.A, [192, 0, 2, 9]));
            raw.GetCollection("meta").Insert(new BsonDocument { ["_id"] = "changes", ["value"] = 5L });
        }

        // Two programs opening the old store at once: one moves the documents, the other finds them moved.
        var opened = await Task.WhenAll(Task.Run(() => new ZoneStore(StorePath)), Task.Run(() => new ZoneStore(StorePath)));
        opened[1].Dispose();
        using var store = opened[0];
        Assert.Equal(
            ["old.test. 60 IN SOA ns.old.test. h.old.test. 7 1 2 3 4", "ns.old.test. 60 IN A 192.0.2.9", "old.test. 60 IN NS ns.old.test."],
            store.ListRecords(Name("old.test.")).Select(r => r.ToString()));
        Assert.True(store.ReadChangeCounter() > 5, "readers must see the store changed");
        using var raw2 = Raw();
        Assert.False(raw2.CollectionExists("names"));
        Assert.Equal(1, raw2.GetCollection("zones").FindById("old.test.")["blocks"].AsInt32);
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
        var before = File.ReadAllBytes(StorePath);
        var e = Assert.Throws<ZoneStoreException>(() => _store.AddRecord(Name("new.d.test."), RecordType.A, [192, 0, 2, 2], 60));
        Assert.Equal($"{StorePath} is not a readable MiniDns store: zone d.test. has a bad block count", e.Message);
        Assert.Equal(before, File.ReadAllBytes(StorePath));
    }
}
