using MiniDns.Tests.Support;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Zones;

/// <summary>RFC 1035 section 5 master files, and the errors a person editing one needs to see.</summary>
public sealed class MasterFileParserTests
{
    private static MasterFile Parse(string text, byte[]? origin = null) => MasterFileParser.Parse(text, "test.zone", origin);

    private static string[] Lines(MasterFile file) => file.Records.Select(r => r.ToString()).ToArray();

    private static MasterFile Valid(string text)
    {
        var file = Parse(text);
        Assert.True(file.Errors.Count == 0, string.Join("\n", file.Errors));
        return file;
    }

    [Fact]
    public void Origin_ttl_at_sign_and_relative_names()
    {
        var file = Valid("""
            $ORIGIN example.test.
            $TTL 1h
            @    IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            www  IN A   192.0.2.1
            mail IN MX  10 mx.other.test.
            """);
        Assert.Equal("example.test.", NameText.Format(file.Origin!));
        Assert.Equal(
        [
            "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300",
            "www.example.test. 3600 IN A 192.0.2.1",
            "mail.example.test. 3600 IN MX 10 mx.other.test.",
        ], Lines(file));
    }

    [Fact]
    public void Omitted_owner_ttl_and_class_are_inherited()
    {
        var file = Valid("""
            $ORIGIN example.test.
            @ 300 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            www 60 A 192.0.2.1
                   A 192.0.2.2
              IN 90 AAAA 2001:db8::1
            """);
        Assert.Equal(
        [
            "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300",
            "www.example.test. 60 IN A 192.0.2.1",
            "www.example.test. 60 IN A 192.0.2.2",
            "www.example.test. 90 IN AAAA 2001:db8::1",
        ], Lines(file));
    }

    [Fact]
    public void Parentheses_join_lines_and_comments_are_ignored()
    {
        var file = Valid("""
            example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. ( ; start
                2026112701 ; serial
                7200       ; refresh
                3600 1209600
                300 )      ; minimum
            """);
        var soa = Assert.Single(file.Records);
        Assert.Equal("ns1.example.test. hostmaster.example.test. 2026112701 7200 3600 1209600 300", soa.DataText);
    }

    [Fact]
    public void Quoted_strings_keep_spaces_semicolons_and_escapes()
    {
        var file = Valid("""
            $ORIGIN example.test.
            @ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            txt 60 IN TXT "a; not a comment" "say \"hi\"" "\065\066C" unquoted
            """);
        Assert.Equal("\"a; not a comment\" \"say \\\"hi\\\"\" \"ABC\" \"unquoted\"", file.Records[1].DataText);
    }

    [Fact]
    public void Escaped_dots_stay_inside_a_label()
    {
        var file = Valid("""
            $ORIGIN example.test.
            @ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            first\.last 60 IN A 192.0.2.1
            """);
        Assert.Equal(3, DnsName.LabelCount(file.Records[1].Owner)); // "first.last", "example", "test"
        Assert.Equal("first\\.last.example.test.", file.Records[1].OwnerText);
    }

    [Fact]
    public void Origin_comes_from_the_soa_owner_when_there_is_no_origin_line()
    {
        var file = Valid("example.test. 3600 IN SOA ns1.example.test. h.example.test. 1 2 3 4 5\n");
        Assert.Equal("example.test.", NameText.Format(file.Origin!));
    }

    [Fact]
    public void Generic_rfc3597_data_is_accepted_for_any_type()
    {
        var file = Valid("""
            $ORIGIN example.test.
            @ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            a 60 IN A \# 4 C0000201
            x 60 IN TYPE65280 \# 2 ABCD
            """);
        Assert.Equal("192.0.2.1", file.Records[1].DataText);
        Assert.Equal("\\# 2 ABCD", file.Records[2].DataText);
    }

