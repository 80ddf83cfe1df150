using MiniDns.Wire;
using Serilog;
using Serilog.Events;

namespace MiniDns.Server;

/// <summary>Per-query log lines, at Debug only; nothing is formatted unless Debug is on.</summary>
public static class QueryLog
{
    private static readonly System.Net.IPEndPoint AnyV4 = new(System.Net.IPAddress.Any, 0), AnyV6 = new(System.Net.IPAddress.IPv6Any, 0);

    // IPEndPoint.Create wants an address of its own family: an IPv6 template refused every IPv4 client
    // ("SocketAddress is an invalid size"), and the exception cost the whole receive batch (found by attack).
    private static string Describe(System.Net.SocketAddress client) => client.Family switch
    {
        System.Net.Sockets.AddressFamily.InterNetwork => AnyV4.Create(client).ToString()!,
        System.Net.Sockets.AddressFamily.InterNetworkV6 => AnyV6.Create(client).ToString()!,
        _ => client.ToString(),
    };

    public static void Answered(ILogger log, string transport, System.Net.SocketAddress client, QueryContext context, int length)
    {
        if (!log.IsEnabled(LogEventLevel.Debug))
            return;
        var query = context.Query;
        string name = query.NameLength > 0 ? NameText.Format(query.Name) : "-";
        log.Debug("{Transport} {Client} {Name} {Type} {Result} -> {Rcode} {Length} bytes",
            transport, Describe(client), name, RecordType.ToText(query.Type), context.LastResult, context.LastRcode, length);
    }
}
