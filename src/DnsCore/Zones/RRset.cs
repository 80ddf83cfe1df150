namespace MiniDns.Zones;

/// <summary>
/// The records of one owner and type (RFC 2181 5), with what a response needs beside them worked out when
/// the snapshot is built: the A/AAAA RRsets of in-zone NS, MX and SRV targets.
/// </summary>
public sealed class RRset(byte[] owner, ushort type, uint ttl, byte[][] records)
{
    public byte[] Owner { get; } = owner;
    public ushort Type { get; } = type;
    /// <summary>One TTL for the set (RFC 2181 5.2): the smallest of its records'.</summary>
    public uint Ttl { get; } = ttl;
    public byte[][] Records { get; } = records;
    public RRset[] Additional { get; internal set; } = [];
}
