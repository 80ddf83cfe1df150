using System.Net;
using BenchmarkDotNet.Attributes;
using MiniDns.Resolution;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Benchmarks;

/// <summary>
/// A resolver's cache hit as the receive loop answers it: the whole of <see cref="QueryProcessor.Process"/> for a
/// name outside our zones, from a client allowed to recurse, over a cache of 100,000 names. The memory
/// diagnoser shows the bytes allocated per answer (the goal is 0).
/// </summary>
[MemoryDiagnoser]
public class CacheHitBenchmarks
{
    private readonly QueryContext _context = new();
    private readonly byte[] _response = new byte[65535];
    private byte[] _query = [];

    public static IEnumerable<string> Cases => ["hit", "cname", "nxdomain"];

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "hit";

    [GlobalSetup]
    public void Setup()
    {
        var cache = new ResolverCache(new ResolverCacheOptions());
        for (int i = 0; i < 100_000; i++)
            cache.Store(RRsetData.Create(Name($"h{i}.d{i % 100}.bench.test."), RecordType.A, 3600, [[10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]]), CacheRank.Authoritative);
        cache.Store(RRsetData.Create(Name("c1.bench.test."), RecordType.CNAME, 3600, [Name("h1.d1.bench.test.")]), CacheRank.Authoritative);
        cache.StoreNegative(Name("nx1.bench.test."), RecordType.A, nxDomain: true, RRsetData.Create(Name("bench.test."), RecordType.SOA, 300, [new byte[22]]), 300);
        _context.Recursion = new RecursionAccess([IPNetwork.Parse("127.0.0.0/8")], cache, 11);
        _context.SetClientAddress([127, 0, 0, 1]);
        _query = Case switch
        {
            "hit" => BenchmarkZones.Query("h12345.d45.bench.test.", RecordType.A, recursionDesired: true),
            "cname" => BenchmarkZones.Query("c1.bench.test.", RecordType.A, recursionDesired: true),
            "nxdomain" => BenchmarkZones.Query("nx1.bench.test.", RecordType.A, recursionDesired: true),
            _ => throw new ArgumentException(Case),
        };
    }

    private static byte[] Name(string text) => NameText.TryParse(text, [], out var name, out var error) ? name : throw new ArgumentException(error);

    [Benchmark]
    public int Answer() => QueryProcessor.Process(_query, _response, ZoneSnapshot.Empty, _context);
}
