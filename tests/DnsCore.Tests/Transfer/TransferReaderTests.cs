using MiniDns.Storage;
using MiniDns.Tests.Resolution;
using MiniDns.Tests.Support;
using MiniDns.Transfer;
using MiniDns.Tsig;
using MiniDns.Wire;
using MiniDns.Zones;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Transfer;

/// <summary>
/// A secondary's side of a transfer (RFC 5936 2.2, RFC 1995 4, RFC 8945 5.3.1): what our own writer sends is
/// read back whole, and a primary that sends anything else (out of zone, serials that do not add up, another
/// ID, a signature missing or broken) is refused.
/// </summary>
public sealed class TransferReaderTests
{
    private const string Origin = "example.test.";
    private const ushort Id = 4242;

    private static string ZoneText(uint serial, int hosts = 3) =>
        $"$ORIGIN {Origin}\n$TTL 300\n@ IN SOA ns1 hostmaster {serial} 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n"
        + string.Concat(Enumerable.Range(0, hosts).Select(i => $"host{i} IN A 10.0.{i / 256}.{i % 256}\nhost{i} IN TXT \"text of host {i}\"\n"));

    private static Zone ZoneOf(string text) => LocalAnswer.Snapshot(text).Zones[0];

    private static ZoneRecord Soa(Zone zone) => new(zone.Origin, RecordType.SOA, zone.Soa.Ttl, zone.Soa.Records[0].ToArray());

    // Our primary's messages for our secondary's request, each signed when there is a key.
    private static List<byte[]> Serve(Zone zone, byte[] request, IReadOnlyList<JournalEntry>? journal = null, TsigKey? key = null, byte[]? requestMac = null)
    {
        var transfer = TransferRequest.Read(request) ?? throw new InvalidOperationException("not a transfer");
        var signer = key is null ? null : new TsigSigner(key, requestMac!);
        var writer = transfer.Writer(zone, () => journal ?? [], out _, signer?.Reserve ?? 0);
        var messages = new List<byte[]>();
        var buffer = new byte[TransferWriter.MaxMessage];
        for (int length; (length = writer.WriteNext(buffer)) > 0;)
            messages.Add(buffer[..(signer?.Sign(buffer, length) ?? length)]);
        return messages;
    }

    private static TransferReader ReadAll(TransferReader reader, IEnumerable<byte[]> messages)
    {
        bool done = false;
        foreach (var message in messages)
        {
            Assert.False(done, "a message after the transfer was complete");
            done = reader.Read(message);
        }
        Assert.True(done, "the transfer did not complete");
        return reader;
    }

    private static TransferRefusedException Refused(TransferReader reader, IEnumerable<byte[]> messages) =>
        Assert.Throws<TransferRefusedException>(() =>
        {
            foreach (var message in messages)
                if (reader.Read(message))
                    return;
        });

    private static string Text(ZoneRecord r) => $"{NameText.Format(r.Owner)} {r.Ttl} {RecordType.ToText(r.Type)} {RdataText.Format(r.Type, r.Data)}";

    [Fact]
    public void An_axfr_of_several_messages_is_read_whole_with_the_soa_once()
    {
        var zone = ZoneOf(ZoneText(7, hosts: 6000));
        var request = TransferQuery.Build(Id, zone.Origin, RecordType.AXFR, null, null, TsigMessage.Now(), out _);
        var messages = Serve(zone, request);
        Assert.True(messages.Count > 1, $"{messages.Count} message");

        var reader = ReadAll(new TransferReader(zone.Origin, Id, RecordType.AXFR, null), messages);

        Assert.Equal(TransferKind.Whole, reader.Kind);
        Assert.Equal(7u, reader.Serial);
        Assert.Equal(messages.Count, reader.Messages);
        Assert.Equal(zone.EnumerateRecords().Select(r => Text(new ZoneRecord(r.Owner.ToArray(), r.Type, r.Ttl, r.Data.ToArray()))).Order(),
            reader.Records.Select(Text).Order());
        Assert.Single(reader.Records, r => r.Type == RecordType.SOA);
    }

