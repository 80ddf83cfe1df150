using MiniDns.Storage;
using MiniDns.Transfer;
using MiniDns.Wire;
using MiniDns.Zones;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Storage;

/// <summary>
/// A secondary zone in the store: SERVFAIL until its first transfer, refused to local edits, whole transfers
/// and IXFR differences landing in one transaction (or not at all), expiry, and the journal following so
/// that our own secondaries can copy from us in turn.
/// </summary>
public sealed class SecondaryZoneStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("minidns-secondary-").FullName;
    private readonly ZoneStore _store;
    private static readonly byte[] Origin = Name("copy.test.");

    public SecondaryZoneStoreTests() => _store = new ZoneStore(Path.Combine(_folder, "store.db"));

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static ZoneRecord Soa(uint serial) =>
        new(Origin, RecordType.SOA, 300, [.. Name("ns1.copy.test."), .. Name("h.copy.test."),
            (byte)(serial >> 24), (byte)(serial >> 16), (byte)(serial >> 8), (byte)serial, 0, 0, 14, 16, 0, 0, 2, 88, 0, 1, 81, 128, 0, 0, 1, 44]);

    private static ZoneRecord A(string owner, byte last) => new(Name(owner), RecordType.A, 300, [192, 0, 2, last]);

    private static readonly ZoneRecord[] Content =
        [Soa(10), new(Origin, RecordType.NS, 300, Name("ns1.copy.test.")), A("ns1.copy.test.", 1), A("www.copy.test.", 2)];

    private Zone Served() => _store.LoadSnapshot().Zones.Single(z => z.Origin.AsSpan().SequenceEqual(Origin));

    private string[] Texts() => _store.ListRecords(Origin).Select(r => r.ToString()).Order().ToArray();

    [Fact]
    public void A_new_secondary_zone_is_unavailable_until_its_first_transfer_and_then_served_with_the_primarys_serial()
    {
        _store.AddSecondaryZone(Origin, "127.0.0.5:5300", null);
        Assert.True(Served().Unavailable);
        var listed = Assert.Single(_store.ListSecondaries());
        Assert.Equal(("127.0.0.5:5300", false), (listed.Primary, listed.Loaded));

        _store.StoreWholeTransfer(Origin, Content, "last transfer in: test", 1000);

        var zone = Served();
        Assert.False(zone.Unavailable);
        Assert.Equal(10u, zone.Serial);
        Assert.Equal(4, zone.RecordCount);
        Assert.Equal("127.0.0.5:5300", _store.ListSecondaries()[0].Primary); // the primary survives the content's replacement
    }

    [Fact]
    public void Local_edits_of_a_secondary_zone_are_refused_and_change_nothing()
    {
        _store.AddSecondaryZone(Origin, "127.0.0.5", null);
        _store.StoreWholeTransfer(Origin, Content, "in", 1000);
        var before = Texts();

        Assert.Contains("is a secondary of 127.0.0.5:53", Assert.Throws<ZoneStoreException>(() => _store.AddRecord(Name("new.copy.test."), RecordType.A, [192, 0, 2, 9], 60)).Message);
        Assert.Throws<ZoneStoreException>(() => _store.RemoveRecords(Name("www.copy.test."), null, null));
        Assert.Throws<ZoneStoreException>(() => _store.SetSerial(Origin, null, null, bump: true));
        Assert.Throws<ZoneStoreException>(() => _store.ImportZone(Origin, Content, replace: true));

        Assert.Equal(before, Texts());
        Assert.Equal(10u, Served().Serial);
    }

    [Fact]
    public void Ixfr_differences_are_applied_and_the_journal_follows_them()
    {
        _store.AddSecondaryZone(Origin, "127.0.0.5", null);
        _store.StoreWholeTransfer(Origin, Content, "in", 1000);

        _store.StoreIncrementalTransfer(Origin,
        [
            new TransferStep(10, 11, [Soa(10), A("www.copy.test.", 2)], [Soa(11), A("www.copy.test.", 3)]),
            new TransferStep(11, 12, [Soa(11)], [Soa(12), A("mail.copy.test.", 4)]),
        ], "in", 2000);

        Assert.Equal(12u, Served().Serial);
        Assert.Contains("www.copy.test. 300 IN A 192.0.2.3", Texts());
        Assert.Contains("mail.copy.test. 300 IN A 192.0.2.4", Texts());
        Assert.DoesNotContain("www.copy.test. 300 IN A 192.0.2.2", Texts());
        var journal = _store.ReadJournal(Origin);
        Assert.Equal((10u, 12u), (journal[0].From, journal[^1].To));
        Assert.Equal(5, Served().RecordCount);
        Assert.Equal(5, _store.ListZones().Single(z => z.Origin == "copy.test.").RecordCount);
    }

    [Fact]
    public void Differences_that_do_not_fit_what_is_held_change_nothing()
    {
        _store.AddSecondaryZone(Origin, "127.0.0.5", null);
        _store.StoreWholeTransfer(Origin, Content, "in", 1000);
        var before = Texts();

        // From a serial we do not hold; removing a record we do not have; adding one we have.
        Assert.Throws<ZoneStoreException>(() => _store.StoreIncrementalTransfer(Origin, [new TransferStep(9, 11, [Soa(9)], [Soa(11)])], "in", 2000));
        Assert.Throws<ZoneStoreException>(() => _store.StoreIncrementalTransfer(Origin, [new TransferStep(10, 11, [Soa(10), A("nothere.copy.test.", 7)], [Soa(11)])], "in", 2000));
        Assert.Throws<ZoneStoreException>(() => _store.StoreIncrementalTransfer(Origin, [new TransferStep(10, 11, [Soa(10)], [Soa(11), A("www.copy.test.", 2)])], "in", 2000));
        // Leaving the zone without its NS: the zone could not be served.
        Assert.ThrowsAny<Exception>(() => _store.StoreIncrementalTransfer(Origin,
            [new TransferStep(10, 11, [Soa(10), new(Origin, RecordType.NS, 300, Name("ns1.copy.test."))], [Soa(11)])], "in", 2000));

        // A CNAME beside the A of www: only the touched name is read, and it is judged by the zone rules.
        Assert.Throws<ZoneDataException>(() => _store.StoreIncrementalTransfer(Origin,
            [new TransferStep(10, 11, [Soa(10)], [Soa(11), new(Name("www.copy.test."), RecordType.CNAME, 300, Name("ns1.copy.test."))])], "in", 2000));

        Assert.Equal(before, Texts());
        Assert.Equal(10u, Served().Serial);
    }

    [Fact]
    public void Differences_may_not_add_names_of_a_zone_hosted_below_but_may_add_its_delegation_and_glue()
    {
        _store.AddSecondaryZone(Origin, "127.0.0.5", null);
        _store.StoreWholeTransfer(Origin, Content, "in", 1000);
        var child = Name("sub.copy.test.");
        _store.ImportZone(child, [new(child, RecordType.SOA, 300, Soa(1).Data), new(child, RecordType.NS, 300, Name("ns.sub.copy.test."))], replace: false);

        Assert.Throws<ZoneDataException>(() => _store.StoreIncrementalTransfer(Origin, [new TransferStep(10, 11, [Soa(10)], [Soa(11), A("www.sub.copy.test.", 9)])], "in", 2000));
        Assert.Equal(10u, Served().Serial);

        _store.StoreIncrementalTransfer(Origin, [new TransferStep(10, 11, [Soa(10)], [Soa(11), new(child, RecordType.NS, 300, Name("ns.sub.copy.test."))])], "in", 2000);
        _store.StoreIncrementalTransfer(Origin, [new TransferStep(11, 12, [Soa(11)], [Soa(12), A("ns.sub.copy.test.", 53)])], "in", 3000);
        Assert.Contains("ns.sub.copy.test. 300 IN A 192.0.2.53", Texts());

        // The delegation's name server renamed, its old glue kept: glue of nothing, inside the child's zone
        // (found by attack: a whole transfer of the same content was refused, this was stored).
        var before = Texts();
        Assert.Throws<ZoneDataException>(() => _store.StoreIncrementalTransfer(Origin,
            [new TransferStep(12, 13, [Soa(12), new(child, RecordType.NS, 300, Name("ns.sub.copy.test."))], [Soa(13), new(child, RecordType.NS, 300, Name("ns.elsewhere.test."))])], "in", 4000));
        Assert.Equal(before, Texts());
    }

    [Fact]
    public void An_expired_zone_is_unavailable_until_its_primary_answers_again()
    {
        _store.AddSecondaryZone(Origin, "127.0.0.5", null);
        _store.StoreWholeTransfer(Origin, Content, "in", 1000);

        _store.MarkExpired(Origin);
        Assert.True(Served().Unavailable);
        Assert.True(_store.ListSecondaries()[0].Expired);

        _store.MarkRefreshed(Origin, 5000);
        Assert.False(Served().Unavailable);
        Assert.Equal(5000, _store.ListSecondaries()[0].RefreshedUnix);
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    public void A_primary_that_is_not_an_address_is_refused(string primary)
    {
        Assert.Throws<ZoneStoreException>(() => _store.AddSecondaryZone(Origin, primary, null));
        Assert.Empty(_store.ListZones());
    }

    [Fact]
    public void A_secondary_zone_needs_its_key_in_the_store()
    {
        Assert.Contains("there is no key", Assert.Throws<ZoneStoreException>(() => _store.AddSecondaryZone(Origin, "127.0.0.5", Name("xfr.key."))).Message);
        _store.AddKey(Name("xfr.key."), "hmac-sha256");
        _store.AddSecondaryZone(Origin, "[::1]:5300", Name("xfr.key."));
        var listed = Assert.Single(_store.ListSecondaries());
        Assert.Equal(("[::1]:5300", "xfr.key."), (listed.Primary, NameText.Format(listed.Key!)));
    }
}
