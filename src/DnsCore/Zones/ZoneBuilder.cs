using System.Buffers.Binary;
using System.Numerics;
using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// Builds an immutable <see cref="Zone"/> from records fed one at a time (from a zone file, the store's
/// blocks, or an old zone and some changed names), working out everything a query would otherwise compute:
/// empty non-terminals, RRsets with one TTL and no duplicates, wildcard sources and additional-section data.
/// Records are staged in flat arrays too, so a build makes no object per record.
/// </summary>
public sealed class ZoneBuilder
{
    private readonly byte[] _origin;
    private readonly List<string> _errors = [];

    private byte[] _names = new byte[1024];
    private int _namesUsed;
    private NodeRow[] _nodes = new NodeRow[64];
    private int[] _firstRecord = new int[64]; // per node: the head of its records' chain (through Next), -1 none
    private int _nodeCount;
    private int[] _index = new int[128];

    private StagedRecord[] _records = new StagedRecord[64];
    private int _recordCount;
    private byte[] _staged = new byte[1024];
    private int _stagedUsed;

    private struct StagedRecord
    {
        public int Next;
        public int DataOffset;
        public int DataLength;
        public uint Ttl;
        public ushort Type;
    }

    /// <param name="origin">The zone's origin.</param>
    /// <param name="expectedRecords">How many records are coming, when known (the store counts them): staging
    /// room is taken once instead of grown by doubling, which leaves less for the collector at load time.</param>
    public ZoneBuilder(ReadOnlySpan<byte> origin, int expectedRecords = 0)
    {
        _origin = DnsName.ToLowerCopy(origin.ToArray());
        // A hint, not a promise: a damaged count must not take all memory up front.
        if (expectedRecords > _records.Length)
            _records = new StagedRecord[Math.Min(expectedRecords, 1 << 22)];
    }

    public static Zone Build(byte[] origin, IEnumerable<ZoneRecord> records)
    {
        var builder = new ZoneBuilder(origin);
        foreach (var record in records)
            builder.Add(record.Owner, record.Type, record.Ttl, record.Data);
        return builder.ToZone();
    }

    /// <summary>A secondary zone that has no content yet: an SOA of serial 0 at the origin, <see cref="Zone.Unavailable"/>.</summary>
    public static Zone Placeholder(byte[] origin)
    {
        var builder = new ZoneBuilder(origin, 1);
        builder.Add(origin, RecordType.SOA, 0, [.. origin, .. origin, .. new byte[20]]);
        return builder.ToZone().AsUnavailable();
    }

    /// <summary>
    /// A zone with the records of some names replaced (an empty list removes a name): the old zone's other
    /// records and the new ones, built again. The old zone is not touched, so readers of it see it whole.
    /// </summary>
    public static Zone Rebuild(Zone zone, IReadOnlyDictionary<byte[], IReadOnlyList<ZoneRecord>> changes)
    {
        var changed = new HashSet<byte[]>(changes.Keys.Select(k => DnsName.ToLowerCopy(k)), NameComparer.Instance);
        var isChanged = changed.GetAlternateLookup<ReadOnlySpan<byte>>();
        var builder = new ZoneBuilder(zone.Origin, zone.RecordCount + changes.Values.Sum(r => r.Count));
        // Room for all of the old zone and the changes at once: every array doubling is a large object the
        // collector must come back for, and its pauses stop the receive loops too.
        builder.Reserve(zone.NodeCount + changes.Count, zone.NameBytes + changes.Keys.Sum(k => k.Length), zone.DataBytes + changes.Values.Sum(r => r.Sum(x => x.Data.Length)));
        foreach (var node in zone.Nodes)
        {
            var name = node.Name.Span;
            if (isChanged.Contains(name))
                continue;
            foreach (var set in node.Sets)
            {
                foreach (var data in set.Records)
                    builder.Add(name, set.Type, set.Ttl, data);
            }
        }
        foreach (var (name, records) in changes)
        {
            foreach (var record in records)
                builder.Add(name, record.Type, record.Ttl, record.Data);
        }
        return builder.ToZone();
    }

