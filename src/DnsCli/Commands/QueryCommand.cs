using System.CommandLine;
using DnsClient;
using MiniDns.Wire;

namespace MiniDns.Cli.Commands;

/// <summary>minidns query: one question, printed the way dig prints it.</summary>
public static class QueryCommand
{
    public static Command Build(CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "the name to ask for" };
        var type = new Argument<string>("type") { Description = "the record type (default A)", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "A" };
        var server = CheckCommand.ServerOption();
        var tcp = new Option<bool>("--tcp") { Description = "ask over TCP" };
        var json = new Option<bool>("--json") { Description = "machine-readable output" };
        var command = new Command("query", "Ask the server one question and print the answer like dig.\n\nExample:\n  minidns query news.cctv.com A --server 127.0.0.1:5353")
        {
            name, type, server, tcp, json,
        };
        command.SetAction((result, cancel) => cli.RunAsync(async () =>
        {
            var endpoint = CliInput.Server(result.GetValue(server)!);
            string qname = NameText.Format(CliInput.Name(result.GetValue(name)!));
            ushort qtype = CliInput.Type(result.GetValue(type)!);
            var answer = await ServerAnswer.AskAsync(ServerAnswer.Client(endpoint, result.GetValue(tcp)), qname, (QueryType)qtype, cancel);
            if (answer.Failure is not null)
            {
                cli.Error.WriteLine($"minidns: {answer.Failure}");
                return ExitCode.Mismatch;
            }
            var header = answer.Response!.Header;
            string status = Status(header.ResponseCode);
            if (result.GetValue(json))
            {
                cli.WriteJson(new QueryJson(header.Id, status, Flags(header), endpoint.ToString(), new QuestionJson(qname, RecordType.ToText(qtype)),
                    [.. answer.Answer.Select(Json)], [.. answer.Authority.Select(Json)], [.. answer.Additional.Select(Json)]), JsonOutput.Readable.QueryJson);
                return ExitCode.Success;
            }
            var output = cli.Output;
            output.WriteLine($";; ->>HEADER<<- opcode: QUERY, status: {status}, id: {header.Id}");
            output.WriteLine($";; flags: {string.Join(' ', Flags(header))}; QUERY: 1, ANSWER: {answer.Answer.Count}, AUTHORITY: {answer.Authority.Count}, ADDITIONAL: {answer.Additional.Count}");
            output.WriteLine();
            output.WriteLine(";; QUESTION SECTION:");
            output.WriteLine($";{qname}\t\tIN\t{RecordType.ToText(qtype)}");
            Section(output, "ANSWER", answer.Answer);
            Section(output, "AUTHORITY", answer.Authority);
            Section(output, "ADDITIONAL", answer.Additional);
            output.WriteLine();
            output.WriteLine($";; SERVER: {endpoint} ({(result.GetValue(tcp) ? "TCP" : "UDP")})");
            return ExitCode.Success;
        }));
        return command;
    }

    private static RecordJson Json(ObservedRecord r) => new(r.Owner, r.Ttl, r.TypeText, r.Data);

    private static void Section(TextWriter output, string title, IReadOnlyList<ObservedRecord> records)
    {
        if (records.Count == 0)
            return;
        output.WriteLine();
        output.WriteLine($";; {title} SECTION:");
        foreach (var r in records)
            output.WriteLine($"{r.Owner}\t{r.Ttl}\tIN\t{r.TypeText}\t{r.Data}");
    }

    private static string[] Flags(DnsResponseHeader header) =>
        new (bool On, string Text)[] { (true, "qr"), (header.HasAuthorityAnswer, "aa"), (header.ResultTruncated, "tc"), (header.RecursionDesired, "rd"), (header.RecursionAvailable, "ra") }
            .Where(f => f.On).Select(f => f.Text).ToArray();

    private static string Status(DnsHeaderResponseCode code) => code switch
    {
        DnsHeaderResponseCode.NoError => "NOERROR",
        DnsHeaderResponseCode.FormatError => "FORMERR",
        DnsHeaderResponseCode.ServerFailure => "SERVFAIL",
        DnsHeaderResponseCode.NotExistentDomain => "NXDOMAIN",
        DnsHeaderResponseCode.NotImplemented => "NOTIMP",
        DnsHeaderResponseCode.Refused => "REFUSED",
        DnsHeaderResponseCode.ExistingDomain => "YXDOMAIN",
        var other => other.ToString().ToUpperInvariant(),
    };
}
