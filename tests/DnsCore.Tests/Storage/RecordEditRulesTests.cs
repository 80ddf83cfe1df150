using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Storage;

/// <summary>The edit rules on their own: one name's records before and after an edit, no store.</summary>
public sealed class RecordEditRulesTests
{
    private static readonly byte[] Origin = Name("example.test.");
    private static readonly byte[] Www = Name("www.example.test.");
    private static readonly byte[] Address1 = [192, 0, 2, 1], Address2 = [192, 0, 2, 2];

    private static readonly ZoneRecord[] Apex =
    [
        ..RecordEditRules.NewZone(Origin, [Name("ns1.example.test."), Name("ns2.example.test.")], Name("hostmaster.example.test."), 300, new DateOnly(2026, 12, 4)),
        new(Origin, RecordType.MX, 300, [0, 10, .. Name("mail.example.test.")]),
    ];

    private static string Text(IEnumerable<ZoneRecord> records) => string.Join("\n", records.Select(r => r.ToString()).Order());

    [Fact]
    public void A_new_zone_has_a_date_serial_the_first_name_server_as_mname_and_each_name_server_once()
    {
        var records = RecordEditRules.NewZone(Origin, [Name("ns1.example.test."), Name("ns1.example.test."), Name("ns2.example.test.")], Name("h.example.test."), 60, new DateOnly(2026, 12, 4));
        Assert.Equal(
            "example.test. 60 IN NS ns1.example.test.\nexample.test. 60 IN NS ns2.example.test.\n" +
            "example.test. 60 IN SOA ns1.example.test. h.example.test. 2026120400 7200 3600 1209600 300",
            Text(records));
        Assert.Throws<ZoneStoreException>(() => RecordEditRules.NewZone(Origin, [], Name("h.example.test."), 60, new DateOnly(2026, 12, 4)));
    }

    [Fact]
    public void A_ttl_with_the_top_bit_set_is_refused_in_an_edit_and_is_0_when_a_primary_sends_it()
    {
        // RFC 2181 8 (found by attack: 4294967295 was stored and served as such).
        var error = Assert.Throws<ZoneStoreException>(() => RecordEditRules.Apply(RecordEdit.Add(Www, RecordType.A, Address1, 2147483648), Www, Origin, []));
        Assert.Equal("TTL 2147483648 is more than 2147483647, the largest a TTL may be (RFC 2181 8)", error.Message);
        Assert.Throws<ZoneStoreException>(() => RecordEditRules.NewZone(Origin, [Name("ns1.example.test.")], Name("h.example.test."), uint.MaxValue, new DateOnly(2026, 12, 6)));
        Assert.NotNull(RecordEditRules.Apply(RecordEdit.Add(Www, RecordType.A, Address1, 2147483647), Www, Origin, []));

        var received = RecordEditRules.Normalise([new ZoneRecord(Www, RecordType.A, uint.MaxValue, Address1), new ZoneRecord(Www, RecordType.TXT, 2147483647, [1, 120])]);
        Assert.Equal("www.example.test. 0 IN A 192.0.2.1\nwww.example.test. 2147483647 IN TXT \"x\"", Text(received));
    }

    [Fact]
    public void An_add_joins_the_rrset_and_its_ttl_applies_to_the_whole_set()
    {
        var existing = new[] { new ZoneRecord(Www, RecordType.A, 300, Address1) };
        var (after, changed) = RecordEditRules.Apply(RecordEdit.Add(Www, RecordType.A, Address2, 60), Www, Origin, existing)!.Value;
        Assert.Equal(1, changed);
        Assert.Equal("www.example.test. 60 IN A 192.0.2.1\nwww.example.test. 60 IN A 192.0.2.2", Text(after));

        var (kept, _) = RecordEditRules.Apply(RecordEdit.Add(Www, RecordType.A, Address2, null), Www, Origin, existing)!.Value;
        Assert.Equal("www.example.test. 300 IN A 192.0.2.1\nwww.example.test. 300 IN A 192.0.2.2", Text(kept));

        var (fresh, _) = RecordEditRules.Apply(RecordEdit.Add(Www, RecordType.A, Address1, null), Www, Origin, [])!.Value;
        Assert.Equal($"www.example.test. {RecordEditRules.DefaultTtl} IN A 192.0.2.1", Text(fresh));
    }

