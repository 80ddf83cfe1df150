using BenchmarkDotNet.Attributes;
using MiniDns.Zones;

namespace MiniDns.Benchmarks;

/// <summary>Building a zone snapshot from its records, as a reload does after an edit.</summary>
[MemoryDiagnoser]
public class SnapshotBenchmarks
{
    private MasterFile _zone = null!;

    [Params(10_000, 200_000)]
    public int Names { get; set; }

    [GlobalSetup]
    public void Setup() => _zone = BenchmarkZones.Generated(Names);

    [Benchmark]
    public int Rebuild() => ZoneBuilder.Build(_zone.Origin!, _zone.Records).NodeCount;
}
