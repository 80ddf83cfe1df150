using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace MiniDns.Cli;

/// <summary>One exchange with a server through DnsClient: exact name and type, no cache, no recursion.</summary>
public sealed record ServerAnswer(
    IDnsQueryResponse? Response,
    string? Failure,
    IReadOnlyList<ObservedRecord> Answer,
    IReadOnlyList<ObservedRecord> Authority,
    IReadOnlyList<ObservedRecord> Additional)
{
    public static LookupClient Client(IPEndPoint server, bool tcp = false) => new(new LookupClientOptions(new NameServer(server))
    {
        UseCache = false,
        Recursion = false,
        Retries = 0,
        Timeout = TimeSpan.FromSeconds(3),
        UseTcpOnly = tcp,
        UseTcpFallback = true,
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
        ContinueOnEmptyResponse = false,
    });

    /// <summary>Asks; a timeout or refused connection is a <see cref="Failure"/>, not an exception.</summary>
    public static async Task<ServerAnswer> AskAsync(LookupClient client, string name, QueryType type, CancellationToken cancel)
    {
        try
        {
            var response = await client.QueryAsync(name, type, QueryClass.IN, cancel);
            return new ServerAnswer(response, null,
                response.Answers.Select(ObservedRecord.From).ToList(),
                response.Authorities.Select(ObservedRecord.From).ToList(),
                response.Additionals.Where(r => r.RecordType != ResourceRecordType.OPT).Select(ObservedRecord.From).ToList());
        }
        catch (DnsResponseException e)
        {
            string why = e.Code == DnsResponseCode.ConnectionTimeout ? "timed out" : e.Message;
            return new ServerAnswer(null, $"no answer from {client.NameServers.First()}: {why}", [], [], []);
        }
        catch (SocketException e)
        {
            return new ServerAnswer(null, $"no answer from {client.NameServers.First()}: {e.Message}", [], [], []);
        }
    }
}