    [Fact]
    public void An_edit_that_changes_nothing_says_so()
    {
        var existing = new[] { new ZoneRecord(Www, RecordType.A, 300, Address1) };
        Assert.Null(RecordEditRules.Apply(RecordEdit.Add(Www, RecordType.A, Address1, 300), Www, Origin, existing));
        Assert.Null(RecordEditRules.Apply(RecordEdit.Add(Www, RecordType.A, Address1, null), Www, Origin, existing));
        Assert.Null(RecordEditRules.Apply(RecordEdit.Set(Www, RecordType.A, [Address1, Address1], 300), Www, Origin, existing));
        Assert.Null(RecordEditRules.Apply(RecordEdit.Remove(Www, RecordType.AAAA, null), Www, Origin, existing));
        Assert.NotNull(RecordEditRules.Apply(RecordEdit.Add(Www, RecordType.A, Address1, 301), Www, Origin, existing));
    }

    [Fact]
    public void A_set_replaces_one_rrset_and_leaves_the_others()
    {
        var existing = new[] { new ZoneRecord(Www, RecordType.A, 300, Address1), new ZoneRecord(Www, RecordType.TXT, 300, [1, (byte)'x']) };
        var (after, changed) = RecordEditRules.Apply(RecordEdit.Set(Www, RecordType.A, [Address2, Address2], null), Www, Origin, existing)!.Value;
        Assert.Equal(1, changed);
        Assert.Equal("www.example.test. 300 IN A 192.0.2.2\nwww.example.test. 300 IN TXT \"x\"", Text(after));
    }

    [Fact]
    public void A_remove_takes_a_record_a_type_or_the_name_and_counts_them()
    {
        var existing = new[] { new ZoneRecord(Www, RecordType.A, 300, Address1), new ZoneRecord(Www, RecordType.A, 300, Address2), new ZoneRecord(Www, RecordType.TXT, 300, [1, (byte)'x']) };
        Assert.Equal(1, RecordEditRules.Apply(RecordEdit.Remove(Www, RecordType.A, Address1), Www, Origin, existing)!.Value.Changed);
        Assert.Equal(2, RecordEditRules.Apply(RecordEdit.Remove(Www, RecordType.A, null), Www, Origin, existing)!.Value.Changed);
        var (after, changed) = RecordEditRules.Apply(RecordEdit.Remove(Www, null, null), Www, Origin, existing)!.Value;
        Assert.Equal(3, changed);
        Assert.Empty(after);
    }

