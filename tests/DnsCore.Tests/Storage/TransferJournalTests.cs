using MiniDns.Storage;
using MiniDns.Tests.Support;
using MiniDns.Transfer;
using MiniDns.Wire;
using MiniDns.Zones;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Storage;

/// <summary>
/// The IXFR journal as a secondary uses it: from any serial it kept, the differences it gives, applied to
/// the zone as it was at that serial, make the zone as it is now; from a serial it did not keep, nothing.
/// </summary>
public sealed class TransferJournalTests : IDisposable
{
    private static readonly byte[] Cctv = Name("cctv.com.");
    private readonly string _folder = Directory.CreateTempSubdirectory("minidns-journal-").FullName;
    private ZoneStore _store;

    public TransferJournalTests()
    {
        _store = new ZoneStore(Path.Combine(_folder, "store.db"));
        var file = MasterFileParser.ParseFile(Path.Combine(Repository.ZonesFolder, "cctv.com.zone"));
        _store.ImportZones([new ZoneContent(file.Origin!, file.Records)], replace: false);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private Zone Current => _store.LoadSnapshot().FindZone(Cctv)!;

    private static HashSet<string> Contents(Zone zone) => zone.EnumerateRecords().Select(r => r.ToString()).ToHashSet();

    // What a secondary at the zone's old contents does with an IXFR answer (RFC 1995 4): per difference
    // sequence, take away the records between the first two SOAs and add those after the second.
    private static HashSet<string> Applied(HashSet<string> old, List<TransferRecord> answer)
    {
        var result = new HashSet<string>(old);
        var records = answer.Select(r => new ZoneRecord(r.Owner.ToArray(), r.Type, r.Ttl, r.Data.ToArray()).ToString()).ToList();
        Assert.True(records.Count >= 4 && records[0] == records[^1], "an IXFR answer starts and ends with the current SOA");
        // Each sequence: the old SOA, what goes, the new SOA, what comes.
        bool adding = true;
        foreach (var (record, type) in records.Zip(answer.Select(r => r.Type)).Skip(1).SkipLast(1))
        {
            if (type == RecordType.SOA)
            {
                adding = !adding;
                if (adding)
                    result.Add(record);
                else
                    Assert.True(result.Remove(record), $"the sequence starts from {record}, which the secondary did not hold");
                continue;
            }
            if (adding)
                result.Add(record);
            else
                Assert.True(result.Remove(record), $"removed {record}, which the secondary did not hold");
        }
        return result;
    }

    [Fact]
    public void From_every_serial_kept_the_differences_lead_to_the_zone_as_it_is_now()
    {
        var versions = new List<(uint Serial, HashSet<string> Contents)> { (Current.Serial, Contents(Current)) };
        void Keep() => versions.Add((Current.Serial, Contents(Current)));

        _store.AddRecord(Name("new.cctv.com."), RecordType.A, [192, 0, 2, 200], 60);
        Keep();
        _store.RemoveRecords(Name("sip.cctv.com."), null, null);
        Keep();
        _store.Apply([RecordEdit.Add(Name("brief.cctv.com."), RecordType.A, [192, 0, 2, 9], 60), RecordEdit.Add(Name("www.cctv.com."), RecordType.A, [192, 0, 2, 81], 60)]);
        Keep();
        _store.RemoveRecords(Name("brief.cctv.com."), RecordType.A, null); // added, then gone: a client two versions back never sees it
        Keep();
        _store.AddRecord(Name("www.cctv.com."), RecordType.A, [192, 0, 2, 81], 900); // a TTL change: the whole set goes and comes
        Keep();
        _store.SetSerial(Cctv, null, null, bump: true);
        Keep();
        _store.EditSoa(Cctv, new SoaFields { Minimum = 600 });
        Keep();
        var edited = _store.ListRecords(Cctv).Where(r => r.OwnerText != "news.cctv.com.").Append(new ZoneRecord(Name("edited.cctv.com."), RecordType.TXT, 60, [2, (byte)'o', (byte)'k'])).ToList();
        _store.EditZone(new ZoneContent(Cctv, edited), Current.Serial, ZoneDigest.Of(_store.ListRecords(Cctv)));
        Keep();

        var now = Current;
        var journal = _store.ReadJournal(Cctv);
        Assert.Equal(versions.Count - 1, journal.Count);
        foreach (var (serial, contents) in versions.SkipLast(1))
        {
            var answer = TransferRecords.Ixfr(now, journal, serial)?.ToList();
            Assert.True(answer is not null, $"no differences from serial {serial}");
            Assert.Equal(Contents(now), Applied(contents, answer));
        }
        // The one two versions back condenses the add and the removal of brief.cctv.com. away.
        var condensed = TransferRecords.Ixfr(now, journal, versions[2].Serial)!;
        Assert.DoesNotContain(condensed, r => NameText.Format(r.Owner.Span) == "brief.cctv.com.");
    }

    [Fact]
    public void A_serial_the_journal_does_not_hold_gets_no_differences_and_the_journal_keeps_its_bound()
    {
        _store.Dispose();
        _store = new ZoneStore(Path.Combine(_folder, "store.db"), journalVersions: 3);
        uint first = Current.Serial;
        for (int i = 0; i < 5; i++)
            _store.AddRecord(Name($"n{i}.cctv.com."), RecordType.A, [192, 0, 2, (byte)i], 60);
        var journal = _store.ReadJournal(Cctv);
        Assert.Equal(3, journal.Count); // 3 and a quarter more at most: trimmed to 3 at the fifth
        Assert.Null(TransferRecords.Ixfr(Current, journal, first));
        Assert.Null(TransferRecords.Ixfr(Current, journal, 12345));
        Assert.NotNull(TransferRecords.Ixfr(Current, journal, journal[0].From));
    }

    [Fact]
    public void A_serial_that_comes_round_again_is_followed_on_the_newest_chain()
    {
        // Found by attack: S0 -> S1 -> S2 -> S3, then S3 + 2^31 - 1, then S1 again (RFC 1982 lets a serial
        // come round). Walking forward from the first S1 sent a client at S0 only the first change.
        _store.SetSerial(Cctv, "increment", null, bump: false);
        var start = (Current.Serial, Contents(Current));
        _store.AddRecord(Name("w1.cctv.com."), RecordType.A, [192, 0, 2, 1], 60);
        uint s1 = Current.Serial;
        _store.AddRecord(Name("w2.cctv.com."), RecordType.A, [192, 0, 2, 2], 60);
        _store.AddRecord(Name("w3.cctv.com."), RecordType.A, [192, 0, 2, 3], 60);
        _store.SetSerial(Cctv, null, Current.Serial + 0x7FFF_FFFFu, bump: false);
        _store.SetSerial(Cctv, null, s1, bump: false);

        var now = Current;
        Assert.Equal(s1, now.Serial);
        var answer = TransferRecords.Ixfr(now, _store.ReadJournal(Cctv), start.Serial);
        Assert.NotNull(answer);
        Assert.Equal(Contents(now), Applied(start.Item2, [.. answer]));
    }

    [Fact]
    public void A_change_of_more_than_a_megabyte_ends_the_journal_and_is_stored()
    {
        // Found by attack: a zone replaced by 70,000 long TXT records made a journal entry past LiteDB's 16 MB
        // document limit, and the replace failed. Past 1 MiB the journal ends instead, and the secondaries
        // transfer the whole zone.
        _store.AddRecord(Name("new.cctv.com."), RecordType.A, [192, 0, 2, 200], 60);
        uint before = Current.Serial;
        var text = new byte[251];
        text[0] = 250;
        var records = _store.ListRecords(Cctv).Concat(Enumerable.Range(0, 5000).Select(i =>
            new ZoneRecord(Name($"t{i}.cctv.com."), RecordType.TXT, 60, [.. text[..^4], (byte)(i >> 8), (byte)i, 1, 2]))).ToList();

        _store.ImportZones([new ZoneContent(Cctv, records)], replace: true);

        Assert.Equal(records.Count, _store.ListRecords(Cctv).Count);
        Assert.Empty(_store.ReadJournal(Cctv));
        Assert.Null(TransferRecords.Ixfr(Current, _store.ReadJournal(Cctv), before));
    }

    [Fact]
    public void Removing_or_importing_a_zone_anew_ends_its_journal()
    {
        _store.AddRecord(Name("new.cctv.com."), RecordType.A, [192, 0, 2, 200], 60);
        Assert.Single(_store.ReadJournal(Cctv));
        var records = _store.ListRecords(Cctv);
        _store.RemoveZone(Cctv);
        _store.ImportZones([new ZoneContent(Cctv, records)], replace: false);
        Assert.Empty(_store.ReadJournal(Cctv));
    }
}