    [Theory]
    [InlineData("www 60 IN A 192.0.2.300", "test.zone:3: A IPv4 address: '192.0.2.300' is not an IPv4 address")]
    [InlineData("www 60 IN A 192.0.2", "test.zone:3: A IPv4 address: '192.0.2' is not an IPv4 address")]
    [InlineData("www 60 IN AAAA 192.0.2.1", "test.zone:3: AAAA IPv6 address")]
    [InlineData("www 60 IN MX mail", "test.zone:3: MX number: 'mail' is not a number")]
    [InlineData("www 60 IN BOGUS x", "test.zone:3: unknown record type 'BOGUS'")]
    [InlineData("www 60 CH TXT \"x\"", "test.zone:3: class CH is not served")]
    [InlineData("www 60 IN A 192.0.2.1 extra", "test.zone:3: A data has extra text 'extra'")]
    [InlineData("www 60 IN TXT \"unterminated", "test.zone:3: unterminated quoted string")]
    [InlineData("www 60 IN SOA ( ns1 h 1 2 3 4 5", "test.zone:3: '(' is never closed")]
    [InlineData("www 60 IN A 192.0.2.1 )", "test.zone:3: ')' without '('")]
    [InlineData("$INCLUDE other.zone", "test.zone:3: $INCLUDE is not supported")]
    [InlineData("www 2147483648 IN A 192.0.2.1", "test.zone:3: TTL 2147483648 is more than 2147483647, the largest a TTL may be (RFC 2181 8)")]
    [InlineData("www 4294967295 IN A 192.0.2.1", "test.zone:3: TTL 4294967295 is more than 2147483647")]
    [InlineData("$TTL 4294967295", "test.zone:3: TTL 4294967295 is more than 2147483647")]
    public void Errors_name_the_file_line_and_problem(string line, string expected)
    {
        var file = Parse($"""
            $ORIGIN example.test.
            @ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            {line}
            """);
        Assert.Contains(file.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_label_over_63_octets_is_an_error()
    {
        var file = Parse($"$ORIGIN example.test.\n{new string('x', 64)} 60 IN A 192.0.2.1\n");
        Assert.Contains(file.Errors, e => e.StartsWith("test.zone:2: owner", StringComparison.Ordinal) && e.Contains("63"));
    }

    [Fact]
    public void Every_error_is_reported_not_just_the_first()
    {
        var file = Parse("""
            $ORIGIN example.test.
            a 60 IN A 1.2.3.999
            b 60 IN MX x y
            c 60 IN NOPE 1
            """);
        Assert.Equal(3, file.Errors.Count);
        Assert.Equal(["test.zone:2", "test.zone:3", "test.zone:4"], file.Errors.Select(e => e[..e.IndexOf(": ", StringComparison.Ordinal)]));
    }

    [Fact]
    public void A_relative_name_without_origin_is_an_error()
    {
        var file = Parse("www 60 IN A 192.0.2.1\n");
        Assert.Contains(file.Errors, e => e.Contains("no origin", StringComparison.Ordinal));
    }

    [Fact]
    public void A_record_without_any_ttl_is_an_error()
    {
        var file = Parse("$ORIGIN example.test.\nwww IN A 192.0.2.1\n");
        Assert.Contains(file.Errors, e => e.StartsWith("test.zone:2: no TTL", StringComparison.Ordinal));
    }

    public static TheoryData<string> ExampleZones()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repository.ZonesFolder, "*.zone"))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleZones))]
    public void Writing_then_parsing_gives_the_same_records(string fileName)
    {
        var original = MasterFileParser.ParseFile(Path.Combine(Repository.ZonesFolder, fileName));
        Assert.True(original.IsValid, string.Join("\n", original.Errors));
        string written = MasterFileWriter.Write(original.Origin!, original.Records);
        var reparsed = Parse(written);
        Assert.True(reparsed.IsValid, string.Join("\n", reparsed.Errors));
        Assert.Equal(original.Origin, reparsed.Origin);
        Assert.Equal(original.Records.ToHashSet(), reparsed.Records.ToHashSet());
        Assert.Equal(original.Records.Count, reparsed.Records.Count);
    }

    [Fact]
    public void Writing_escapes_what_needs_escaping()
    {
        var original = Valid("""
            $ORIGIN example.test.
            @ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            odd\.name\; 60 IN TXT "semi;colon" "back\\slash" "\255binary"
            """);
        var reparsed = Valid(MasterFileWriter.Write(original.Origin!, original.Records));
        Assert.Equal(original.Records.ToHashSet(), reparsed.Records.ToHashSet());
    }
}
