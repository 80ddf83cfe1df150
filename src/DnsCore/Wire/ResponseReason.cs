namespace MiniDns.Wire;

/// <summary>
/// Why a query got FORMERR or REFUSED, for the counters operators read (<c>minidns stats</c>, /metrics).
/// The FORMERR reasons come first, then the REFUSED ones from <see cref="NoZone"/> on: the counters go by that order.
/// </summary>
public enum ResponseReason : byte
{
    None,

    /// <summary>FORMERR: QDCOUNT is not 1.</summary>
    QuestionCount,
    /// <summary>FORMERR: the question's name, type or class cannot be read (a compression pointer included).</summary>
    BadQuestion,
    /// <summary>FORMERR: a record after the question cannot be read.</summary>
    BadRecord,
    /// <summary>FORMERR: a second OPT, one not owned by the root, or an option that overruns it or a bad cookie (RFC 6891, 7873).</summary>
    BadOpt,
    /// <summary>FORMERR: OPT asked as a question type.</summary>
    OptQuestion,

    /// <summary>REFUSED: the name is in none of our zones.</summary>
    NoZone,
    /// <summary>REFUSED: a class other than IN.</summary>
    Class,
    /// <summary>REFUSED: AXFR or IXFR.</summary>
    Transfer,
    /// <summary>SERVFAIL: a secondary zone not transferred yet, or expired.</summary>
    Unavailable,
}
