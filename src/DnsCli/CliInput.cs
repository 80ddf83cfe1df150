using System.Net;
using MiniDns.Wire;

namespace MiniDns.Cli;

/// <summary>
/// Turns command-line words into DNS values with the same parsers the zone files use. Names are absolute
/// whether or not they end in a dot ("news.cctv.com"), unless a zone is given for relative names.
/// </summary>
public static class CliInput
{
    public static byte[] Name(string text, byte[]? zone = null)
    {
        if (text.Length == 0)
            throw new CliException("a name cannot be empty");
        if (text.StartsWith('-'))
            throw new CliException($"unknown option '{text}'");
        if (text == "@" && zone is null)
            throw new CliException("'@' stands for the zone: give --zone");
        if (!NameText.TryParse(text, zone ?? DnsName.Root, out var name, out var error))
            throw new CliException($"'{text}' is not a domain name: {error}");
        return DnsName.ToLowerCopy(name);
    }

    public static ushort Type(string text) =>
        RecordType.TryParse(text, out ushort type) ? type : throw new CliException($"'{text}' is not a record type");

    /// <summary>Record data from separate words; a word with spaces is one quoted string, as the shell passed it.</summary>
    public static byte[] Data(ushort type, IReadOnlyList<string> words, byte[]? zone) =>
        Data(type, words.Select(w => new TextToken(w, Quoted: w.Length == 0 || w.Any(char.IsWhiteSpace))).ToList(), zone);

    /// <summary>Record data from zone-file tokens (a batch line, or one argument of record set).</summary>
    public static byte[] Data(ushort type, IReadOnlyList<TextToken> tokens, byte[]? zone) =>
        RdataText.TryParse(type, tokens, zone ?? DnsName.Root, out var data, out var error) ? data : throw new CliException(error);

    /// <summary>Zone-file tokens of one line of text.</summary>
    public static IReadOnlyList<TextToken> Tokens(string text, string where)
    {
        var errors = new List<string>();
        var entries = MiniDns.Zones.MasterFileLexer.Read(text, where, errors).ToList();
        if (errors.Count > 0)
            throw new CliException(errors[0]);
        return entries.SelectMany(e => e.Tokens).ToList();
    }

    /// <summary>"ADDRESS", "ADDRESS:PORT", "[V6]:PORT" or "localhost[:PORT]"; port 53 when none is given.</summary>
    public static IPEndPoint Server(string text)
    {
        string host = text;
        if (text.StartsWith("localhost", StringComparison.OrdinalIgnoreCase))
            host = "127.0.0.1" + text["localhost".Length..];
        if (IPEndPoint.TryParse(host, out var endpoint))
        {
            bool portGiven = host.StartsWith('[') ? host.Contains("]:", StringComparison.Ordinal) : host.Count(c => c == ':') == 1;
            if (!portGiven)
                endpoint.Port = 53;
            if (endpoint.Port != 0)
                return endpoint;
        }
        throw new CliException($"'{text}' is not a server address (ADDRESS:PORT, e.g. 127.0.0.1:53)");
    }
}
