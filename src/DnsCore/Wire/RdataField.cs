namespace MiniDns.Wire;

/// <summary>The building blocks of record data; a type's layout is a sequence of these.</summary>
public enum RdataField
{
    U8,
    U16,
    /// <summary>32-bit number; in text also a BIND-style duration such as 1h30m (SOA timers).</summary>
    U32,
    IPv4,
    IPv6,
    /// <summary>A domain name never compressed on write (RFC 3597 4: only RFC 1035 types may be).</summary>
    Name,
    /// <summary>A domain name compressed on write (NS, CNAME, SOA, MX, PTR: RFC 1035 types).</summary>
    CompressibleName,
    /// <summary>One &lt;character-string&gt;: a length octet and up to 255 octets.</summary>
    CharString,
    /// <summary>One or more character-strings to the end of the data (TXT).</summary>
    CharStrings,
    /// <summary>CAA tag: a length-prefixed token written without quotes (RFC 8659 4.1.1).</summary>
    Tag,
    /// <summary>The rest of the data as one quoted string with no length octet (CAA value).</summary>
    QuotedRest,
    /// <summary>The rest of the data as hexadecimal (DS digest).</summary>
    HexRest,
}
