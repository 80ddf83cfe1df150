using BenchmarkDotNet.Attributes;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Benchmarks;

/// <summary>
/// The per-query path, one stage at a time and whole: reading a query, planning the answer from a snapshot,
/// writing the response. The memory diagnoser shows bytes allocated per operation (the goal is 0).
/// </summary>
[MemoryDiagnoser]
public class AnswerBenchmarks
{
    private readonly ZoneSnapshot _snapshot = BenchmarkZones.Snapshot(MiniDns.Tests.Support.TestZonesText.EachKind, MiniDns.Tests.Support.TestZonesText.Big);
    private readonly QueryContext _context = new();
    private readonly byte[] _response = new byte[65535];
    private byte[] _query = [];

    public static IEnumerable<string> Cases => ["hit", "cname-chain", "nxdomain", "wildcard", "referral", "truncated"];

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "hit";

    [GlobalSetup]
    public void Setup()
    {
        _query = Case switch
        {
            "hit" => BenchmarkZones.Query("www.example.test.", RecordType.A),
            "cname-chain" => BenchmarkZones.Query("alias.example.test.", RecordType.A),
            "nxdomain" => BenchmarkZones.Query("missing.example.test.", RecordType.A),
            "wildcard" => BenchmarkZones.Query("anything.wild.example.test.", RecordType.A),
            "referral" => BenchmarkZones.Query("host.sub.example.test.", RecordType.A),
            "truncated" => BenchmarkZones.Query("big.test.", RecordType.TXT),
            _ => throw new ArgumentException(Case),
        };
        QueryReader.Read(_query, _context.Query);
        AuthoritativeAnswerer.Answer(_context.Query, _snapshot, _context.Plan);
    }

    [Benchmark]
    public QueryParseResult Parse() => QueryReader.Read(_query, _context.Query);

    [Benchmark]
    public int Plan()
    {
        AuthoritativeAnswerer.Answer(_context.Query, _snapshot, _context.Plan);
        return _context.Plan.Answer.Count;
    }

    [Benchmark]
    public int Write() => ResponseWriter.Write(_query, _context.Query, _context.Plan, ResponseWriter.ClassicUdpLimit, _response, _context.Compressor);

    /// <summary>All three, as a receive loop runs them.</summary>
    [Benchmark(Baseline = true)]
    public int Answer() => QueryProcessor.Process(_query, _response, _snapshot, _context);
}
