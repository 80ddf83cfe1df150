using MiniDns.Tests.Support;
using MiniDns.Transfer;
using MiniDns.Wire;

namespace MiniDns.Tests.Transfer;

/// <summary>AXFR sends a zone's names in canonical order (RFC 4034 6.1), as NSD does: a secondary's tree fills in order.</summary>
public sealed class CanonicalOrderTests
{
    [Fact]
    public void The_names_of_rfc_4034_come_in_its_order_whatever_order_the_zone_holds_them_in()
    {
        // RFC 4034 6.1's example, given here shuffled.
        string[] canonical = ["example.", "a.example.", "yljkjljk.a.example.", "z.a.example.", "zabc.a.example.", "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example."];
        var text = "$ORIGIN example.\n@ 300 IN SOA ns hostmaster 1 3600 600 86400 300\n@ 300 IN NS ns.elsewhere.\n"
            + string.Concat(canonical.Skip(1).Reverse().Select((name, i) => $"{name} 300 IN A 192.0.2.{i + 1}\n"))
            + "Z.a.example. 300 IN TXT \"case\"\n";
        var zone = LocalAnswer.Snapshot(text).Zones[0];

        var names = CanonicalOrder.Nodes(zone).Select(n => NameText.Format(n.Name.Span)).ToArray();

        Assert.Equal(canonical, names);
    }

    [Fact]
    public void A_whole_transfer_goes_in_canonical_order_between_its_two_soas()
    {
        var zone = LocalAnswer.Snapshot("$ORIGIN order.test.\n@ 300 IN SOA ns h 1 2 3 4 5\n@ 300 IN NS ns\n"
            + string.Concat(Enumerable.Range(0, 500).Select(i => $"h{(i * 7919) % 500}.d{i % 7} 300 IN A 10.0.{i / 256}.{i % 256}\n"))).Zones[0];

        var owners = TransferRecords.Axfr(zone).Select(r => r.Owner.ToArray()).ToList();

        Assert.Equal(RecordType.SOA, TransferRecords.Axfr(zone).First().Type);
        var middle = owners.Skip(1).SkipLast(1).Select(o => NameText.Format(o)).Distinct().ToList();
        var expected = zone.Nodes.Select(n => NameText.Format(n.Name.Span)).Where(n => middle.Contains(n))
            .OrderBy(n => string.Join(".", n.TrimEnd('.').Split('.').Reverse()), StringComparer.Ordinal).ToList();
        Assert.Equal(expected, middle);
    }
}