    private void Reserve(int nodes, int nameBytes, int dataBytes)
    {
        _nodes = new NodeRow[Math.Max(nodes, _nodes.Length)];
        _firstRecord = new int[_nodes.Length];
        _names = new byte[Math.Max(nameBytes, _names.Length)];
        _staged = new byte[Math.Max(dataBytes, _staged.Length)];
        _index = new int[Math.Max((int)BitOperations.RoundUpToPowerOf2((uint)nodes * 2), _index.Length)];
    }

    /// <summary>Stages one record; a record that cannot be in this zone is kept as an error for <see cref="ToZone"/>.</summary>
    public void Add(ReadOnlySpan<byte> owner, ushort type, uint ttl, ReadOnlySpan<byte> data)
    {
        Span<byte> lower = stackalloc byte[owner.Length];
        owner.CopyTo(lower);
        DnsName.ToLower(lower);
        if (!DnsName.IsSubdomainOf(lower, _origin))
        {
            _errors.Add($"{NameText.Format(owner)} is outside zone {NameText.Format(_origin)}");
            return;
        }
        if (RecordType.IsQuestionOnly(type))
        {
            _errors.Add($"{NameText.Format(owner)}: {RecordType.ToText(type)} cannot be stored in a zone");
            return;
        }
        if (data.Length > ushort.MaxValue)
        {
            _errors.Add($"{NameText.Format(owner)} {RecordType.ToText(type)}: record data longer than 65535 bytes");
            return;
        }
        // Data from the store or a transfer is untrusted too: data that does not fit its type's layout would
        // make the writer slice past it when the record is answered.
        if (!RdataCodec.IsValid(type, data))
        {
            _errors.Add($"{NameText.Format(owner)} {RecordType.ToText(type)}: record data does not match its type");
            return;
        }
        int node = NodeFor(lower);
        if (_recordCount == _records.Length)
            Array.Resize(ref _records, _records.Length * 2);
        EnsureRoom(ref _staged, _stagedUsed, data.Length);
        data.CopyTo(_staged.AsSpan(_stagedUsed));
        _records[_recordCount] = new StagedRecord { Next = _firstRecord[node], DataOffset = _stagedUsed, DataLength = data.Length, Ttl = ttl, Type = type };
        _firstRecord[node] = _recordCount++;
        _stagedUsed += data.Length;
    }

    public Zone ToZone()
    {
        int apex = NodeFor(_origin);
        AddEmptyNonTerminals();

        // Sorted by type and data, each node's RRsets are runs and duplicates (RFC 2181 5) sit side by side:
        // the first pass sorts each node's chain and counts, so the second fills arrays of the exact size.
        int setCount = 0, dataLength = 0;
        var run = new List<int>();
        Comparison<int> byTypeThenData = CompareStaged;
        for (int node = 0; node < _nodeCount; node++)
        {
            run.Clear();
            for (int r = _firstRecord[node]; r >= 0; r = _records[r].Next)
                run.Add(r);
            run.Sort(byTypeThenData);
            int kept = -1;
            _firstRecord[node] = -1;
            for (int i = run.Count - 1; i >= 0; i--)
            {
                if (kept >= 0 && CompareStaged(run[i], kept) == 0)
                {
                    _records[kept].Ttl = Math.Min(_records[kept].Ttl, _records[run[i]].Ttl); // the set's TTL is the smallest
                    continue;
                }
                if (kept < 0 || _records[run[i]].Type != _records[kept].Type)
                    setCount++;
                _records[run[i]].Next = kept;
                kept = _firstRecord[node] = run[i];
                dataLength += 2 + _records[kept].DataLength;
            }
        }

        var sets = new SetRow[setCount];
        var data = new byte[dataLength];
        int setsUsed = 0, dataUsed = 0, recordCount = 0;
        for (int node = 0; node < _nodeCount; node++)
        {
            _nodes[node].FirstSet = setsUsed;
            for (int r = _firstRecord[node]; r >= 0;)
            {
                ref var set = ref sets[setsUsed++];
                set = new SetRow { Node = node, Type = _records[r].Type, Ttl = uint.MaxValue, DataOffset = dataUsed };
                for (; r >= 0 && _records[r].Type == set.Type; r = _records[r].Next)
                {
                    ref readonly var record = ref _records[r];
                    set.Ttl = Math.Min(set.Ttl, record.Ttl);
                    BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(dataUsed), (ushort)record.DataLength);
                    _staged.AsSpan(record.DataOffset, record.DataLength).CopyTo(data.AsSpan(dataUsed + 2));
                    dataUsed += 2 + record.DataLength;
                    set.RecordCount++;
                }
                set.DataLength = dataUsed - set.DataOffset;
                recordCount += set.RecordCount;
            }
            _nodes[node].SetCount = checked((ushort)(setsUsed - _nodes[node].FirstSet));
        }

