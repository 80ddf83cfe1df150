using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MiniDns.Wire;

/// <summary>
/// Record data in presentation format (RFC 1035 5.1), the one parser for zone files and the CLI alike.
/// Any type also accepts the RFC 3597 generic form <c>\# length hex…</c>; opaque types are written in it.
/// </summary>
public static class RdataText
{
    /// <summary>Parses the data tokens of one record into stored wire form.</summary>
    public static bool TryParse(ushort type, IReadOnlyList<TextToken> tokens, ReadOnlySpan<byte> origin, out byte[] rdata, out string error)
    {
        rdata = [];
        if (tokens.Count > 0 && tokens[0] is { Text: "\\#", Quoted: false })
            return TryParseGeneric(type, tokens, out rdata, out error);
        var fields = RecordLayout.Of(type);
        if (fields is null)
        {
            error = $"{RecordType.ToText(type)} data must use the \\# generic form (RFC 3597)";
            return false;
        }
        var output = new List<byte>(64);
        int t = 0;
        foreach (var field in fields)
        {
            if (field is RdataField.CharStrings or RdataField.QuotedRest or RdataField.HexRest)
            {
                if (!TryParseRest(field, tokens, t, output, out error))
                    return false;
                t = tokens.Count;
                continue;
            }
            if (t >= tokens.Count)
            {
                error = $"{RecordType.ToText(type)} data is missing its {Describe(field)}";
                return false;
            }
            if (!TryParseField(field, tokens[t], origin, output, out error))
            {
                error = $"{RecordType.ToText(type)} {Describe(field)}: {error}";
                return false;
            }
            t++;
        }
        if (t < tokens.Count)
        {
            error = $"{RecordType.ToText(type)} data has extra text '{tokens[t].Text}'";
            return false;
        }
        rdata = [.. output];
        if (rdata.Length > ushort.MaxValue)
        {
            error = "record data longer than 65535 octets";
            return false;
        }
        error = "";
        return true;
    }

    private static string Describe(RdataField field) => field switch
    {
        RdataField.IPv4 => "IPv4 address",
        RdataField.IPv6 => "IPv6 address",
        RdataField.Name or RdataField.CompressibleName => "domain name",
        RdataField.U8 or RdataField.U16 or RdataField.U32 => "number",
        RdataField.Tag => "tag",
        _ => "string",
    };

