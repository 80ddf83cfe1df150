using System.Collections;

namespace MiniDns.Zones;

/// <summary>
/// The RRsets of a node (a run of the zone's RRset rows) or of an RRset's additional section (a run of
/// the zone's additional table). A struct enumerator, so a foreach on the query path allocates nothing.
/// </summary>
public readonly struct RRsetList : IEnumerable<RRset>
{
    private readonly Zone _zone;
    private readonly int _start;
    private readonly bool _viaAdditional;

    internal RRsetList(Zone zone, int start, int count, bool viaAdditional) =>
        (_zone, _start, Count, _viaAdditional) = (zone, start, count, viaAdditional);

    public int Count { get; }

    public RRset this[int index] =>
        (uint)index < (uint)Count
            ? new RRset(_zone, _viaAdditional ? _zone.AdditionalSet(_start + index) : _start + index)
            : throw new ArgumentOutOfRangeException(nameof(index));

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<RRset> IEnumerable<RRset>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public struct Enumerator(RRsetList list) : IEnumerator<RRset>
    {
        private int _next;

        public RRset Current { get; private set; }

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (_next >= list.Count)
                return false;
            Current = list[_next++];
            return true;
        }

        public void Reset() => _next = 0;

        public readonly void Dispose()
        {
        }
    }
}
