using System.Runtime.CompilerServices;

namespace MiniDns.Wire;

/// <summary>
/// Domain names in uncompressed wire form: a sequence of length-prefixed labels ending in the root label 0
/// (RFC 1035 3.1). Names are never dotted strings inside MiniDns: escaped dots and binary labels survive.
/// </summary>
public static class DnsName
{
    /// <summary>RFC 1035 2.3.4: a name is at most 255 octets, a label at most 63.</summary>
    public const int MaxLength = 255;
    public const int MaxLabelLength = 63;

    public static readonly byte[] Root = [0];

    /// <summary>
    /// Reads a possibly compressed name at <paramref name="pos"/> into <paramref name="dest"/> (at least 255
    /// bytes). Every pointer must go strictly backwards, before the start of the labels that led to it, so
    /// loops and forward pointers are rejected and the walk always ends. Returns false on any malformation.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, ref int pos, Span<byte> dest, out int length)
    {
        length = 0;
        int p = pos, written = 0, resume = -1, limit = pos;
        while (true)
        {
            if ((uint)p >= (uint)message.Length)
                return false;
            byte b = message[p];
            if (b == 0)
            {
                if (written + 1 > MaxLength)
                    return false;
                dest[written++] = 0;
                pos = resume >= 0 ? resume : p + 1;
                length = written;
                return true;
            }
            switch (b & 0xC0)
            {
                case 0xC0:
                    if (p + 1 >= message.Length)
                        return false;
                    int target = ((b & 0x3F) << 8) | message[p + 1];
                    if (target >= limit)
                        return false;
                    if (resume < 0)
                        resume = p + 2;
                    limit = target;
                    p = target;
                    break;
                case 0:
                    if (p + 1 + b > message.Length || written + 1 + b + 1 > MaxLength)
                        return false;
                    message.Slice(p, 1 + b).CopyTo(dest[written..]);
                    written += 1 + b;
                    p += 1 + b;
                    break;
                default:
                    return false; // 0x40 and 0x80 label types are obsolete or reserved (RFC 6891 5)
            }
        }
    }

    /// <summary>
    /// Reads a name that may not be compressed (the question: nothing precedes it to point to) into
    /// <paramref name="dest"/>. Any pointer, reserved label type, overlong label or name is a malformation.
    /// </summary>
    public static bool TryReadUncompressed(ReadOnlySpan<byte> message, ref int pos, Span<byte> dest, out int length)
    {
        length = 0;
        int p = pos;
        while (true)
        {
            if ((uint)p >= (uint)message.Length)
                return false;
            byte b = message[p];
            if (b > MaxLabelLength)
                return false; // a pointer (0xC0) or a reserved label type (0x40, 0x80)
            int next = p + 1 + b;
            if (next > message.Length || next - pos > MaxLength)
                return false;
            if (b == 0)
            {
                message[pos..next].CopyTo(dest);
                length = next - pos;
                pos = next;
                return true;
            }
            p = next;
        }
    }

    /// <summary>Length of the uncompressed name starting at the beginning of <paramref name="name"/>, or -1.</summary>
    public static int MeasureUncompressed(ReadOnlySpan<byte> name)
    {
        int p = 0;
        while (p < name.Length)
        {
            byte b = name[p];
            if (b == 0)
                return p + 1 <= MaxLength ? p + 1 : -1;
            if (b > MaxLabelLength)
                return -1;
            p += 1 + b;
        }
        return -1;
    }

    /// <summary>ASCII-lowercases a wire name in place. Length octets are at most 63, below 'A', so they are untouched.</summary>
    public static void ToLower(Span<byte> name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            byte b = name[i];
            if ((uint)(b - 'A') <= 'Z' - 'A')
                name[i] = (byte)(b | 0x20);
        }
    }

    public static byte[] ToLowerCopy(ReadOnlySpan<byte> name)
    {
        var copy = name.ToArray();
        ToLower(copy);
        return copy;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte LowerAscii(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;

    /// <summary>Case-insensitive equality of two uncompressed names (RFC 4343).</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
            return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && LowerAscii(a[i]) != LowerAscii(b[i]))
                return false;
        }
        return true;
    }

    public static int LabelCount(ReadOnlySpan<byte> name)
    {
        int count = 0, p = 0;
        while (name[p] != 0)
        {
            count++;
            p += 1 + name[p];
        }
        return count;
    }

    /// <summary>Offset of the suffix that drops the first <paramref name="labels"/> labels.</summary>
    public static int SkipLabels(ReadOnlySpan<byte> name, int labels)
    {
        int p = 0;
        for (int i = 0; i < labels; i++)
            p += 1 + name[p];
        return p;
    }

    /// <summary>True when <paramref name="name"/> equals <paramref name="ancestor"/> or lies below it (both lowercase).</summary>
    public static bool IsSubdomainOf(ReadOnlySpan<byte> name, ReadOnlySpan<byte> ancestor)
    {
        if (name.Length < ancestor.Length)
            return false;
        int offset = name.Length - ancestor.Length;
        if (!name[offset..].SequenceEqual(ancestor))
            return false;
        // The matching tail must start on a label boundary.
        int p = 0;
        while (p < offset)
            p += 1 + name[p];
        return p == offset;
    }

    /// <summary>The wildcard name "*." + <paramref name="parent"/> (RFC 4592 2.1.1), or false if too long.</summary>
    public static bool TryMakeWildcard(ReadOnlySpan<byte> parent, Span<byte> dest, out int length)
    {
        length = parent.Length + 2;
        if (length > MaxLength)
            return false;
        dest[0] = 1;
        dest[1] = (byte)'*';
        parent.CopyTo(dest[2..]);
        return true;
    }

    public static bool IsWildcard(ReadOnlySpan<byte> name) => name.Length >= 3 && name[0] == 1 && name[1] == '*';
}
