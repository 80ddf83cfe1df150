using System.Text;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Benchmarks;

/// <summary>The zones the benchmarks answer from: a hand-made one with each kind of answer, and generated large ones.</summary>
public static class BenchmarkZones
{
    /// <summary>A zone of <paramref name="names"/> names across three levels, as bench/load.sh makes it.</summary>
    public static MasterFile Generated(int names)
    {
        var text = new StringBuilder("$ORIGIN bench.test.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\n");
        for (int i = 0; i < names; i++)
        {
            string owner = (i % 3) switch { 0 => $"h{i}", 1 => $"h{i}.d{i % 100}", _ => $"h{i}.s{i % 10}.d{i % 100}" };
            text.Append(owner).Append(" IN A 10.").Append((i >> 16) & 255).Append('.').Append((i >> 8) & 255).Append('.').Append(i & 255).Append('\n');
            if (i % 4 == 0)
                text.Append(owner).Append(" IN AAAA 2001:db8::").Append((i >> 16).ToString("x")).Append(':').Append((i & 0xFFFF).ToString("x")).Append('\n');
        }
        return MasterFileParser.Parse(text.ToString(), "bench.test.zone");
    }

    public static ZoneSnapshot Snapshot(params string[] texts) =>
        new(texts.Select(t => MasterFileParser.Parse(t, "bench.zone")).Select(f => ZoneBuilder.Build(f.Origin!, f.Records)));

    public static byte[] Query(string name, ushort type, int? edns = null, bool recursionDesired = false)
    {
        NameText.TryParse(name, [], out var wire, out _);
        var message = new List<byte> { 0x12, 0x34, recursionDesired ? (byte)1 : (byte)0, 0, 0, 1, 0, 0, 0, 0, 0, (byte)(edns is null ? 0 : 1) };
        message.AddRange(wire);
        message.AddRange([(byte)(type >> 8), (byte)type, 0, 1]);
        if (edns is { } size)
            message.AddRange([0, 0, 41, (byte)(size >> 8), (byte)size, 0, 0, 0, 0, 0, 0]);
        return [.. message];
    }
}
