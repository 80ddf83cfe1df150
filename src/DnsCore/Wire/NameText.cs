using System.Text;

namespace MiniDns.Wire;

/// <summary>Domain names in presentation format (RFC 1035 5.1): dots between labels, \. \\ and \DDD escapes.</summary>
public static class NameText
{
    /// <summary>
    /// Parses <paramref name="text"/> into wire form. A name without a trailing dot is relative to
    /// <paramref name="origin"/> (uncompressed wire form, or empty when there is none); "@" is the origin.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, ReadOnlySpan<byte> origin, out byte[] name, out string error)
    {
        name = [];
        Span<byte> buffer = stackalloc byte[DnsName.MaxLength + 1];
        if (text.Length == 0)
        {
            error = "empty name";
            return false;
        }
        if (text is "@")
            return FromOrigin(origin, out name, out error);
        if (text is ".")
        {
            name = DnsName.Root.ToArray();
            error = "";
            return true;
        }

        int w = 0, labelStart = 0, i = 0;
        bool absolute = false;
        buffer[w++] = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '.')
            {
                if (!CloseLabel(buffer, labelStart, ref w, out error))
                    return false;
                labelStart = w - 1;
                i++;
                if (i == text.Length)
                    absolute = true;
                continue;
            }
            byte value;
            if (c == '\\')
            {
                if (!TryReadEscape(text, ref i, out value, out error))
                    return false;
            }
            else if (c > 0x7F)
            {
                error = $"non-ASCII character '{c}' in name (use \\DDD escapes)";
                return false;
            }
            else
            {
                value = (byte)c;
                i++;
            }
            if (w >= DnsName.MaxLength)
            {
                error = "name longer than 255 octets";
                return false;
            }
            buffer[w++] = value;
        }
        if (!absolute)
        {
            if (!CloseLabel(buffer, labelStart, ref w, out error))
                return false;
            labelStart = w - 1;
        }

        // buffer[labelStart] is the place a next label's length would go: it becomes the root or the origin.
        int length = labelStart;
        if (absolute)
        {
            buffer[length++] = 0;
        }
        else
        {
            if (origin.Length == 0)
            {
                error = $"relative name '{text}' with no origin";
                return false;
            }
            if (length + origin.Length > DnsName.MaxLength)
            {
                error = "name longer than 255 octets";
                return false;
            }
            origin.CopyTo(buffer[length..]);
            length += origin.Length;
        }
        if (length > DnsName.MaxLength)
        {
            error = "name longer than 255 octets";
            return false;
        }
        name = buffer[..length].ToArray();
        error = "";
        return true;
    }

    private static bool FromOrigin(ReadOnlySpan<byte> origin, out byte[] name, out string error)
    {
        name = origin.ToArray();
        error = origin.Length == 0 ? "'@' with no origin" : "";
        return origin.Length != 0;
    }

    // Writes the length octet of the label that runs from labelStart+1 to w, and reserves the next length octet.
    private static bool CloseLabel(Span<byte> buffer, int labelStart, ref int w, out string error)
    {
        int labelLength = w - labelStart - 1;
        if (labelLength == 0)
        {
            error = "empty label in name";
            return false;
        }
        if (labelLength > DnsName.MaxLabelLength)
        {
            error = $"label of {labelLength} octets (at most 63)";
            return false;
        }
        if (w >= DnsName.MaxLength)
        {
            error = "name longer than 255 octets";
            return false;
        }
        buffer[labelStart] = (byte)labelLength;
        buffer[w++] = 0;
        error = "";
        return true;
    }

    /// <summary>Reads \X or \DDD at text[i] (the backslash) and advances past it.</summary>
    public static bool TryReadEscape(ReadOnlySpan<char> text, ref int i, out byte value, out string error)
    {
        value = 0;
        if (i + 1 >= text.Length)
        {
            error = "dangling backslash";
            return false;
        }
        char next = text[i + 1];
        if (char.IsAsciiDigit(next))
        {
            if (i + 3 >= text.Length || !char.IsAsciiDigit(text[i + 2]) || !char.IsAsciiDigit(text[i + 3]))
            {
                error = "\\DDD escape needs three digits";
                return false;
            }
            int number = (next - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
            if (number > 255)
            {
                error = $"\\{number} is not an octet";
                return false;
            }
            value = (byte)number;
            i += 4;
        }
        else
        {
            if (next > 0x7F)
            {
                error = $"non-ASCII character '{next}'";
                return false;
            }
            value = (byte)next;
            i += 2;
        }
        error = "";
        return true;
    }

    /// <summary>Formats an uncompressed wire name as absolute presentation text ("news.cctv.com.").</summary>
    public static string Format(ReadOnlySpan<byte> name)
    {
        if (name.Length <= 1)
            return ".";
        var sb = new StringBuilder(name.Length + 8);
        int p = 0;
        while (name[p] != 0)
        {
            int length = name[p];
            foreach (byte b in name.Slice(p + 1, length))
                AppendEscaped(sb, b, inQuotes: false);
            sb.Append('.');
            p += 1 + length;
        }
        return sb.ToString();
    }

    /// <summary>Appends one octet, escaped where presentation format needs it.</summary>
    public static void AppendEscaped(StringBuilder sb, byte b, bool inQuotes)
    {
        if (b < 0x21 && !(inQuotes && b == ' ') || b > 0x7E)
        {
            sb.Append('\\').Append(b.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
            return;
        }
        char c = (char)b;
        bool special = inQuotes ? c is '"' or '\\' : c is '.' or '\\' or '"' or ';' or '(' or ')' or '@' or '$';
        if (special)
            sb.Append('\\');
        sb.Append(c);
    }
}
