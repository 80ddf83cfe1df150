using MiniDns.Tests.Support;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Wire;

/// <summary>
/// The answer path reads, plans and writes without a heap allocation once warm (DESIGN.md, rules of the
/// hot path). This counts bytes, not time: BenchmarkDotNet measures speed.
/// </summary>
public sealed class AllocationTests
{
    private static readonly ZoneSnapshot Snapshot = LocalAnswer.Snapshot(TestZonesText.EachKind, TestZonesText.Big);

    public static TheoryData<string, ushort, int?> Queries() => new()
    {
        { "www.example.test.", RecordType.A, null },
        { "WWW.Example.TEST.", RecordType.A, 1232 },
        { "alias.example.test.", RecordType.A, null },
        { "missing.example.test.", RecordType.A, null },
        { "www.example.test.", RecordType.MX, null },
        { "x.wild.example.test.", RecordType.A, null },
        { "host.sub.example.test.", RecordType.A, null },
        { "www.old.example.test.", RecordType.A, null },
        { "example.test.", RecordType.MX, null },
        { "big.test.", RecordType.TXT, null },
        { "example.org.", RecordType.A, null },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void A_warm_query_allocates_nothing(string name, ushort type, int? edns)
    {
        var request = QueryBytes.Build(name, type, ednsPayload: edns);
        var response = new byte[65535];
        var context = new QueryContext();
        for (int i = 0; i < 50; i++)
            QueryProcessor.Process(request, response, Snapshot, context);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
            QueryProcessor.Process(request, response, Snapshot, context);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
