namespace MiniDns.Tests.Support;

/// <summary>Zone texts shared by core tests.</summary>
public static class TestZonesText
{
    /// <summary>An RRset of about 3 KB: too large for any UDP response.</summary>
    public static string Big => "$ORIGIN big.test.\n$TTL 60\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\n"
        + string.Concat(Enumerable.Range(0, 30).Select(i => $"@ IN TXT \"{new string('x', 90)}{i:D2}\"\n"));
}
