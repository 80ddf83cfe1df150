using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// RFC 1035 5 master files: $ORIGIN, $TTL (RFC 2308 4), '@', relative names, omitted owner, TTL and class,
/// parentheses, comments, quoted strings and \DDD escapes. Collects every error instead of stopping at one.
/// </summary>
public static class MasterFileParser
{
    public static MasterFile ParseFile(string path, byte[]? origin = null) =>
        Parse(File.ReadAllText(path), Path.GetFileName(path), origin);

    public static MasterFile Parse(string text, string fileName, byte[]? origin = null)
    {
        var errors = new List<string>();
        var records = new List<ZoneRecord>();
        byte[] currentOrigin = origin ?? [];
        byte[]? fileOrigin = origin;
        byte[]? lastOwner = null;
        uint? defaultTtl = null, lastTtl = null;

        foreach (var entry in MasterFileLexer.Read(text, fileName, errors))
        {
            var tokens = entry.Tokens;
            string where = $"{fileName}:{entry.Line}";
            var first = tokens[0];
            if (!first.Quoted && first.Text.StartsWith('$'))
            {
                switch (first.Text.ToUpperInvariant())
                {
                    case "$ORIGIN":
                        if (tokens.Count != 2 || !NameText.TryParse(tokens[1].Text, currentOrigin, out var newOrigin, out var error))
                        {
                            errors.Add($"{where}: $ORIGIN needs one domain name");
                            continue;
                        }
                        currentOrigin = DnsName.ToLowerCopy(newOrigin);
                        fileOrigin ??= currentOrigin;
                        continue;
                    case "$TTL":
                        if (tokens.Count != 2 || !TtlText.TryParse(tokens[1].Text, out uint ttl))
                        {
                            errors.Add($"{where}: $TTL needs one TTL");
                            continue;
                        }
                        if (TtlText.Refusal(ttl) is { } tooLarge)
                        {
                            errors.Add($"{where}: {tooLarge}");
                            continue;
                        }
                        defaultTtl = ttl;
                        continue;
                    case "$INCLUDE":
                        errors.Add($"{where}: $INCLUDE is not supported; import each file on its own");
                        continue;
                    default:
                        errors.Add($"{where}: unknown directive {first.Text}");
                        continue;
                }
            }

            int t = 0;
            byte[]? owner;
            if (entry.StartsWithBlank)
            {
                owner = lastOwner;
                if (owner is null)
                {
                    errors.Add($"{where}: no owner name, and no earlier record to take it from");
                    continue;
                }
            }
            else
            {
                if (!NameText.TryParse(tokens[0].Text, currentOrigin, out owner, out var error))
                {
                    errors.Add($"{where}: owner '{tokens[0].Text}': {error}");
                    continue;
                }
                owner = DnsName.ToLowerCopy(owner);
                t = 1;
            }
            lastOwner = owner;

            // [TTL] [CLASS] or [CLASS] [TTL], in either order (RFC 1035 5.1), then the type.
            uint? ttlField = null;
            bool classSeen = false, failed = false;
            while (t < tokens.Count && !tokens[t].Quoted)
            {
                string word = tokens[t].Text;
                if (ttlField is null && char.IsAsciiDigit(word[0]) && TtlText.TryParse(word, out uint value))
                {
                    ttlField = value;
                    t++;
                }
                else if (!classSeen && IsClass(word))
                {
                    if (!word.Equals("IN", StringComparison.OrdinalIgnoreCase))
                    {
                        errors.Add($"{where}: class {word} is not served; only IN is");
                        failed = true;
                        break;
                    }
                    classSeen = true;
                    t++;
                }
                else
                {
                    break;
                }
            }
            if (failed)
                continue;
            if (t >= tokens.Count)
            {
                errors.Add($"{where}: record has no type");
                continue;
            }
            if (!RecordType.TryParse(tokens[t].Text, out ushort type))
            {
                errors.Add($"{where}: unknown record type '{tokens[t].Text}'");
                continue;
            }
            if (RecordType.IsQuestionOnly(type))
            {
                errors.Add($"{where}: {RecordType.ToText(type)} cannot be stored in a zone");
                continue;
            }
            t++;
            var data = tokens.Skip(t).ToArray();
            if (!RdataText.TryParse(type, data, currentOrigin, out var rdata, out var dataError))
            {
                errors.Add($"{where}: {dataError}");
                continue;
            }

            if (ttlField is { } given && TtlText.Refusal(given) is { } refused)
            {
                errors.Add($"{where}: {refused}");
                continue;
            }
            uint? recordTtl = ttlField ?? defaultTtl ?? lastTtl;
            if (recordTtl is null && type == RecordType.SOA)
                recordTtl = RdataCodec.ReadU32(rdata, rdata.Length - 4);
            if (recordTtl is null)
            {
                errors.Add($"{where}: no TTL: give one, or a $TTL line before this record");
                continue;
            }
            if (ttlField is not null)
                lastTtl = ttlField;
            if (type == RecordType.SOA)
                fileOrigin ??= owner;
            records.Add(new ZoneRecord(owner, type, recordTtl.Value, rdata) { Source = where });
        }

        if (fileOrigin is null && errors.Count == 0)
            errors.Add($"{fileName}: no origin: pass one, add $ORIGIN, or start with the SOA record");
        return new MasterFile(fileOrigin, records, errors);
    }

    private static bool IsClass(string word) =>
        word.Equals("IN", StringComparison.OrdinalIgnoreCase) || word.Equals("CH", StringComparison.OrdinalIgnoreCase)
        || word.Equals("HS", StringComparison.OrdinalIgnoreCase) || word.Equals("CS", StringComparison.OrdinalIgnoreCase);
}
