namespace MiniDns.Wire;

/// <summary>What to do with a received message after reading it.</summary>
public enum QueryParseResult
{
    /// <summary>A well-formed query with one question.</summary>
    Ok,
    /// <summary>No answer at all: shorter than a header, or a response (QR=1), which must never be answered.</summary>
    Drop,
    /// <summary>Answer FORMERR: the header is readable but the rest is not.</summary>
    FormErr,
    /// <summary>Answer NOTIMP: an opcode other than QUERY (RFC 1035 4.1.1).</summary>
    NotImp,
}
