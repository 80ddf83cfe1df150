namespace MiniDns.Tests.Resolution;

/// <summary>
/// A small DNS on fake servers: the root (10.0.0.1) delegates com. (10.0.0.2) and net. (10.0.0.5); com.
/// delegates cctv.com. (10.0.0.3, with glue) and glueless.com. (served by ns.dns.net., whose address only
/// net. knows); cctv.com. delegates sub.cctv.com. (10.0.0.4) and holds a CNAME into baidu.com. (10.0.0.3) and a DNAME,
/// tv.cctv.com., onto baidu.com.
/// </summary>
public static class Hierarchy
{
    public const string Root = "10.0.0.1", Com = "10.0.0.2", Cctv = "10.0.0.3", Sub = "10.0.0.4", Net = "10.0.0.5";

    public static readonly (byte[] Name, System.Net.IPAddress Address)[] Hints =
        [(Support.WireName.Name("a.root."), System.Net.IPAddress.Parse(Root))];

    public static FakeUpstream Build()
    {
        var upstream = new FakeUpstream();
        upstream.Serve(Root, """
            $ORIGIN .
            @ 86400 IN SOA a.root. h.root. 1 1800 900 604800 86400
            @ 518400 IN NS a.root.
            a.root. 518400 IN A 10.0.0.1
            com. 172800 IN NS a.gtld.com.
            a.gtld.com. 172800 IN A 10.0.0.2
            net. 172800 IN NS a.gtld.net.
            a.gtld.net. 172800 IN A 10.0.0.5
            """);
        upstream.Serve(Com, """
            $ORIGIN com.
            @ 900 IN SOA a.gtld.com. h.com. 1 1800 900 604800 900
            @ 172800 IN NS a.gtld.com.
            a.gtld 172800 IN A 10.0.0.2
            cctv 172800 IN NS ns1.cctv
            ns1.cctv 172800 IN A 10.0.0.3
            baidu 172800 IN NS ns1.cctv
            glueless 172800 IN NS ns.dns.net.
            """);
        upstream.Serve(Net, """
            $ORIGIN net.
            @ 900 IN SOA a.gtld.net. h.net. 1 1800 900 604800 900
            @ 172800 IN NS a.gtld.net.
            a.gtld 172800 IN A 10.0.0.5
            ns.dns 3600 IN A 10.0.0.3
            """);
        upstream.Serve(Cctv, """
            $ORIGIN cctv.com.
            @ 600 IN SOA ns1 h 1 1800 900 604800 300
            @ 600 IN NS ns1
            ns1 600 IN A 10.0.0.3
            news 300 IN A 192.0.2.10
            www 300 IN CNAME www.a.shifen.baidu.com.
            tv 300 IN DNAME baidu.com.
            sub 600 IN NS ns.sub
            ns.sub 600 IN A 10.0.0.4
            """, """
            $ORIGIN baidu.com.
            @ 600 IN SOA ns1.cctv.com. h 1 1800 900 604800 300
            @ 600 IN NS ns1.cctv.com.
            www.a.shifen 120 IN A 192.0.2.20
            """, """
            $ORIGIN glueless.com.
            @ 600 IN SOA ns.dns.net. h 1 1800 900 604800 300
            @ 600 IN NS ns.dns.net.
            www 300 IN A 192.0.2.30
            """);
        upstream.Serve(Sub, """
            $ORIGIN sub.cctv.com.
            @ 600 IN SOA ns h 1 1800 900 604800 60
            @ 600 IN NS ns
            ns 600 IN A 10.0.0.4
            deep 300 IN TXT "below the second cut"
            """);
        return upstream;
    }
}
