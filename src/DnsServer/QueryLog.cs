using MiniDns.Wire;
using Serilog;
using Serilog.Events;

namespace MiniDns.Server;

/// <summary>Per-query log lines, at Debug only; nothing is formatted unless Debug is on.</summary>
public static class QueryLog
{
    private static readonly System.Net.IPEndPoint AnyEndPoint = new(System.Net.IPAddress.IPv6Any, 0);

    private static string Describe(System.Net.SocketAddress client) =>
        client.Family is System.Net.Sockets.AddressFamily.InterNetwork or System.Net.Sockets.AddressFamily.InterNetworkV6
            ? AnyEndPoint.Create(client).ToString()!
            : client.ToString();

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