    [Fact]
    public void An_ixfr_from_the_journal_gives_the_differences_and_one_from_a_current_secondary_says_up_to_date()
    {
        var before = ZoneOf(ZoneText(7));
        var after = ZoneOf(ZoneText(8).Replace("host1 IN A 10.0.0.1", "host1 IN A 10.9.9.9"));
        var removed = new ZoneRecord(Name("host1.example.test."), RecordType.A, 300, [10, 0, 0, 1]);
        var added = new ZoneRecord(Name("host1.example.test."), RecordType.A, 300, [10, 9, 9, 9]);
        var journal = new[] { new JournalEntry(7, 8, [Soa(before), removed], [Soa(after), added]) };

        var request = TransferQuery.Build(Id, after.Origin, RecordType.IXFR, Soa(before), null, TsigMessage.Now(), out _);
        var reader = ReadAll(new TransferReader(after.Origin, Id, RecordType.IXFR, 7), Serve(after, request, journal));

        Assert.Equal(TransferKind.Incremental, reader.Kind);
        Assert.Equal(8u, reader.Serial);
        var step = Assert.Single(reader.Steps);
        Assert.Equal((7u, 8u), (step.From, step.To));
        Assert.Equal([Text(Soa(before)), Text(removed)], step.Removed.Select(Text));
        Assert.Equal([Text(Soa(after)), Text(added)], step.Added.Select(Text));

        var current = TransferQuery.Build(Id, after.Origin, RecordType.IXFR, Soa(after), null, TsigMessage.Now(), out _);
        var upToDate = ReadAll(new TransferReader(after.Origin, Id, RecordType.IXFR, 8), Serve(after, current, journal));
        Assert.Equal(TransferKind.UpToDate, upToDate.Kind);

        // A serial the journal does not hold: the whole zone, AXFR style.
        var old = TransferQuery.Build(Id, after.Origin, RecordType.IXFR, Soa(ZoneOf(ZoneText(3))), null, TsigMessage.Now(), out _);
        var whole = ReadAll(new TransferReader(after.Origin, Id, RecordType.IXFR, 3), Serve(after, old, journal));
        Assert.Equal(TransferKind.Whole, whole.Kind);
        Assert.Equal(after.RecordCount, whole.Records.Count);
    }

    [Theory]
    [InlineData(TsigKey.HmacSha256)]
    [InlineData(TsigKey.HmacSha512)]
    [InlineData(TsigKey.HmacSha1)]
    public void A_signed_transfer_of_several_messages_verifies_message_by_message(string algorithm)
    {
        var key = TsigKey.Generate(Name("xfr.example."), algorithm);
        var zone = ZoneOf(ZoneText(7, hosts: 6000));
        var request = TransferQuery.Build(Id, zone.Origin, RecordType.AXFR, null, key, TsigMessage.Now(), out var mac);
        Assert.True(TsigMessage.TryFind(request, out var tsig, out _));
        Assert.Equal(TsigError.NoError, TsigMessage.VerifyRequest(request, tsig, [key], TsigMessage.Now(), out _));
        var messages = Serve(zone, request, key: key, requestMac: mac);

        var reader = ReadAll(new TransferReader(zone.Origin, Id, RecordType.AXFR, null, key, mac), messages);
        Assert.Equal(zone.RecordCount, reader.Records.Count);

        // Another key of the same name, the chain started from another request, a message changed, a message
        // left out, the last one unsigned, the first unsigned: each refused.
        var other = TsigKey.Generate(Name("xfr.example."), algorithm);
        Refused(new TransferReader(zone.Origin, Id, RecordType.AXFR, null, other, mac), messages);
        Refused(new TransferReader(zone.Origin, Id, RecordType.AXFR, null, key, new byte[mac.Length]), messages);
        var changed = messages.Select(m => m.ToArray()).ToList();
        changed[1][100] ^= 1;
        Refused(new TransferReader(zone.Origin, Id, RecordType.AXFR, null, key, mac), changed);
        Refused(new TransferReader(zone.Origin, Id, RecordType.AXFR, null, key, mac), messages.Where((_, i) => i != 1));
        var unsigned = Serve(zone, request);
        Refused(new TransferReader(zone.Origin, Id, RecordType.AXFR, null, key, mac), [.. messages.SkipLast(1), unsigned[^1]]);
        Assert.Contains("first message is not signed", Refused(new TransferReader(zone.Origin, Id, RecordType.AXFR, null, key, mac), unsigned).Message);
        // Signed, when we asked without a key: not the primary we configured.
        Refused(new TransferReader(zone.Origin, Id, RecordType.AXFR, null), messages);
    }

