using MiniDns.Tests.Support;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Wire;

/// <summary>Every supported type: presentation → stored wire → response message → read back → presentation.</summary>
public sealed class RecordRoundTripTests
{
    public static TheoryData<string, string> Records() => new()
    {
        { "A", "192.0.2.1" },
        { "AAAA", "2001:db8::1" },
        { "NS", "ns2.example.test." },
        { "CNAME", "target.example.test." },
        { "DNAME", "other.example." },
        { "SOA", "ns1.example.test. hostmaster.example.test. 2026112701 7200 3600 1209600 300" },
        { "MX", "10 mail.example.test." },
        { "TXT", "\"one\" \"two words\" \"quote \\\" and \\\\ backslash\"" },
        { "PTR", "host.example.test." },
        { "SRV", "10 60 5060 sip.example.test." },
        { "CAA", "0 issue \"letsencrypt.org\"" },
        { "HINFO", "\"PC\" \"Linux\"" },
        { "DS", "12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE" },
        { "TYPE65280", "\\# 4 DEADBEEF" },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void Record_survives_a_response_and_back(string type, string data)
    {
        // NS below the apex would be a delegation, so NS data goes on the apex beside the zone's own NS.
        string owner = type == "NS" ? "@" : "rr";
        var zone = $"""
            $ORIGIN example.test.
            @ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            @ 3600 IN NS ns1
            {owner} 3600 IN {type} {data}
            """;
        Assert.True(RecordType.TryParse(type, out ushort number));
        var response = LocalAnswer.Ask(LocalAnswer.Snapshot(zone), owner == "@" ? "example.test." : "rr.example.test.", number);
        Assert.All(response.Answer, r => Assert.Equal(number, r.Type));
        Assert.Contains(data, response.Answer.Select(r => RdataText.Format(r.Type, r.Data)));
    }

    [Fact]
    public void Txt_data_longer_than_255_octets_is_split_into_strings()
    {
        string text = new('x', 300);
        Assert.True(RdataText.TryParse(RecordType.TXT, [new TextToken(text, Quoted: true)], [], out var rdata, out var error), error);
        Assert.Equal(2 + 300, rdata.Length);
        Assert.Equal(255, rdata[0]);
        Assert.Equal(45, rdata[256]);
    }

    [Fact]
    public void Names_in_rdata_are_compressed_for_rfc1035_types_only()
    {
        var zone = """
            $ORIGIN example.test.
            @ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            @ 3600 IN NS ns1
            @ 3600 IN MX 10 mail.example.test.
            _sip._udp 3600 IN SRV 0 0 5060 sip.example.test.
            """;
        var snapshot = LocalAnswer.Snapshot(zone);
        var mx = LocalAnswer.Raw(snapshot, QueryBytes.Build("example.test.", RecordType.MX));
        // The MX target "mail" + pointer to example.test. in the question: 1+4+2 octets, not the full 19.
        Assert.True(ContainsSequence(mx, [4, (byte)'m', (byte)'a', (byte)'i', (byte)'l', 0xC0, 0x0C]));

        var srv = LocalAnswer.Raw(snapshot, QueryBytes.Build("_sip._udp.example.test.", 33));
        // RFC 2782: the SRV target is written whole.
        Assert.True(ContainsSequence(srv, [3, (byte)'s', (byte)'i', (byte)'p', 7, (byte)'e', (byte)'x']));
    }

    [Fact]
    public void Owner_names_point_to_the_question()
    {
        var snapshot = LocalAnswer.Snapshot("""
            $ORIGIN example.test.
            @ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            www 300 IN A 192.0.2.1
            """);
        var raw = LocalAnswer.Raw(snapshot, QueryBytes.Build("www.example.test.", RecordType.A));
        int answerStart = 12 + 18 + 4;
        Assert.Equal([0xC0, 0x0C], raw[answerStart..(answerStart + 2)]);
    }

    [Fact]
    public void Rdata_not_matching_its_type_is_rejected_when_read()
    {
        // An A record with 3 octets of data.
        Assert.False(RdataCodec.TryReadFromMessage(RecordType.A, [1, 2, 3], 0, 3, out _));
        Assert.False(RdataCodec.IsValid(RecordType.MX, [0, 10]));
    }

    private static bool ContainsSequence(byte[] haystack, byte[] needle) =>
        haystack.AsSpan().IndexOf(needle) >= 0;

    [Fact]
    public void Zone_builder_refuses_a_zone_without_soa()
    {
        var file = MasterFileParser.Parse("www.example.test. 300 IN A 192.0.2.1\n", "x.zone", DnsName.Root);
        var error = Assert.Throws<ZoneDataException>(() => ZoneBuilder.Build(DnsName.Root, file.Records));
        Assert.Contains("no SOA", error.Message);
    }

    [Fact]
    public void Zone_builder_refuses_record_data_longer_than_a_record_can_carry()
    {
        var file = MasterFileParser.Parse("$ORIGIN example.test.\n@ 300 IN SOA ns h 1 2 3 4 5\n", "x.zone");
        var huge = new ZoneRecord(WireName.Name("big.example.test."), 65280, 300, new byte[ushort.MaxValue + 1]);
        var error = Assert.Throws<ZoneDataException>(() => ZoneBuilder.Build(file.Origin!, [.. file.Records, huge]));
        Assert.Equal(["big.example.test. TYPE65280: record data longer than 65535 bytes"], error.Errors);
    }

    public static TheoryData<ushort, byte[]> MisshapenData() => new()
    {
        { RecordType.NS, [0xFF, 0xFF] },        // a name whose first label runs past the data
        { RecordType.CNAME, [0xC0, 0x0C] },     // a pointer: stored names are never compressed
        { RecordType.MX, [0, 10] },             // a preference and no exchange
        { RecordType.A, [192, 0, 2] },          // three octets of an address
        { RecordType.SOA, [0, 0] },
    };

    [Theory]
    [MemberData(nameof(MisshapenData))]
    public void Zone_builder_refuses_record_data_that_does_not_fit_its_type(ushort type, byte[] data)
    {
        // Data from a damaged store would otherwise reach the writer, which slices by the type's layout.
        var file = MasterFileParser.Parse("$ORIGIN example.test.\n@ 300 IN SOA ns h 1 2 3 4 5\n", "x.zone");
        var bad = new ZoneRecord(WireName.Name("bad.example.test."), type, 300, data);
        var error = Assert.Throws<ZoneDataException>(() => ZoneBuilder.Build(file.Origin!, [.. file.Records, bad]));
        Assert.Equal([$"bad.example.test. {RecordType.ToText(type)}: record data does not match its type"], error.Errors);
    }
}
