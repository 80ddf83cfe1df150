using MiniDns.Wire;

namespace MiniDns.Tests.Conformance;

/// <summary>
/// A response reduced to what the Ferret comparison rule looks at: rcode, flags without RA, and the sections
/// as sets of dnspython-style record lines (names compared without case).
/// </summary>
public sealed record ComparableResponse(string Rcode, string Flags, string[] Question, string[] Answer, string[] Authority, string[] Additional)
{
    public static ComparableResponse Parse(IEnumerable<string> lines)
    {
        string rcode = "", flags = "";
        var sections = new Dictionary<string, List<string>> { [";QUESTION"] = [], [";ANSWER"] = [], [";AUTHORITY"] = [], [";ADDITIONAL"] = [] };
        List<string>? current = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("rcode ", StringComparison.Ordinal))
                rcode = line[6..];
            else if (line.StartsWith("flags", StringComparison.Ordinal))
                flags = NormalizeFlags(line.Length > 5 ? line[6..] : "");
            else if (sections.TryGetValue(line, out var section))
                current = section;
            else if (current is not null)
                current.Add(Normalize(line));
        }
        return new ComparableResponse(rcode, flags, Sorted(sections[";QUESTION"]), Sorted(sections[";ANSWER"]),
            Sorted(sections[";AUTHORITY"]), Sorted(sections[";ADDITIONAL"]));
    }

    public static ComparableResponse From(DnsMessage message)
    {
        var flags = new List<string>();
        foreach (var (bit, text) in new[] { (HeaderFlags.QR, "QR"), (HeaderFlags.AA, "AA"), (HeaderFlags.TC, "TC"), (HeaderFlags.RD, "RD") })
        {
            if (message.Has(bit))
                flags.Add(text);
        }
        string rcode = message.Rcode switch
        {
            ResponseCode.NoError => "NOERROR",
            ResponseCode.FormErr => "FORMERR",
            ResponseCode.ServFail => "SERVFAIL",
            ResponseCode.NxDomain => "NXDOMAIN",
            ResponseCode.NotImp => "NOTIMP",
            ResponseCode.Refused => "REFUSED",
            ResponseCode.YxDomain => "YXDOMAIN",
            var other => other.ToString(),
        };
        return new ComparableResponse(rcode, string.Join(' ', flags),
            Sorted(message.Questions.Select(q => Normalize(q.ToString().Replace(" IN ", " IN ", StringComparison.Ordinal)))),
            Sorted(message.Answer.Select(r => Normalize(r.ToString()))),
            Sorted(message.Authority.Select(r => Normalize(r.ToString()))),
            Sorted(message.Additional.Where(r => r.Type != RecordType.OPT).Select(r => Normalize(r.ToString()))));
    }

    /// <summary>The rule of conformance/README.md: authority counts only when one of the answers is empty.</summary>
    public bool Matches(ComparableResponse other) =>
        Rcode == other.Rcode && Flags == other.Flags
        && Question.SequenceEqual(other.Question) && Answer.SequenceEqual(other.Answer) && Additional.SequenceEqual(other.Additional)
        && (Answer.Length > 0 && other.Answer.Length > 0 || Authority.SequenceEqual(other.Authority));

    public override string ToString() =>
        $"rcode {Rcode}\nflags {Flags}\n;QUESTION\n{Lines(Question)};ANSWER\n{Lines(Answer)};AUTHORITY\n{Lines(Authority)};ADDITIONAL\n{Lines(Additional)}";

    private static string Lines(string[] lines) => string.Concat(lines.Select(l => l + "\n"));

    private static string NormalizeFlags(string flags) =>
        string.Join(' ', flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(f => f != "RA"));

    private static string Normalize(string line) =>
        string.Join(' ', line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    private static string[] Sorted(IEnumerable<string> lines) => lines.Order(StringComparer.Ordinal).ToArray();
}