    // Hostile primaries, one message each, built record by record.
    private static readonly byte[] Query = QueryBytes.Build(Origin, RecordType.AXFR, id: Id);

    private static CraftedReply.Record SoaRecord(uint serial, string owner = Origin) =>
        new(owner, RecordType.SOA, 300, [.. Name("ns1.example.test."), .. Name("h.example.test."),
            (byte)(serial >> 24), (byte)(serial >> 16), (byte)(serial >> 8), (byte)serial, 0, 0, 14, 16, 0, 0, 2, 88, 0, 1, 81, 128, 0, 0, 1, 44]);

    private static byte[] Reply(params CraftedReply.Record[] answer) => CraftedReply.Build(Query, ResponseCode.NoError, HeaderFlags.AA, answer, [], []);

    private static TransferReader Axfr() => new(Name(Origin), Id, RecordType.AXFR, null);

    [Fact]
    public void A_well_formed_crafted_axfr_is_taken()
    {
        var reader = ReadAll(Axfr(), [Reply(SoaRecord(5), CraftedReply.NS(Origin, "ns1.example.test.")), Reply(CraftedReply.A("ns1.example.test.", "192.0.2.1"), SoaRecord(5))]);
        Assert.Equal(3, reader.Records.Count);
    }

    [Fact]
    public void A_record_outside_the_zone_is_refused()
    {
        var e = Refused(Axfr(), [Reply(SoaRecord(5), CraftedReply.A("www.victim.example.", "192.0.2.66"), SoaRecord(5))]);
        Assert.Contains("outside the zone", e.Message);
    }

    [Fact]
    public void A_closing_soa_of_another_serial_and_an_soa_below_the_apex_are_refused()
    {
        Assert.Contains("closing SOA has serial 6", Refused(Axfr(), [Reply(SoaRecord(5), CraftedReply.NS(Origin, "ns1.example.test."), SoaRecord(6))]).Message);
        Assert.Contains("not at the zone's apex", Refused(Axfr(), [Reply(SoaRecord(5), SoaRecord(5, "sub.example.test."), SoaRecord(5))]).Message);
        Assert.Contains("does not start with the zone's SOA", Refused(Axfr(), [Reply(CraftedReply.NS(Origin, "ns1.example.test."), SoaRecord(5))]).Message);
    }

    [Fact]
    public void Records_after_the_closing_soa_and_a_message_after_it_are_refused()
    {
        Refused(Axfr(), [Reply(SoaRecord(5), SoaRecord(5), CraftedReply.A("x.example.test.", "192.0.2.9"))]);
        var reader = Axfr();
        Assert.True(reader.Read(Reply(SoaRecord(5), SoaRecord(5))));
        Assert.Throws<TransferRefusedException>(() => reader.Read(Reply(CraftedReply.A("x.example.test.", "192.0.2.9"))));
    }

