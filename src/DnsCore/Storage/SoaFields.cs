using System.Buffers.Binary;
using MiniDns.Wire;

namespace MiniDns.Storage;

/// <summary>The SOA fields <c>minidns zone soa</c> changes; null keeps a field. The serial is the policy's.</summary>
public sealed record SoaFields(byte[]? Mname = null, byte[]? Rname = null, uint? Refresh = null, uint? Retry = null,
    uint? Expire = null, uint? Minimum = null, uint? Ttl = null)
{
    /// <summary>SOA record data (MNAME, RNAME, serial, refresh, retry, expire, minimum) with these fields in it.</summary>
    public byte[] ApplyTo(byte[] soa)
    {
        int mname = DnsName.MeasureUncompressed(soa);
        int rname = mname < 0 ? -1 : DnsName.MeasureUncompressed(soa.AsSpan(mname));
        if (mname < 0 || rname < 0 || soa.Length != mname + rname + 20)
            throw new ZoneStoreException("the SOA record in the store is damaged");
        int numbers = mname + rname;
        uint Field(int i, uint? given) => given ?? BinaryPrimitives.ReadUInt32BigEndian(soa.AsSpan(numbers + i * 4));
        var result = new List<byte>(soa.Length + 2 * DnsName.MaxLength);
        result.AddRange(Mname ?? soa[..mname]);
        result.AddRange(Rname ?? soa[mname..(mname + rname)]);
        Span<byte> field = stackalloc byte[4];
        foreach (uint value in (uint[])[Field(0, null), Field(1, Refresh), Field(2, Retry), Field(3, Expire), Field(4, Minimum)])
        {
            BinaryPrimitives.WriteUInt32BigEndian(field, value);
            result.AddRange(field);
        }
        return [.. result];
    }
}