    private static bool TryParseField(RdataField field, TextToken token, ReadOnlySpan<byte> origin, List<byte> output, out string error)
    {
        error = "";
        string text = token.Text;
        switch (field)
        {
            case RdataField.U8:
                if (!byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out byte u8))
                    return Fail($"'{text}' is not a number from 0 to 255", out error);
                output.Add(u8);
                return true;
            case RdataField.U16:
                if (!ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ushort u16))
                    return Fail($"'{text}' is not a number from 0 to 65535", out error);
                AddU16(output, u16);
                return true;
            case RdataField.U32:
                if (!TtlText.TryParse(text, out uint u32))
                    return Fail($"'{text}' is not a 32-bit number or duration", out error);
                Span<byte> four = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(four, u32);
                output.AddRange(four);
                return true;
            case RdataField.IPv4:
                if (!TryParseAddress(text, AddressFamily.InterNetwork, out var v4))
                    return Fail($"'{text}' is not an IPv4 address", out error);
                output.AddRange(v4.GetAddressBytes());
                return true;
            case RdataField.IPv6:
                if (!TryParseAddress(text, AddressFamily.InterNetworkV6, out var v6))
                    return Fail($"'{text}' is not an IPv6 address", out error);
                output.AddRange(v6.GetAddressBytes());
                return true;
            case RdataField.Name or RdataField.CompressibleName:
                if (!NameText.TryParse(text, origin, out byte[] name, out error))
                    return false;
                output.AddRange(name);
                return true;
            case RdataField.CharString:
                return TryAddCharString(text, output, out error);
            case RdataField.Tag:
                if (text.Length == 0 || !text.All(char.IsAsciiLetterOrDigit))
                    return Fail($"'{text}' is not a tag of letters and digits", out error);
                return TryAddCharString(text, output, out error);
            default:
                return Fail("unsupported field", out error);
        }
    }

    private static bool TryParseAddress(string text, AddressFamily family, out IPAddress address)
    {
        // IPAddress.TryParse accepts forms like "1" or "1.2.3" for IPv4; a zone file must spell all four octets.
        bool ok = IPAddress.TryParse(text, out address!) && address.AddressFamily == family;
        if (ok && family == AddressFamily.InterNetwork)
            ok = text.Count(c => c == '.') == 3 && text.All(c => c == '.' || char.IsAsciiDigit(c));
        if (ok && family == AddressFamily.InterNetworkV6)
            ok = !text.Contains('%');
        return ok;
    }

    private static bool TryParseRest(RdataField field, IReadOnlyList<TextToken> tokens, int start, List<byte> output, out string error)
    {
        error = "";
        switch (field)
        {
            case RdataField.CharStrings:
                if (start >= tokens.Count)
                    return Fail("TXT data needs at least one string", out error);
                for (int i = start; i < tokens.Count; i++)
                {
                    if (!TryDecode(tokens[i].Text, out byte[] text, out error))
                        return false;
                    // A string longer than 255 octets is split into several character-strings, as BIND and Knot do.
                    int offset = 0;
                    do
                    {
                        int chunk = Math.Min(255, text.Length - offset);
                        output.Add((byte)chunk);
                        output.AddRange(text.AsSpan(offset, chunk));
                        offset += chunk;
                    }
                    while (offset < text.Length);
                }
                return true;
            case RdataField.QuotedRest:
                if (tokens.Count - start != 1)
                    return Fail("expected one quoted value", out error);
                if (!TryDecode(tokens[start].Text, out byte[] value, out error))
                    return false;
                output.AddRange(value);
                return true;
            case RdataField.HexRest:
                var hex = string.Concat(tokens.Skip(start).Select(t => t.Text));
                if (!TryParseHex(hex, out byte[] bytes))
                    return Fail($"'{hex}' is not hexadecimal", out error);
                output.AddRange(bytes);
                return true;
            default:
                return Fail("unsupported field", out error);
        }
    }

    private static bool TryParseGeneric(ushort type, IReadOnlyList<TextToken> tokens, out byte[] rdata, out string error)
    {
        rdata = [];
        if (tokens.Count < 2 || !ushort.TryParse(tokens[1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out ushort length))
            return Fail("\\# needs a length", out error);
        var hex = string.Concat(tokens.Skip(2).Select(t => t.Text));
        if (!TryParseHex(hex, out byte[] bytes))
            return Fail($"'{hex}' is not hexadecimal", out error);
        if (bytes.Length != length)
            return Fail($"\\# length {length} but {bytes.Length} octets of data", out error);
        if (!RdataCodec.IsValid(type, bytes))
            return Fail($"\\# data is not valid {RecordType.ToText(type)} data", out error);
        rdata = bytes;
        error = "";
        return true;
    }

    private static bool TryParseHex(string hex, out byte[] bytes)
    {
        bytes = [];
        if (hex.Length % 2 != 0)
            return false;
        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool TryAddCharString(string text, List<byte> output, out string error)
    {
        if (!TryDecode(text, out byte[] bytes, out error))
            return false;
        if (bytes.Length > 255)
            return Fail("string longer than 255 octets", out error);
        output.Add((byte)bytes.Length);
        output.AddRange(bytes);
        return true;
    }

    /// <summary>Turns a token's text, with \X and \DDD escapes, into octets.</summary>
    public static bool TryDecode(string text, out byte[] bytes, out string error)
    {
        var output = new List<byte>(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == '\\')
            {
                if (!NameText.TryReadEscape(text, ref i, out byte value, out error))
                {
                    bytes = [];
                    return false;
                }
                output.Add(value);
                continue;
            }
            if (text[i] > 0x7F)
            {
                // Non-ASCII text is kept as its UTF-8 octets.
                output.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
                i++;
                continue;
            }
            output.Add((byte)text[i++]);
        }
        bytes = [.. output];
        error = "";
        return true;
    }

    /// <summary>Formats stored record data in presentation format.</summary>
    public static string Format(ushort type, ReadOnlySpan<byte> rdata)
    {
        var fields = RecordLayout.Of(type);
        if (fields is null || !RdataCodec.IsValid(type, rdata))
            return $"\\# {rdata.Length}" + (rdata.Length > 0 ? " " + Convert.ToHexString(rdata) : "");
        var sb = new StringBuilder();
        int p = 0;
        foreach (var field in fields)
        {
            int size = RdataCodec.FieldSize(field, rdata[p..]);
            if (sb.Length > 0)
                sb.Append(' ');
            AppendField(sb, field, rdata.Slice(p, size));
            p += size;
        }
        return sb.ToString();
    }

    private static void AppendField(StringBuilder sb, RdataField field, ReadOnlySpan<byte> data)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (field)
        {
            case RdataField.U8:
                sb.Append(data[0].ToString(inv));
                break;
            case RdataField.U16:
                sb.Append(BinaryPrimitives.ReadUInt16BigEndian(data).ToString(inv));
                break;
            case RdataField.U32:
                sb.Append(BinaryPrimitives.ReadUInt32BigEndian(data).ToString(inv));
                break;
            case RdataField.IPv4 or RdataField.IPv6:
                sb.Append(new IPAddress(data).ToString());
                break;
            case RdataField.Name or RdataField.CompressibleName:
                sb.Append(NameText.Format(data));
                break;
            case RdataField.CharString:
                AppendQuoted(sb, data[1..]);
                break;
            case RdataField.Tag:
                foreach (byte b in data[1..])
                    NameText.AppendEscaped(sb, b, inQuotes: false);
                break;
            case RdataField.CharStrings:
                for (int p = 0; p < data.Length; p += 1 + data[p])
                {
                    if (p > 0)
                        sb.Append(' ');
                    AppendQuoted(sb, data.Slice(p + 1, data[p]));
                }
                break;
            case RdataField.QuotedRest:
                AppendQuoted(sb, data);
                break;
            case RdataField.HexRest:
                sb.Append(Convert.ToHexString(data));
                break;
        }
    }

    private static void AppendQuoted(StringBuilder sb, ReadOnlySpan<byte> text)
    {
        sb.Append('"');
        foreach (byte b in text)
            NameText.AppendEscaped(sb, b, inQuotes: true);
        sb.Append('"');
    }

    private static void AddU16(List<byte> output, ushort value)
    {
        output.Add((byte)(value >> 8));
        output.Add((byte)value);
    }

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }
}