        int soa = FindSet(sets, apex, RecordType.SOA);
        int soas = soa < 0 ? 0 : sets[soa].RecordCount;
        if (soas == 0)
            _errors.Add($"zone {NameText.Format(_origin)} has no SOA record at its apex");
        else if (soas != 1)
            _errors.Add($"zone {NameText.Format(_origin)} has {soas} SOA records; exactly one is allowed");
        if (_errors.Count > 0)
            throw new ZoneDataException(_errors);

        for (int node = 0; node < _nodeCount; node++)
            _nodes[node].Wildcard = -1;
        for (int node = 0; node < _nodeCount; node++)
        {
            var name = _names.AsSpan(_nodes[node].NameOffset, _nodes[node].NameLength);
            // RFC 4592 3.3.1: "*." + a name is the source of synthesis below that name.
            if (DnsName.IsWildcard(name) && name.Length > _origin.Length)
                _nodes[IndexOf(name[2..])].Wildcard = node;
        }

        MarkBelowCuts(sets, apex);
        var additional = FindAdditional(sets, data);
        Array.Resize(ref _names, _namesUsed);
        Array.Resize(ref _nodes, _nodeCount);
        return new Zone(_origin, _names, data, _nodes, sets, additional, _index, apex, soa, recordCount);
    }

    private int CompareStaged(int a, int b)
    {
        ref readonly var x = ref _records[a];
        ref readonly var y = ref _records[b];
        int order = x.Type.CompareTo(y.Type);
        return order != 0 ? order
            : _staged.AsSpan(x.DataOffset, x.DataLength).SequenceCompareTo(_staged.AsSpan(y.DataOffset, y.DataLength));
    }

    private int FindSet(SetRow[] sets, int node, ushort type)
    {
        for (int i = _nodes[node].FirstSet; i < _nodes[node].FirstSet + _nodes[node].SetCount; i++)
        {
            if (sets[i].Type == type)
                return i;
        }
        return -1;
    }

    // Every ancestor of a name, up to the apex, exists (RFC 4592 2.2.2): add the missing ones as empty nodes.
    private void AddEmptyNonTerminals()
    {
        Span<byte> name = stackalloc byte[DnsName.MaxLength];
        for (int node = 0; node < _nodeCount; node++)
        {
            int length = _nodes[node].NameLength;
            _names.AsSpan(_nodes[node].NameOffset, length).CopyTo(name);
            for (int p = 1 + name[0]; length - p > _origin.Length; p += 1 + name[p])
            {
                if (IndexOf(name[p..length]) >= 0)
                    break; // present already, and so are its own ancestors
                NodeFor(name[p..length]);
            }
        }
    }

    // A node below a cut is occluded (RFC 1034 4.3.2): queries for it are referred. Marked here, each node
    // from its parent's mark, so answering walks down from the apex only for such names and missing ones.
    private void MarkBelowCuts(SetRow[] sets, int apex)
    {
        var known = new bool[_nodeCount];
        known[apex] = true;
        var path = new Stack<int>();
        for (int node = 0; node < _nodeCount; node++)
        {
            for (int n = node; !known[n]; n = Parent(n))
                path.Push(n);
            while (path.TryPop(out int n))
            {
                int parent = Parent(n);
                bool parentIsCut = parent != apex && FindSet(sets, parent, RecordType.NS) >= 0;
                if (parentIsCut || (_nodes[parent].Flags & NodeRow.BelowCut) != 0)
                    _nodes[n].Flags |= NodeRow.BelowCut;
                known[n] = true;
            }
        }
    }

    // Every node but the apex has its parent in the zone (empty non-terminals are added first).
    private int Parent(int node)
    {
        var name = _names.AsSpan(_nodes[node].NameOffset, _nodes[node].NameLength);
        return IndexOf(name[(1 + name[0])..]);
    }

    // RFC 1035 3.3.9/3.3.11 and RFC 2782: A and AAAA of the targets that this zone holds, glue included.
    private int[] FindAdditional(SetRow[] sets, byte[] data)
    {
        var additional = new List<int>();
        Span<byte> target = stackalloc byte[DnsName.MaxLength];
        for (int s = 0; s < sets.Length; s++)
        {
            int offset = RecordLayout.TargetNameOffset(sets[s].Type);
            if (offset < 0)
                continue;
            sets[s].FirstAdditional = additional.Count;
            var records = new RecordData(data.AsMemory(sets[s].DataOffset, sets[s].DataLength), sets[s].RecordCount);
            foreach (var rdata in records)
            {
                var name = rdata[offset..];
                name.CopyTo(target);
                DnsName.ToLower(target[..name.Length]);
                int node = DnsName.IsSubdomainOf(target[..name.Length], _origin) ? IndexOf(target[..name.Length]) : -1;
                if (node < 0)
                    continue;
                foreach (var type in (ReadOnlySpan<ushort>)[RecordType.A, RecordType.AAAA])
                {
                    for (int i = _nodes[node].FirstSet; i < _nodes[node].FirstSet + _nodes[node].SetCount; i++)
                    {
                        if (sets[i].Type == type && additional.IndexOf(i, sets[s].FirstAdditional) < 0)
                            additional.Add(i);
                    }
                }
            }
            sets[s].AdditionalCount = checked((ushort)(additional.Count - sets[s].FirstAdditional));
        }
        return [.. additional];
    }

    private int IndexOf(ReadOnlySpan<byte> name) => Zone.IndexOf(_index, _nodes, _names, name);

    // The node of a lowercase name, added when new.
    private int NodeFor(ReadOnlySpan<byte> name)
    {
        int found = IndexOf(name);
        if (found >= 0)
            return found;
        if (_nodeCount == _nodes.Length)
        {
            Array.Resize(ref _nodes, _nodeCount * 2);
            Array.Resize(ref _firstRecord, _nodeCount * 2);
        }
        EnsureRoom(ref _names, _namesUsed, name.Length);
        name.CopyTo(_names.AsSpan(_namesUsed));
        _nodes[_nodeCount] = new NodeRow { NameOffset = _namesUsed, NameLength = (byte)name.Length, Hash = Zone.Hash(name) };
        _firstRecord[_nodeCount] = -1;
        _namesUsed += name.Length;
        _nodeCount++;
        if (_nodeCount * 2 > _index.Length)
        {
            // Never more than half full, so probes stay short and always end at a free slot.
            _index = new int[_index.Length * 2];
            for (int node = 0; node < _nodeCount; node++)
                Insert(node);
        }
        else
        {
            Insert(_nodeCount - 1);
        }
        return _nodeCount - 1;
    }

    private void Insert(int node)
    {
        int mask = _index.Length - 1;
        int slot = _nodes[node].Hash & mask;
        while (_index[slot] != 0)
            slot = (slot + 1) & mask;
        _index[slot] = node + 1;
    }

    private static void EnsureRoom(ref byte[] buffer, int used, int more)
    {
        if (used + more > buffer.Length)
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, used + more));
    }
}
