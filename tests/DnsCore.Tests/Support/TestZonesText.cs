namespace MiniDns.Tests.Support;

/// <summary>Zone texts shared by the tests and the benchmarks.</summary>
public static class TestZonesText
{
    /// <summary>One name for each kind of answer: hit, CNAME chain, wildcard, referral with glue, DNAME.</summary>
    public const string EachKind = """
        $ORIGIN example.test.
        $TTL 3600
        @ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
        @ IN NS ns1
        @ IN MX 10 mail
        ns1 IN A 192.0.2.1
        mail IN A 192.0.2.25
        www IN A 192.0.2.80
        alias IN CNAME chain
        chain IN CNAME www
        *.wild IN A 192.0.2.99
        sub IN NS ns.sub
        ns.sub IN A 192.0.2.53
        old IN DNAME new.example.test.
        www.new IN A 192.0.2.44
        """;

    /// <summary>An RRset of about 3 KB: too large for any UDP response.</summary>
    public static string Big => "$ORIGIN big.test.\n$TTL 60\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\n"
        + string.Concat(Enumerable.Range(0, 30).Select(i => $"@ IN TXT \"{new string('x', 90)}{i:D2}\"\n"));
}
