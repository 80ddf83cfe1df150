using System.Text;
using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>
/// Splits master-file text into entries (RFC 1035 5.1): ';' comments, quoted strings, backslash escapes,
/// and parentheses that continue an entry across lines. Escapes stay in the token text for the field parsers.
/// </summary>
public static class MasterFileLexer
{
    public static IEnumerable<MasterFileEntry> Read(string text, string fileName, List<string> errors)
    {
        var tokens = new List<TextToken>();
        var token = new StringBuilder();
        int line = 1, entryLine = 1, parenLine = 0, depth = 0;
        bool inToken = false, startsWithBlank = false, atLineStart = true;

        for (int i = 0; i <= text.Length; i++)
        {
            char c = i < text.Length ? text[i] : '\n';
            bool end = i == text.Length;
            if (atLineStart && depth == 0)
            {
                entryLine = line;
                startsWithBlank = c is ' ' or '\t';
            }
            atLineStart = false;
            switch (c)
            {
                case '\\':
                    if (i + 1 < text.Length && text[i + 1] != '\n')
                    {
                        token.Append(c).Append(text[++i]);
                        inToken = true;
                    }
                    else
                    {
                        errors.Add($"{fileName}:{line}: backslash at end of line");
                    }
                    continue;
                case '"':
                    Flush();
                    int start = i + 1, close = start;
                    while (close < text.Length && text[close] != '"' && text[close] != '\n')
                        close += text[close] == '\\' && close + 1 < text.Length ? 2 : 1;
                    if (close >= text.Length || text[close] != '"')
                    {
                        errors.Add($"{fileName}:{line}: unterminated quoted string");
                        i = close - 1;
                        continue;
                    }
                    tokens.Add(new TextToken(text[start..close], Quoted: true));
                    i = close;
                    continue;
                case ';':
                    Flush();
                    while (i + 1 < text.Length && text[i + 1] != '\n')
                        i++;
                    continue;
                case '(':
                    Flush();
                    if (depth++ == 0)
                        parenLine = line;
                    continue;
                case ')':
                    Flush();
                    if (depth == 0)
                        errors.Add($"{fileName}:{line}: ')' without '('");
                    else
                        depth--;
                    continue;
                case '\n':
                    Flush();
                    if (end && depth > 0)
                        errors.Add($"{fileName}:{parenLine}: '(' is never closed");
                    if (depth == 0 || end)
                    {
                        if (tokens.Count > 0)
                            yield return new MasterFileEntry(entryLine, startsWithBlank, tokens.ToArray());
                        tokens.Clear();
                    }
                    line++;
                    atLineStart = true;
                    continue;
                case ' ' or '\t' or '\r':
                    Flush();
                    continue;
                default:
                    token.Append(c);
                    inToken = true;
                    continue;
            }
        }

        void Flush()
        {
            if (!inToken)
                return;
            tokens.Add(new TextToken(token.ToString(), Quoted: false));
            token.Clear();
            inToken = false;
        }
    }
}
