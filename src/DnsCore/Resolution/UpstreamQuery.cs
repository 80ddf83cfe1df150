using System.Buffers.Binary;
using System.Security.Cryptography;
using MiniDns.Wire;

namespace MiniDns.Resolution;

/// <summary>The queries the resolver sends, and the check that a reply answers the one sent (RFC 5452 9.1).</summary>
public static class UpstreamQuery
{
    /// <summary>A query with one question, RD as given, and an OPT record offering our payload size when <paramref name="edns"/>.</summary>
    public static byte[] Build(ushort id, ReadOnlySpan<byte> name, ushort type, bool edns, bool recursionDesired)
    {
        var query = new byte[HeaderFlags.HeaderLength + name.Length + 4 + (edns ? 11 : 0)];
        var span = query.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, id);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], recursionDesired ? HeaderFlags.RD : (ushort)0);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], edns ? (ushort)1 : (ushort)0);
        int at = HeaderFlags.HeaderLength;
        name.CopyTo(span[at..]);
        at += name.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], type);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 2)..], DnsClass.IN);
        if (edns)
        {
            at += 4;
            span[at] = 0; // root owner
            BinaryPrimitives.WriteUInt16BigEndian(span[(at + 1)..], RecordType.OPT);
            BinaryPrimitives.WriteUInt16BigEndian(span[(at + 3)..], ResponseWriter.EdnsPayloadSize);
        }
        return query;
    }

    /// <summary>
    /// A fresh query ID from the cryptographic generator, drawn 256 bytes at a time per thread: one call into
    /// the generator per query was a twentieth of the CPU a cache miss took.
    /// </summary>
    public static ushort NewId()
    {
        var random = t_random ??= new byte[256];
        if (t_used == 0 || t_used >= random.Length)
        {
            RandomNumberGenerator.Fill(random);
            t_used = 0;
        }
        ushort id = BinaryPrimitives.ReadUInt16LittleEndian(random.AsSpan(t_used));
        t_used += 2;
        return id;
    }

    [ThreadStatic] private static byte[]? t_random;
    [ThreadStatic] private static int t_used;

    /// <summary>The name with each letter's case chosen at random (0x20), so a forged reply must guess it too.</summary>
    public static byte[] RandomCase(ReadOnlySpan<byte> name)
    {
        var mixed = name.ToArray();
        Span<byte> coins = stackalloc byte[mixed.Length];
        RandomNumberGenerator.Fill(coins);
        int p = 0;
        while (mixed[p] != 0)
        {
            int end = p + 1 + mixed[p];
            for (int i = p + 1; i < end; i++)
            {
                byte lower = DnsName.LowerAscii(mixed[i]);
                if (lower is >= (byte)'a' and <= (byte)'z')
                    mixed[i] = (coins[i] & 1) != 0 ? (byte)(lower & ~0x20) : lower;
            }
            p = end;
        }
        return mixed;
    }

    /// <summary>
    /// True when <paramref name="reply"/> is a response (QR, opcode QUERY) with our ID and the question asked:
    /// the same type, class IN, and the name (letter for letter when <paramref name="exactCase"/>).
    /// </summary>
    public static bool Matches(ReadOnlySpan<byte> reply, ushort id, ReadOnlySpan<byte> name, ushort type, bool exactCase)
    {
        if (reply.Length < HeaderFlags.HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(reply) != id)
            return false;
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(reply[2..]);
        if ((flags & HeaderFlags.QR) == 0 || (flags & HeaderFlags.OpcodeMask) != 0 || BinaryPrimitives.ReadUInt16BigEndian(reply[4..]) != 1)
            return false;
        int pos = HeaderFlags.HeaderLength;
        Span<byte> asked = stackalloc byte[DnsName.MaxLength];
        if (!DnsName.TryRead(reply, ref pos, asked, out int length) || pos + 4 > reply.Length)
            return false;
        var echoed = asked[..length];
        bool sameName = exactCase ? echoed.SequenceEqual(name) : DnsName.EqualsIgnoreCase(echoed, name);
        return sameName && BinaryPrimitives.ReadUInt16BigEndian(reply[pos..]) == type && BinaryPrimitives.ReadUInt16BigEndian(reply[(pos + 2)..]) == DnsClass.IN;
    }
}
