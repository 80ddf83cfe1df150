using System.CommandLine;
using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Cli.Commands;

/// <summary>minidns record add | remove | list.</summary>
public static class RecordCommands
{
    public static Command Build(StoreAccess access, CliContext cli)
    {
        var record = new Command("record", "Add, set, remove and list records; the running server answers an edit by the time the command exits.");
        record.Subcommands.Add(Add(access, cli));
        record.Subcommands.Add(Set(access, cli));
        record.Subcommands.Add(Remove(access, cli));
        record.Subcommands.Add(List(access, cli));
        return record;
    }

    private static Option<string?> ZoneOption() => new("--zone")
    {
        Description = "read NAME and names in DATA relative to this zone (without it, names are absolute with or without the final dot)",
    };

    private static Command Add(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "the owner name, e.g. news.cctv.com" };
        var type = new Argument<string>("type") { Description = "A, AAAA, NS, CNAME, DNAME, MX, TXT, PTR, SRV, CAA, HINFO, DS or TYPEnnn" };
        var data = new Argument<string[]>("data") { Description = "the record data in zone-file form", Arity = ArgumentArity.OneOrMore };
        var ttl = new Option<uint?>("--ttl") { Description = $"TTL in seconds (default: the RRset's, else {ZoneStore.DefaultTtl}); applies to the whole RRset" };
        var zone = ZoneOption();
        var command = new Command("add", "Add a record; adding one that exists changes nothing.\n\nExamples:\n  minidns record add news.cctv.com A 1.2.3.4 --ttl 300\n  minidns record add cctv.com MX 10 mail.cctv.com\n  minidns record add www TXT \"hello world\" --zone cctv.com")
        {
            name, type, data, ttl, zone,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var origin = result.GetValue(zone) is { } z ? CliInput.Name(z) : null;
            var owner = CliInput.Name(result.GetValue(name)!, origin);
            ushort recordType = CliInput.Type(result.GetValue(type)!);
            var rdata = CliInput.Data(recordType, result.GetValue(data)!, origin);
            using var store = access.Open(result);
            var outcome = store.AddRecord(owner, recordType, rdata, result.GetValue(ttl));
            var text = $"{NameText.Format(owner)} {RecordType.ToText(recordType)} {RdataText.Format(recordType, rdata)}";
            cli.Output.WriteLine(outcome == EditOutcome.Written ? $"added {text}" : $"unchanged: {text} is there already");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Set(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "the owner name" };
        var type = new Argument<string>("type") { Description = "the RRset's type" };
        var data = new Argument<string[]>("data") { Description = "one argument per record, each in zone-file form (quote data of several words)", Arity = ArgumentArity.OneOrMore };
        var ttl = new Option<uint?>("--ttl") { Description = $"TTL of the set (default: the RRset's, else {ZoneStore.DefaultTtl})" };
        var zone = ZoneOption();
        var command = new Command("set", "Replace the RRset of a name and type with these records, in one edit.\n\nExamples:\n  minidns record set www.cctv.com A 192.0.2.1 192.0.2.2 --ttl 300\n  minidns record set cctv.com MX \"10 mail.cctv.com\" \"20 mx2.cctv.com\"")
        {
            name, type, data, ttl, zone,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var origin = result.GetValue(zone) is { } z ? CliInput.Name(z) : null;
            var owner = CliInput.Name(result.GetValue(name)!, origin);
            ushort recordType = CliInput.Type(result.GetValue(type)!);
            var records = result.GetValue(data)!.Select(d => CliInput.Data(recordType, CliInput.Tokens(d, "data"), origin)).ToList();
            using var store = access.Open(result);
            bool changed = store.Apply([RecordEdit.Set(owner, recordType, records, result.GetValue(ttl))])[0] > 0;
            string text = $"{NameText.Format(owner)} {RecordType.ToText(recordType)}";
            cli.Output.WriteLine(changed ? $"set {text}: {records.Count} record{(records.Count == 1 ? "" : "s")}" : $"unchanged: {text} holds these records already");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Remove(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "the owner name" };
        var type = new Argument<string?>("type") { Description = "only records of this type", Arity = ArgumentArity.ZeroOrOne };
        var data = new Argument<string[]>("data") { Description = "only the record with this data", Arity = ArgumentArity.ZeroOrMore };
        var zone = ZoneOption();
        var command = new Command("remove", "Remove every record of a name, those of one type, or one record.\n\nExamples:\n  minidns record remove news.cctv.com A 1.2.3.4\n  minidns record remove news.cctv.com A\n  minidns record remove news.cctv.com")
        {
            name, type, data, zone,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var origin = result.GetValue(zone) is { } z ? CliInput.Name(z) : null;
            var owner = CliInput.Name(result.GetValue(name)!, origin);
            ushort? recordType = result.GetValue(type) is { } t ? CliInput.Type(t) : null;
            var words = result.GetValue(data) ?? [];
            byte[]? rdata = words.Length > 0 ? CliInput.Data(recordType!.Value, words, origin) : null;
            using var store = access.Open(result);
            int removed = store.RemoveRecords(owner, recordType, rdata);
            cli.Output.WriteLine(removed == 0 ? $"unchanged: no matching record at {NameText.Format(owner)}" : $"removed {removed} record{(removed == 1 ? "" : "s")} at {NameText.Format(owner)}");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command List(StoreAccess access, CliContext cli)
    {
        var what = new Argument<string?>("zone-or-name") { Description = "a zone, or one name; all records when omitted", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "machine-readable output" };
        var command = new Command("list", "List records.\n\nExamples:\n  minidns record list cctv.com\n  minidns record list news.cctv.com --json") { what, json };
        command.SetAction(result => cli.Run(() =>
        {
            var key = result.GetValue(what) is { } w ? CliInput.Name(w) : null;
            using var store = access.Open(result);
            var records = store.ListRecords(key);
            if (result.GetValue(json))
                cli.WriteJson(records.Select(r => new RecordJson(r.OwnerText, r.Ttl, r.TypeText, r.DataText)).ToList(), JsonOutput.Readable.IReadOnlyListRecordJson);
            else
                TableWriter.Write(cli.Output, ["NAME", "TTL", "TYPE", "DATA"], records.Select(r => (IReadOnlyList<string>)[r.OwnerText, r.Ttl.ToString(), r.TypeText, r.DataText]));
            return ExitCode.Success;
        }));
        return command;
    }
}
