using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>One zone, immutable once built: every node (names and empty non-terminals) keyed by lowercased wire name.</summary>
public sealed class Zone
{
    private readonly Dictionary<byte[], ZoneNode> _nodes;
    private readonly Dictionary<byte[], ZoneNode>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    internal Zone(byte[] origin, Dictionary<byte[], ZoneNode> nodes, RRset soa, int recordCount)
    {
        Origin = origin;
        OriginLabels = DnsName.LabelCount(origin);
        _nodes = nodes;
        _lookup = nodes.GetAlternateLookup<ReadOnlySpan<byte>>();
        Apex = nodes[origin];
        Soa = soa;
        // RFC 2308 5: the SOA of a negative answer has TTL = min(SOA TTL, SOA MINIMUM).
        uint minimum = RdataCodec.ReadU32(soa.Records[0], soa.Records[0].Length - 4);
        NegativeSoa = new RRset(soa.Owner, RecordType.SOA, Math.Min(soa.Ttl, minimum), soa.Records);
        RecordCount = recordCount;
    }

    public byte[] Origin { get; }
    public int OriginLabels { get; }
    public ZoneNode Apex { get; }
    public RRset Soa { get; }
    public RRset NegativeSoa { get; }
    public int RecordCount { get; }
    public int NodeCount => _nodes.Count;
    public uint Serial => SoaSerial.Read(Soa.Records[0]);

    public ZoneNode? Find(ReadOnlySpan<byte> lowercaseName) => _lookup.TryGetValue(lowercaseName, out var node) ? node : null;

    public IEnumerable<ZoneNode> Nodes => _nodes.Values;

    /// <summary>The node table itself, for <see cref="ZonePatcher"/> to copy.</summary>
    internal Dictionary<byte[], ZoneNode> NodeTable => _nodes;

    /// <summary>Every record of the zone, as a builder takes them (RRsets carry one TTL).</summary>
    public IEnumerable<ZoneRecord> EnumerateRecords()
    {
        foreach (var node in _nodes.Values)
        {
            foreach (var set in node.Sets)
            {
                foreach (var data in set.Records)
                    yield return new ZoneRecord(node.Name, set.Type, set.Ttl, data);
            }
        }
    }

    public override string ToString() => NameText.Format(Origin);
}