    public static TheoryData<string, RecordEdit, string> Refusals() => new()
    {
        { "apex SOA", RecordEdit.Remove(Origin, RecordType.SOA, null), "the SOA of example.test. cannot be removed (remove the zone instead)" },
        { "whole apex", RecordEdit.Remove(Origin, null, null), "the SOA of example.test. cannot be removed (remove the zone instead)" },
        { "apex NS", RecordEdit.Remove(Origin, RecordType.NS, null), "the last NS records of example.test. cannot be removed: a zone needs a name server" },
        { "SOA added", RecordEdit.Add(Origin, RecordType.SOA, new byte[22], null), "the SOA record is made by 'zone add' and kept by MiniDns; it cannot be added" },
        { "ANY stored", RecordEdit.Add(Origin, RecordType.ANY, [], null), "ANY cannot be stored in a zone" },
        { "type 0", RecordEdit.Set(Origin, 0, [[1]], null), "TYPE0 cannot be stored in a zone" },
        { "add without data", new RecordEdit(RecordEditKind.Add, Origin, RecordType.A, [], null), "a add edit of example.test. needs a type and record data" },
        { "remove of two records", new RecordEdit(RecordEditKind.Remove, Origin, RecordType.A, [Address1, Address2], null), "a remove edit of example.test. needs a type and at most one record" },
        { "CNAME at the apex", RecordEdit.Add(Origin, RecordType.CNAME, Name("elsewhere.test."), null), "" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void What_would_break_the_zone_is_refused(string what, RecordEdit edit, string message)
    {
        var error = Assert.Throws<ZoneStoreException>(() => RecordEditRules.Apply(edit, DnsName.ToLowerCopy(edit.Owner), Origin, Apex));
        if (message.Length > 0)
            Assert.Equal(message, error.Message);
        else
            Assert.Contains("CNAME", error.Message);
        Assert.NotEmpty(what);
    }

    [Fact]
    public void A_cname_beside_other_data_is_refused_and_one_alone_is_taken()
    {
        var existing = new[] { new ZoneRecord(Www, RecordType.A, 300, Address1) };
        Assert.Throws<ZoneStoreException>(() => RecordEditRules.Apply(RecordEdit.Add(Www, RecordType.CNAME, Name("other.test."), null), Www, Origin, existing));
        var (after, _) = RecordEditRules.Apply(RecordEdit.Add(Www, RecordType.CNAME, Name("other.test."), null), Www, Origin, [])!.Value;
        Assert.Single(after);
    }

    [Fact]
    public void New_content_keeps_a_serial_the_user_moved_forward_else_follows_the_policy()
    {
        var now = new DateTime(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal(2026120500u, SerialPolicy.ForContent(SerialPolicy.Date, 2026120401, 2026120500, now));
        Assert.Equal(2026120402u, SerialPolicy.ForContent(SerialPolicy.Date, 2026120401, 2026120401, now));
        Assert.Equal(8u, SerialPolicy.ForContent(SerialPolicy.Increment, 7, 3, now));
        Assert.Equal(0u, SerialPolicy.ForContent(SerialPolicy.Increment, uint.MaxValue, uint.MaxValue, now)); // RFC 1982: 0 follows 2^32-1
    }

    [Fact]
    public void Normalising_keeps_each_record_once_names_without_case_and_the_smallest_ttl_even_of_a_duplicate()
    {
        var records = RecordEditRules.Normalise(
        [
            new(Www, RecordType.A, 600, Address1), new(Www, RecordType.A, 60, Address1), new(Www, RecordType.A, 300, Address2),
            new(Origin, RecordType.NS, 300, Name("ns1.example.test.")), new(Origin, RecordType.NS, 300, Name("NS1.Example.Test.")),
            new(Www, RecordType.TXT, 300, [1, (byte)'A']), new(Www, RecordType.TXT, 300, [1, (byte)'a']),
        ]);
        Assert.Equal(
            "example.test. 300 IN NS ns1.example.test.\nwww.example.test. 300 IN TXT \"a\"\nwww.example.test. 300 IN TXT \"A\"\n" +
            "www.example.test. 60 IN A 192.0.2.1\nwww.example.test. 60 IN A 192.0.2.2", Text(records));
    }

    [Fact]
    public void An_added_name_server_that_differs_only_in_case_is_already_there()
    {
        var existing = new[] { new ZoneRecord(Origin, RecordType.NS, 300, Name("ns1.example.test.")) };
        Assert.Null(RecordEditRules.Apply(RecordEdit.Add(Origin, RecordType.NS, Name("NS1.EXAMPLE.TEST."), null), Origin, Origin, existing));
    }

    [Fact]
    public void The_parent_side_of_a_hosted_child_keeps_ns_ds_and_glue_and_nothing_else()
    {
        var child = Name("sub.example.test.");
        var ns = Name("ns.sub.example.test.");
        var errors = RecordEditRules.CheckChildZones(
        [
            new(child, RecordType.NS, 300, ns), new(child, RecordType.DS, 300, [0x30, 0x39, 13, 2, .. new byte[32]]),
            new(ns, RecordType.A, 300, Address1), new(Name("www.sub.example.test."), RecordType.A, 300, Address2),
        ], [child]);
        Assert.Equal(["www.sub.example.test. 300 IN A 192.0.2.2: the name belongs to zone sub.example.test. in the store; edit it there"], errors);
    }
}
