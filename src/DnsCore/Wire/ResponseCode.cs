namespace MiniDns.Wire;

/// <summary>RCODE values (RFC 1035 4.1.1, RFC 6891 9 for the extended BADVERS, RFC 6672 for YXDOMAIN, RFC 2136 for NOTAUTH).</summary>
public enum ResponseCode : ushort
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NxDomain = 3,
    NotImp = 4,
    Refused = 5,
    YxDomain = 6,
    /// <summary>Not authoritative for the zone (RFC 2136 2.2; a transfer of a zone we do not serve, RFC 5936 2.2.1).</summary>
    NotAuth = 9,
    BadVers = 16,
}
