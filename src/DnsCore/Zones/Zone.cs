using System.Runtime.InteropServices;
using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// One zone, immutable once built, in a few flat arrays rather than an object per name: every node's name
/// in one byte array, every RRset's record data in another, a row per node and per RRset, and an
/// open-addressing index from name to node. About 90 bytes per one-record name, and nothing for the
/// garbage collector to trace but the arrays. <see cref="ZoneNode"/> and <see cref="RRset"/> are views.
/// </summary>
public sealed class Zone
{
    private readonly byte[] _names;
    private readonly byte[] _data;
    private readonly NodeRow[] _nodes;
    private readonly SetRow[] _sets;
    private readonly int[] _additional; // per RRset, a run of the RRsets its additional section takes
    private readonly int[] _index;      // node number + 1 by name hash, 0 = free; a power of two long
    private readonly int _apex;
    private readonly int _soa;

    internal Zone(byte[] origin, byte[] names, byte[] data, NodeRow[] nodes, SetRow[] sets, int[] additional, int[] index,
        int apex, int soa, int recordCount)
    {
        Origin = origin;
        OriginLabels = DnsName.LabelCount(origin);
        (_names, _data, _nodes, _sets, _additional, _index, _apex, _soa) = (names, data, nodes, sets, additional, index, apex, soa);
        RecordCount = recordCount;
        // RFC 2308 5: the SOA of a negative answer has TTL = min(SOA TTL, SOA MINIMUM).
        var soaData = Soa.Records[0];
        NegativeSoaTtl = Math.Min(Soa.Ttl, RdataCodec.ReadU32(soaData, soaData.Length - 4));
    }

    public byte[] Origin { get; }
    public int OriginLabels { get; }
    public ZoneNode Apex => new(this, _apex);
    public RRset Soa => new(this, _soa);
    public uint NegativeSoaTtl { get; }
    public int RecordCount { get; }
    public int NodeCount => _nodes.Length;
    internal int NameBytes => _names.Length;
    internal int DataBytes => _data.Length;
    public uint Serial => SoaSerial.Read(Soa.Records[0]);

    /// <summary>
    /// A secondary zone not transferred yet, or expired (its primary out of reach past the SOA's expire time):
    /// every question in it is SERVFAIL, as NSD and Knot answer, and it is neither transferred out nor notified.
    /// </summary>
    public bool Unavailable { get; private init; }

    /// <summary>The same zone, unavailable.</summary>
    public Zone AsUnavailable() => new(Origin, _names, _data, _nodes, _sets, _additional, _index, _apex, _soa, RecordCount) { Unavailable = true };

    public ZoneNode? Find(ReadOnlySpan<byte> lowercaseName) => TryFind(lowercaseName, out var node) ? node : null;

    public bool TryFind(ReadOnlySpan<byte> lowercaseName, out ZoneNode node)
    {
        int found = IndexOf(_index, _nodes, _names, lowercaseName);
        node = new ZoneNode(this, found);
        return found >= 0;
    }

    public IEnumerable<ZoneNode> Nodes
    {
        get
        {
            for (int i = 0; i < _nodes.Length; i++)
                yield return new ZoneNode(this, i);
        }
    }

    /// <summary>Every record of the zone, as a builder takes them (RRsets carry one TTL).</summary>
    public IEnumerable<ZoneRecord> EnumerateRecords()
    {
        foreach (var node in Nodes)
        {
            var name = node.Name.ToArray();
            foreach (var set in node.Sets)
            {
                foreach (var data in set.Records.ToArrays())
                    yield return new ZoneRecord(name, set.Type, set.Ttl, data);
            }
        }
    }

    public override string ToString() => NameText.Format(Origin);

    internal ref readonly NodeRow NodeAt(int node) => ref _nodes[node];
    internal ref readonly SetRow SetAt(int set) => ref _sets[set];
    internal ReadOnlyMemory<byte> NameOf(int node) => _names.AsMemory(_nodes[node].NameOffset, _nodes[node].NameLength);
    internal RecordData DataOf(int set) => new(_data.AsMemory(_sets[set].DataOffset, _sets[set].DataLength), _sets[set].RecordCount);
    internal int AdditionalSet(int position) => _additional[position];

    /// <summary>The hash names are indexed by; seeded per process (<see cref="HashCode"/>), which blunts hash flooding.</summary>
    internal static int Hash(ReadOnlySpan<byte> name)
    {
        var hash = new HashCode();
        hash.AddBytes(name);
        return hash.ToHashCode();
    }

    /// <summary>Linear probing in an index that is never more than half full; -1 when the name is not there.</summary>
    internal static int IndexOf(int[] index, NodeRow[] nodes, byte[] names, ReadOnlySpan<byte> name)
    {
        int hash = Hash(name);
        int mask = index.Length - 1;
        for (int slot = hash & mask; ; slot = (slot + 1) & mask)
        {
            int entry = index[slot];
            if (entry == 0)
                return -1;
            ref readonly var node = ref nodes[entry - 1];
            if (node.Hash == hash && names.AsSpan(node.NameOffset, node.NameLength).SequenceEqual(name))
                return entry - 1;
        }
    }
}

/// <summary>One node of a <see cref="Zone"/>: where its name is and which RRsets are its own.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct NodeRow
{
    public const byte BelowCut = 1;

    public int NameOffset;
    public int Hash;
    public int FirstSet;
    public int Wildcard;     // the node "*." + this name, or -1
    public ushort SetCount;
    public byte NameLength;
    public byte Flags;
}

/// <summary>One RRset of a <see cref="Zone"/>: owner node, type, TTL, where its data and additional RRsets are.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct SetRow
{
    public int Node;
    public int DataOffset;
    public int DataLength;
    public int RecordCount;
    public int FirstAdditional;
    public uint Ttl;
    public ushort Type;
    public ushort AdditionalCount;
}
