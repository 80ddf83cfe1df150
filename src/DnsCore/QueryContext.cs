using MiniDns.Wire;

namespace MiniDns;

/// <summary>The reusable per-loop state of query processing, so the steady state allocates nothing.</summary>
public sealed class QueryContext
{
    public DnsQuery Query { get; } = new();
    public ResponsePlan Plan { get; } = new();
    public NameCompressor Compressor { get; } = new();

    /// <summary>How the last message was read and answered, for counters and debug logs.</summary>
    public QueryParseResult LastResult { get; internal set; }
    public ResponseCode LastRcode { get; internal set; }
}
