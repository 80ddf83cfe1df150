using BenchmarkDotNet.Attributes;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Benchmarks;

/// <summary>Building a zone from all its records, as a load does, and again after one edit, as a reload does.</summary>
[MemoryDiagnoser]
public class SnapshotBenchmarks
{
    private MasterFile _zone = null!;
    private Zone _built = null!;
    private Dictionary<byte[], IReadOnlyList<ZoneRecord>> _edit = null!;

    [Params(10_000, 200_000)]
    public int Names { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _zone = BenchmarkZones.Generated(Names);
        _built = ZoneBuilder.Build(_zone.Origin!, _zone.Records);
        NameText.TryParse("edited.bench.test.", [], out var name, out _);
        _edit = new(NameComparer.Instance) { [name] = [new ZoneRecord(name, RecordType.A, 300, [192, 0, 2, 1])] };
    }

    [Benchmark]
    public int Build() => ZoneBuilder.Build(_zone.Origin!, _zone.Records).NodeCount;

    [Benchmark]
    public int RebuildAfterOneEdit() => ZoneBuilder.Rebuild(_built, _edit).NodeCount;
}
