using System.Net;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Resolution;

/// <summary>
/// Where iteration starts: the root servers' names and addresses. Built in are IANA's (named.root of
/// 2024); <c>--root-hints FILE</c> replaces them with a master file's NS records for the root and the
/// A/AAAA records of those names.
/// </summary>
public static class RootHints
{
    public static IReadOnlyList<(byte[] Name, IPAddress Address)> Iana { get; } = Build(
    [
        ("a", "198.41.0.4", "2001:503:ba3e::2:30"), ("b", "170.247.170.2", "2801:1b8:10::b"),
        ("c", "192.33.4.12", "2001:500:2::c"), ("d", "199.7.91.13", "2001:500:2d::d"),
        ("e", "192.203.230.10", "2001:500:a8::e"), ("f", "192.5.5.241", "2001:500:2f::f"),
        ("g", "192.112.36.4", "2001:500:12::d0d"), ("h", "198.97.190.53", "2001:500:1::53"),
        ("i", "192.36.148.17", "2001:7fe::53"), ("j", "192.58.128.30", "2001:503:c27::2:30"),
        ("k", "193.0.14.129", "2001:7fd::1"), ("l", "199.7.83.42", "2001:500:9f::42"),
        ("m", "202.12.27.33", "2001:dc3::35"),
    ]);

    /// <summary>The hints of a master file; throws <see cref="ZoneDataException"/> naming what is wrong.</summary>
    public static IReadOnlyList<(byte[] Name, IPAddress Address)> Parse(string text, string fileName)
    {
        var file = MasterFileParser.Parse(text, fileName, DnsName.Root);
        if (file.Errors.Count > 0)
            throw new ZoneDataException(file.Errors);
        var servers = file.Records.Where(r => r.Type == RecordType.NS && r.Owner.AsSpan().SequenceEqual(DnsName.Root))
            .Select(r => DnsName.ToLowerCopy(r.Data)).ToList();
        var hints = new List<(byte[] Name, IPAddress Address)>();
        foreach (var record in file.Records.Where(r => r.Type is RecordType.A or RecordType.AAAA))
        {
            var owner = DnsName.ToLowerCopy(record.Owner);
            if (servers.Any(s => s.AsSpan().SequenceEqual(owner)))
                hints.Add((owner, new IPAddress(record.Data)));
        }
        if (hints.Count == 0)
            throw new ZoneDataException([$"{fileName}: no root server with an address (NS records for . and their A or AAAA records)"]);
        return hints;
    }

    private static IReadOnlyList<(byte[] Name, IPAddress Address)> Build((string Letter, string V4, string V6)[] servers)
    {
        var hints = new List<(byte[] Name, IPAddress Address)>();
        foreach (var (letter, v4, v6) in servers)
        {
            NameText.TryParse($"{letter}.root-servers.net.", [], out var name, out _);
            hints.Add((name, IPAddress.Parse(v4)));
            hints.Add((name, IPAddress.Parse(v6)));
        }
        return hints;
    }
}
