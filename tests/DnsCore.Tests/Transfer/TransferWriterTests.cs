using MiniDns.Tests.Support;
using MiniDns.Transfer;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Transfer;

/// <summary>AXFR as RFC 5936 2.2 has it: SOA first and last, every record once, messages within 64 KB (about 16 KB, as far as pointers reach).</summary>
public sealed class TransferWriterTests
{
    private static Zone ZoneOf(string text) => LocalAnswer.Snapshot(text).Zones[0];

    // Every message of the transfer, read back.
    private static List<DnsMessage> Transfer(Zone zone, byte[] request, IReadOnlyList<MiniDns.Storage.JournalEntry>? journal = null)
    {
        var transfer = TransferRequest.Read(request) ?? throw new InvalidOperationException("not a transfer");
        var writer = transfer.Writer(zone, () => journal ?? [], out _);
        var messages = new List<DnsMessage>();
        var buffer = new byte[TransferWriter.MaxMessage];
        for (int length; (length = writer.WriteNext(buffer)) > 0;)
        {
            Assert.True(length <= TransferWriter.MaxMessage);
            Assert.True(MessageReader.TryRead(buffer.AsSpan(0, length), out var message, out var error), error);
            messages.Add(message);
        }
        Assert.Equal(messages.Count, writer.Messages);
        return messages;
    }

    private static string Text(DnsRecord r) => $"{NameText.Format(r.Owner)} {r.Ttl} {RecordType.ToText(r.Type)} {RdataText.Format(r.Type, r.Data)}";

    [Fact]
    public void The_zone_comes_whole_between_two_copies_of_its_soa()
    {
        var zone = ZoneOf(TestZonesText.EachKind);
        var messages = Transfer(zone, QueryBytes.Build("example.test.", RecordType.AXFR, id: 77));

        var message = Assert.Single(messages);
        Assert.Equal(77, message.Id);
        Assert.True(message.Has(HeaderFlags.AA) && message.Has(HeaderFlags.QR));
        Assert.Equal("example.test. IN AXFR", Assert.Single(message.Questions).ToString());
        Assert.Equal(RecordType.SOA, message.Answer[0].Type);
        Assert.Equal(Text(message.Answer[0]), Text(message.Answer[^1]));
        var expected = zone.EnumerateRecords().Select(r => Text(new DnsRecord(r.Owner, r.Type, DnsClass.IN, r.Ttl, r.Data))).Order();
        Assert.Equal(expected, message.Answer.Skip(1).Select(Text).Order()); // the SOA once, the rest once each
    }

    [Fact]
    public void A_large_zone_takes_several_messages_each_within_64_kilobytes_with_the_question_only_in_the_first()
    {
        string text = "$ORIGIN large.test.\n$TTL 300\n@ IN SOA ns1 h 7 2 3 4 5\n@ IN NS ns1\nns1 IN A 192.0.2.1\n"
            + string.Concat(Enumerable.Range(0, 6000).Select(i => $"host{i} IN A 10.0.{i / 256}.{i % 256}\nhost{i} IN TXT \"text of host {i}\"\n"));
        var zone = ZoneOf(text);
        var messages = Transfer(zone, QueryBytes.Build("large.test.", RecordType.AXFR));

        Assert.True(messages.Count > 1, $"{messages.Count} message");
        Assert.Single(messages[0].Questions);
        Assert.All(messages.Skip(1), m => Assert.Empty(m.Questions));
        var records = messages.SelectMany(m => m.Answer).ToList();
        Assert.Equal(zone.RecordCount + 1, records.Count);
        Assert.Equal(RecordType.SOA, records[0].Type);
        Assert.Equal(RecordType.SOA, records[^1].Type);
        Assert.Single(records.Skip(1).SkipLast(1), r => r.Owner.AsSpan().SequenceEqual(records[0].Owner) && r.Type == RecordType.NS);
    }