    [Fact]
    public void An_answer_with_another_id_or_question_or_an_error_or_truncated_is_refused()
    {
        var wrongId = Reply(SoaRecord(5), SoaRecord(5));
        wrongId[1] ^= 1;
        Assert.Contains("not an answer to our request", Refused(Axfr(), [wrongId]).Message);

        var other = CraftedReply.Build(QueryBytes.Build("victim.example.", RecordType.AXFR, id: Id), ResponseCode.NoError, 0, [SoaRecord(5), SoaRecord(5)], [], []);
        Assert.Contains("answers another question", Refused(Axfr(), [other]).Message);

        var refused = CraftedReply.Build(Query, ResponseCode.Refused, 0, [], [], []);
        Assert.Equal(ResponseCode.Refused, Refused(Axfr(), [refused]).Rcode);

        var truncated = CraftedReply.Build(Query, ResponseCode.NoError, HeaderFlags.TC, [SoaRecord(5), SoaRecord(5)], [], []);
        Assert.Contains("truncated", Refused(Axfr(), [truncated]).Message);
    }

    [Fact]
    public void Ixfr_versions_whose_serials_do_not_chain_are_refused()
    {
        var ixfr = QueryBytes.Ixfr(Origin, 3, id: Id);
        byte[] Ixfr(params CraftedReply.Record[] answer) => CraftedReply.Build(ixfr, ResponseCode.NoError, 0, answer, [], []);
        TransferReader Reader() => new(Name(Origin), Id, RecordType.IXFR, 3);
        var a = CraftedReply.A("a.example.test.", "192.0.2.1");

        // 3 -> 4 -> 5, ending at the primary's 5: taken.
        var good = ReadAll(Reader(), [Ixfr(SoaRecord(5), SoaRecord(3), a, SoaRecord(4), SoaRecord(4), SoaRecord(5), a, SoaRecord(5))]);
        Assert.Equal([(3u, 4u), (4u, 5u)], good.Steps.Select(s => (s.From, s.To)));

        // A version that goes backwards, a gap between versions, and an end short of the primary's serial.
        Assert.Contains("not after it", Refused(Reader(), [Ixfr(SoaRecord(5), SoaRecord(3), SoaRecord(2), SoaRecord(5))]).Message);
        Assert.Contains("ended at 4", Refused(Reader(), [Ixfr(SoaRecord(5), SoaRecord(3), SoaRecord(4), SoaRecord(6), SoaRecord(5), SoaRecord(5))]).Message);
        Refused(Reader(), [Ixfr(SoaRecord(5), SoaRecord(3), a, SoaRecord(4), SoaRecord(5))]);
    }

    [Fact]
    public void A_message_that_is_not_dns_and_one_of_class_chaos_are_refused()
    {
        Assert.Contains("malformed", Refused(Axfr(), [[.. Reply(SoaRecord(5)).AsSpan(0, 20)]]).Message);
        var chaos = Reply(SoaRecord(5), SoaRecord(5));
        int classAt = Query.Length + Name(Origin).Length + 2; // the first answer's class
        chaos[classAt + 1] = 3;
        Assert.Contains("class IN", Refused(Axfr(), [chaos]).Message);
    }

    // Found by attack: 104 MB of records whose owner is a 2-byte pointer to one long name held 2.1 GB.
    [Fact]
    public void A_transfer_is_limited_by_what_its_records_cost_held_not_by_its_compressed_bytes()
    {
        string label = new('a', 63);
        string owner = $"{label}.{label}.{label}";
        var zone = ZoneOf(ZoneText(7, hosts: 0) + string.Concat(Enumerable.Range(0, 5000).Select(i => $"{owner} IN A 10.9.{i / 256}.{i % 256}\n")));
        var request = TransferQuery.Build(Id, zone.Origin, RecordType.AXFR, null, null, TsigMessage.Now(), out _);
        var messages = Serve(zone, request);
        Assert.True(messages.Sum(m => m.Length) < 128 << 10, $"{messages.Sum(m => m.Length)} bytes on the wire");

        var refused = Refused(new TransferReader(zone.Origin, Id, RecordType.AXFR, null, maxSize: 1 << 20), messages);
        Assert.Contains("costs more than the limit of 1 MiB", refused.Message);
        Assert.Equal(5003, ReadAll(new TransferReader(zone.Origin, Id, RecordType.AXFR, null), messages).Records.Count);
    }
}
