using System.Net;
using MiniDns.Wire;

namespace MiniDns.Resolution;

/// <summary>
/// One query the resolver sent and what came of it, for <c>minidns trace</c> and the debug log: the zone whose
/// server was asked, the server, the question, the time taken, and the reply or why there was none.
/// </summary>
public sealed record UpstreamExchange(byte[] Zone, IPEndPoint Server, byte[] Name, ushort Type, bool Tcp, TimeSpan Elapsed, DnsMessage? Reply, string? Failure)
{
    public override string ToString() =>
        $"{NameText.Format(Name)} {RecordType.ToText(Type)} to {Server} for {NameText.Format(Zone)}{(Tcp ? " over TCP" : "")} in {Elapsed.TotalMilliseconds:0} ms: " +
        (Reply is { } reply ? $"{reply.Rcode}, {reply.Answer.Count}/{reply.Authority.Count}/{reply.Additional.Count} records" : Failure);
}