    [Fact]
    public void Messages_end_past_16_kilobytes_where_pointers_still_reach_so_every_repeated_suffix_is_compressed()
    {
        // 3,000 owners under 30 parents: past the first of its owners, a parent's name is always a pointer.
        string text = "$ORIGIN wide.test.\n$TTL 300\n@ IN SOA ns1 h 7 2 3 4 5\n@ IN NS ns1\nns1 IN A 192.0.2.1\n"
            + string.Concat(Enumerable.Range(0, 3000).Select(i => $"h{i}.parent{i % 30} IN A 10.0.{i / 256}.{i % 256}\n"));
        var zone = ZoneOf(text);
        var transfer = TransferRequest.Read(QueryBytes.Build("wide.test.", RecordType.AXFR))!;
        var writer = transfer.Writer(zone, () => [], out _);
        var buffer = new byte[TransferWriter.MaxMessage];
        int total = 0;
        for (int length; (length = writer.WriteNext(buffer)) > 0;)
        {
            Assert.InRange(length, 1, TransferWriter.FullMessage + 300);
            total += length;
        }
        Assert.True(writer.Messages > 1);
        // Written whole, an A record here is 39 to 43 bytes; with "parentN.wide.test." a pointer, 21 to 23.
        Assert.True(total < 3000 * 24 + writer.Messages * 1200, $"{total} bytes in {writer.Messages} messages");
    }

    [Fact]
    public void A_record_larger_than_16_kilobytes_still_goes_in_a_message_of_its_own_size()
    {
        string big = string.Join(" ", Enumerable.Range(0, 100).Select(i => "\"" + new string((char)('a' + i % 26), 250) + "\""));
        var zone = ZoneOf($"$ORIGIN big.test.\n$TTL 300\n@ IN SOA ns1 h 7 2 3 4 5\n@ IN NS ns1\nns1 IN A 192.0.2.1\nbig IN TXT {big}\n");
        var messages = Transfer(zone, QueryBytes.Build("big.test.", RecordType.AXFR));
        var records = messages.SelectMany(m => m.Answer).ToList();
        Assert.Equal(zone.RecordCount + 1, records.Count);
        Assert.Contains(records, r => r.Type == RecordType.TXT && r.Data.Length > TransferWriter.FullMessage);
    }

    [Fact]
    public void An_ixfr_from_a_client_that_is_current_gets_the_soa_alone_and_from_one_behind_the_whole_zone()
    {
        var zone = ZoneOf(TestZonesText.EachKind); // serial 1

        var current = Transfer(zone, QueryBytes.Ixfr("example.test.", 1));
        Assert.Equal([RecordType.SOA], current.SelectMany(m => m.Answer).Select(r => r.Type));
        Assert.Equal("example.test. IN IXFR", current[0].Questions[0].ToString());

        var newer = Transfer(zone, QueryBytes.Ixfr("example.test.", 2));
        Assert.Single(newer.SelectMany(m => m.Answer));

        var behind = Transfer(zone, QueryBytes.Ixfr("example.test.", 0));
        Assert.Equal(zone.RecordCount + 1, behind.SelectMany(m => m.Answer).Count());
    }

    [Theory]
    [InlineData(RecordType.A)]
    [InlineData(RecordType.SOA)]
    public void Only_an_axfr_or_ixfr_question_of_class_in_is_a_transfer(ushort type)
    {
        Assert.Null(TransferRequest.Read(QueryBytes.Build("example.test.", type)));
        Assert.Null(TransferRequest.Read(QueryBytes.Build("example.test.", RecordType.AXFR, qclass: DnsClass.CH)));
        Assert.Null(TransferRequest.Read(QueryBytes.Build("example.test.", RecordType.AXFR, flags: HeaderFlags.QR)));
        Assert.Null(TransferRequest.Read(QueryBytes.Build("example.test.", RecordType.AXFR)[..20]));
    }
}
