namespace MiniDns.Tests.Support;

/// <summary>A zone with one example of every behaviour of RFC 1034 4.3.2 and its successors.</summary>
public static class TestZones
{
    public const string Example = """
        $ORIGIN example.test.
        $TTL 3600
        @           IN SOA  ns1 hostmaster 2026112701 7200 3600 1209600 300
        @           IN NS   ns1
        @           IN NS   ns2
        @           IN MX   10 mail
        ns1         IN A    192.0.2.1
        ns2         IN AAAA 2001:db8::2
        mail        IN A    192.0.2.25
        mail        IN AAAA 2001:db8::25
        www     300 IN A    192.0.2.80
        alias       IN CNAME www
        chain1      IN CNAME chain2
        chain2      IN CNAME www
        outside     IN CNAME www.elsewhere.invalid.
        dangling    IN CNAME missing
        loop1       IN CNAME loop2
        loop2       IN CNAME loop1
        a.b.c       IN A    192.0.2.3
        *.wild      IN A    192.0.2.99
        *.wild      IN TXT  "wild"
        exists.wild IN A    192.0.2.98
        x.ent.wild  IN A    192.0.2.97
        sub         IN NS   ns.sub
        sub         IN NS   ns.elsewhere.invalid.
        ns.sub      IN A    192.0.2.53
        old         IN DNAME new.example.test.
        www.new     IN A    192.0.2.44
        long        IN DNAME aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.example.test.
        _sip._udp   IN SRV  10 60 5060 sip
        sip         IN A    192.0.2.50
        medium      IN TXT  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
        medium      IN TXT  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2"
        medium      IN TXT  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3"
        medium      IN TXT  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4"
        medium      IN TXT  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa5"
        medium      IN TXT  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa6"
        """;
}
