using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;
using static MiniDns.Tests.Support.WireName;

namespace MiniDns.Tests.Storage;

public sealed class NameBlockTests
{
    private static NameBlock Sample()
    {
        var block = new NameBlock();
        var www = Name("www.example.test.");
        var apex = Name("example.test.");
        block.Set(www, [new ZoneRecord(www, RecordType.A, 60, [192, 0, 2, 1]), new ZoneRecord(www, RecordType.A, 60, [192, 0, 2, 2])]);
        block.Set(apex, [new ZoneRecord(apex, RecordType.TXT, 3600, [5, .. "hello"u8]), new ZoneRecord(apex, 65280, 0, [])]);
        return block;
    }

    [Fact]
    public void A_block_reads_back_what_was_written_in_one_order()
    {
        var block = Sample();
        var again = NameBlock.Decode(block.Encode());
        Assert.Equal(block.Records, again.Records);
        Assert.Equal(block.Encode(), again.Encode());
        Assert.Equal(2, again.Get(Name("www.example.test.")).Count);
        Assert.Empty(again.Get(Name("nope.example.test.")));
    }

    [Fact]
    public void Setting_no_records_removes_the_name()
    {
        var block = Sample();
        block.Set(Name("www.example.test."), []);
        Assert.Equal(1, block.Count);
    }

    [Fact]
    public void Every_cut_short_or_damaged_block_is_refused_as_damaged()
    {
        var block = Sample();
        var blob = block.Encode();
        block.Set(Name("example.test."), []);
        int firstName = block.Encode().Length; // a block cut right after a whole name is a valid, smaller block
        for (int length = 1; length < blob.Length; length++)
        {
            if (length == firstName)
                continue;
            var cut = blob[..length];
            var e = Assert.Throws<InvalidDataException>(() => NameBlock.Decode(cut));
            Assert.Contains("damaged", e.Message);
        }
        var badLabel = (byte[])blob.Clone();
        badLabel[0] = 64;
        Assert.Throws<InvalidDataException>(() => NameBlock.Decode(badLabel));
    }

    [Fact]
    public void A_name_always_hashes_to_the_same_block()
    {
        // The hash decides where a name is stored: a change to it would lose every stored name.
        Assert.Equal(0x3bc8, NameBlock.BlockOf(Name("www.example.test."), 1 << 16));
        Assert.Equal(0, NameBlock.BlockOf(Name("www.example.test."), 1));
    }

    [Fact]
    public void A_name_with_more_records_than_a_block_can_count_is_refused()
    {
        var name = Name("many.example.test.");
        var block = new NameBlock();
        block.Set(name, Enumerable.Range(0, ushort.MaxValue + 1).Select(i => new ZoneRecord(name, 65280, 60, BitConverter.GetBytes(i))).ToList());
        var e = Assert.Throws<ZoneStoreException>(() => block.Encode());
        Assert.Equal("many.example.test. would have more than 65535 records", e.Message);
    }
}
