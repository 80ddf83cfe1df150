using System.Text;
using MiniDns.Wire;
using MiniDns.Zones;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Zones;

/// <summary>
/// A zone rebuilt from an old one and a few changed names must be the zone a build from all records gives:
/// same nodes (empty non-terminals included), RRsets, cuts, DNAMEs, wildcard links and additional data,
/// after any sequence of edits.
/// </summary>
public sealed class ZoneRebuildTests
{
    private const string Base = """
        $ORIGIN p.test.
        $TTL 300
        @ IN SOA ns1 h 1 2 3 4 5
        @ IN NS ns1
        @ IN MX 10 mail
        ns1 IN A 192.0.2.1
        mail IN A 192.0.2.25
        a.b.c IN A 192.0.2.3
        *.wild IN A 192.0.2.99
        x.y.wild IN TXT "deep"
        sub IN NS ns.sub
        ns.sub IN A 192.0.2.53
        old IN DNAME new.p.test.
        _s._udp IN SRV 0 0 53 mail
        """;

    private static readonly string[] Pool =
    [
        "p.test.", "ns1.p.test.", "mail.p.test.", "a.b.c.p.test.", "b.c.p.test.", "c.p.test.", "q.r.s.t.p.test.",
        "s.t.p.test.", "*.wild.p.test.", "x.y.wild.p.test.", "y.wild.p.test.", "*.c.p.test.", "z.*.c.p.test.",
        "sub.p.test.", "ns.sub.p.test.", "deep.ns.sub.p.test.", "old.p.test.", "new.p.test.", "mx2.p.test.",
    ];

    private static List<ZoneRecord> RandomRecords(Random random, byte[] owner)
    {
        var records = new List<ZoneRecord>();
        bool apex = owner.AsSpan().SequenceEqual(Name("p.test."));
        if (apex)
        {
            records.Add(new ZoneRecord(owner, RecordType.SOA, 300, RdataFor(RecordType.SOA, $"ns1.p.test. h.p.test. {random.Next(2, 1000)} 2 3 4 5")));
            records.Add(new ZoneRecord(owner, RecordType.NS, 300, RdataFor(RecordType.NS, "ns1.p.test.")));
        }
        int count = random.Next(0, 4);
        for (int i = 0; i < count; i++)
        {
            var (type, data) = random.Next(6) switch
            {
                0 => (RecordType.A, $"192.0.2.{random.Next(1, 255)}"),
                1 => (RecordType.AAAA, $"2001:db8::{random.Next(1, 999)}"),
                2 => (RecordType.TXT, $"\"t{random.Next(10)}\""),
                3 => (RecordType.MX, $"10 {Pool[random.Next(Pool.Length)]}"),
                4 => (RecordType.NS, Pool[random.Next(Pool.Length)]),
                _ => (RecordType.SRV, $"0 0 53 {Pool[random.Next(Pool.Length)]}"),
            };
            if (apex && type == RecordType.NS)
                continue;
            records.Add(new ZoneRecord(owner, type, 300, RdataFor(type, data)));
        }
        return records;
    }

    private static byte[] RdataFor(ushort type, string text)
    {
        var tokens = text.Split(' ').Select(t => t.StartsWith('"') ? new TextToken(t.Trim('"'), true) : new TextToken(t, false)).ToList();
        Assert.True(RdataText.TryParse(type, tokens, [], out var data, out var error), error);
        return data;
    }

    private static string Describe(Zone zone)
    {
        var lines = new List<string> { $"records {zone.RecordCount} negative-ttl {zone.NegativeSoaTtl} serial {zone.Serial}" };
        foreach (var node in zone.Nodes)
        {
            var line = new StringBuilder(NameText.Format(node.Name.Span));
            line.Append(node.Sets.Count == 0 ? " ENT" : "");
            foreach (var set in node.Sets)
            {
                line.Append($" [{RecordType.ToText(set.Type)} {set.Ttl} {string.Join(",", set.Records.ToArrays().Select(r => RdataText.Format(set.Type, r)).Order())}");
                line.Append($" +{string.Join(",", set.Additional.Select(a => $"{NameText.Format(a.Owner.Span)}/{RecordType.ToText(a.Type)}").Order())}]");
            }
            line.Append($" cut={node.Delegation is not null} below-cut={node.IsBelowCut} dname={node.Dname is not null} wild={(node.Wildcard is { } w ? NameText.Format(w.Name.Span) : "-")}");
            lines.Add(line.ToString());
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines);
    }

    [Fact]
    public void Random_edit_sequences_rebuild_to_what_a_full_build_gives()
    {
        var random = new Random(20261127);
        for (int sequence = 0; sequence < 40; sequence++)
        {
            var file = MasterFileParser.Parse(Base, "p.zone");
            var zone = ZoneBuilder.Build(file.Origin!, file.Records);
            var all = file.Records.GroupBy(r => NameText.Format(r.Owner)).ToDictionary(g => g.Key, g => g.ToList());
            for (int step = 0; step < 15; step++)
            {
                var changes = new Dictionary<byte[], IReadOnlyList<ZoneRecord>>(NameComparer.Instance);
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    var owner = Name(Pool[random.Next(Pool.Length)]);
                    var records = RandomRecords(random, owner);
                    changes[owner] = records;
                    all[NameText.Format(owner)] = records;
                }
                zone = ZoneBuilder.Rebuild(zone, changes);
                var rebuilt = ZoneBuilder.Build(zone.Origin, all.Values.SelectMany(r => r));
                Assert.Equal(Describe(rebuilt), Describe(zone));
            }
        }
    }

    [Fact]
    public void The_old_zone_is_left_as_it_was()
    {
        var file = MasterFileParser.Parse(Base, "p.zone");
        var zone = ZoneBuilder.Build(file.Origin!, file.Records);
        string before = Describe(zone);
        var changes = new Dictionary<byte[], IReadOnlyList<ZoneRecord>>(NameComparer.Instance)
        {
            [Name("mail.p.test.")] = [],
            [Name("*.wild.p.test.")] = [],
            [Name("ns.sub.p.test.")] = [new ZoneRecord(Name("ns.sub.p.test."), RecordType.A, 300, [192, 0, 2, 54])],
        };
        var rebuilt = ZoneBuilder.Rebuild(zone, changes);
        Assert.Equal(before, Describe(zone));
        Assert.NotEqual(before, Describe(rebuilt));
    }
}
