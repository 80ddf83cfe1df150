using System.CommandLine;
using MiniDns.Control;
using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Cli.Commands;

/// <summary>minidns zone list | add | remove | import | export | check | serial | soa; zone edit is <see cref="ZoneEditCommand"/>.</summary>
public static class ZoneCommands
{
    public static Command Build(StoreAccess access, CliContext cli)
    {
        var zone = new Command("zone", "List, add, remove, import, export, edit and check zones; show and move serials; change SOA fields.");
        zone.Subcommands.Add(List(access, cli));
        zone.Subcommands.Add(Add(access, cli));
        zone.Subcommands.Add(Remove(access, cli));
        zone.Subcommands.Add(Import(access, cli));
        zone.Subcommands.Add(Export(access, cli));
        zone.Subcommands.Add(ZoneEditCommand.Build(access, cli));
        zone.Subcommands.Add(Check(cli));
        zone.Subcommands.Add(Serial(access, cli));
        zone.Subcommands.Add(Soa(access, cli));
        zone.Subcommands.Add(Status(access, cli));
        return zone;
    }

    private static Command Status(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("zone") { Description = "the zone" };
        var command = new Command("status", "The zone's serial, what its secondaries were last told (NOTIFY) and whether they acknowledged, and its last transfer out; for a secondary zone, its copying from the primary. From the running server.\n\nExample:\n  minidns zone status cctv.com") { name };
        command.SetAction(result => cli.Run(() =>
        {
            var origin = CliInput.Name(result.GetValue(name)!);
            using var server = access.Server(result);
            var reply = server.Send(new ControlRequest { Command = ControlCommand.ZoneStatus, Name = origin });
            cli.Output.WriteLine($"zone {NameText.Format(DnsName.ToLowerCopy(origin))} serial {reply.Serial}");
            foreach (var line in reply.Lines ?? [])
                cli.Output.WriteLine(line);
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command List(StoreAccess access, CliContext cli)
    {
        var json = new Option<bool>("--json") { Description = "machine-readable output" };
        var command = new Command("list", "List zones with their SOA serial, record count and, for a secondary zone, its primary.\n\nExample:\n  minidns zone list --json") { json };
        command.SetAction(result => cli.Run(() =>
        {
            using var store = access.Open(result);
            var zones = store.ListZones();
            if (result.GetValue(json))
                cli.WriteJson(zones.Select(z => new ZoneJson(z.Origin, z.Serial, z.RecordCount, z.Primary)).ToList(), JsonOutput.Readable.IReadOnlyListZoneJson);
            else
                TableWriter.Write(cli.Output, ["ZONE", "SERIAL", "RECORDS", "PRIMARY"], zones.Select(z => (IReadOnlyList<string>)[z.Origin, z.Serial.ToString(), z.RecordCount.ToString(), z.Primary ?? "-"]));
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Add(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("zone") { Description = "the zone's origin, e.g. cctv.com" };
        var ns = new Option<string[]>("--ns") { Description = "a name server (repeat for several); the first becomes the SOA MNAME", AllowMultipleArgumentsPerToken = false };
        var admin = new Option<string?>("--admin") { Description = "the SOA RNAME mailbox (default hostmaster.ZONE)" };
        var ttl = new Option<uint>("--ttl") { Description = "TTL of the SOA and NS records", DefaultValueFactory = _ => ZoneStore.DefaultTtl };
        var primary = new Option<string?>("--primary") { Description = "make a secondary zone, copied from this primary (ADDRESS[:PORT]) by zone transfer instead" };
        var key = new Option<string?>("--key") { Description = "with --primary: the TSIG key (minidns key add) that signs the transfers and the primary's NOTIFYs" };
        var command = new Command("add", "Create a zone with its SOA and NS records, or a secondary zone copied from its primary (--primary).\n\nExamples:\n"
            + "  minidns zone add cctv.com --ns ns1.cctv.com --ns ns2.cctv.com --admin hostmaster.cctv.com --ttl 3600\n"
            + "  minidns zone add cctv.com --primary 192.0.2.1 --key transfer.cctv.com")
        {
            name, ns, admin, ttl, primary, key,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var origin = CliInput.Name(result.GetValue(name)!);
            var given = result.GetValue(ns) ?? [];
            if (result.GetValue(primary) is { } from)
            {
                if (given.Length > 0 || result.GetValue(admin) is not null)
                    throw new CliException("a secondary zone takes its SOA and NS records from its primary: give --primary without --ns or --admin");
                if (!ServerAddress.TryParse(from, out var endpoint))
                    throw new CliException($"--primary '{from}' is not a primary's address (a.b.c.d[:PORT], IPv6, [IPv6]:PORT; not 0.0.0.0, ::, broadcast or multicast)");
                var keyName = result.GetValue(key) is { } k ? CliInput.Name(k) : null;
                using var secondaries = access.Open(result, create: true);
                secondaries.AddSecondaryZone(origin, from, keyName);
                cli.Output.WriteLine($"added secondary zone {NameText.Format(origin)}, copied from {endpoint}; it answers SERVFAIL until the first transfer (minidns zone status {NameText.Format(origin)})");
                return ExitCode.Success;
            }
            if (result.GetValue(key) is not null)
                throw new CliException("--key is for a secondary zone: give it with --primary");
            if (given.Length == 0)
                throw new CliException("give the zone's name servers (--ns), or --primary for a secondary zone");
            var servers = given.Select(n => CliInput.Name(n)).ToList();
            var mailbox = result.GetValue(admin) is { } a ? CliInput.Name(a) : CliInput.Name("hostmaster", origin);
            using var store = access.Open(result, create: true);
            store.AddZone(origin, servers, mailbox, result.GetValue(ttl));
            cli.Output.WriteLine($"added zone {NameText.Format(origin)}");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Remove(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("zone") { Description = "the zone to remove, with all its records" };
        var yes = new Option<bool>("--yes") { Description = "confirm: the zone and its records are deleted" };
        var command = new Command("remove", "Remove a zone and every record in it.\n\nExample:\n  minidns zone remove cctv.com --yes") { name, yes };
        command.SetAction(result => cli.Run(() =>
        {
            var origin = CliInput.Name(result.GetValue(name)!);
            if (!result.GetValue(yes))
                throw new CliException($"removing zone {NameText.Format(origin)} deletes all its records: add --yes to confirm");
            using var store = access.Open(result);
            if (!store.RemoveZone(origin))
                throw new CliException($"there is no zone {NameText.Format(origin)}");
            cli.Output.WriteLine($"removed zone {NameText.Format(origin)}");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Import(StoreAccess access, CliContext cli)
    {
        var files = new Argument<string[]>("files") { Description = "master files (RFC 1035)", Arity = ArgumentArity.OneOrMore };
        var origin = new Option<string?>("--origin") { Description = "the zone's origin (default: $ORIGIN, else the SOA owner)" };
        var replace = new Option<bool>("--replace") { Description = "swap the content of a zone that exists, in one transaction" };
        var command = new Command("import", "Import zones from master files; a file with any error is not written at all.\n\nExample:\n  minidns zone import zones/cctv.com.zone zones/baidu.com.zone --replace")
        {
            files, origin, replace,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var given = result.GetValue(origin) is { } o ? CliInput.Name(o) : null;
            var parsed = new List<MasterFile>();
            foreach (var path in result.GetValue(files)!)
            {
                if (!File.Exists(path))
                    throw new CliException($"{path}: no such file");
                parsed.Add(MasterFileParser.ParseFile(path, given));
            }
            var errors = parsed.SelectMany(p => p.Errors).ToList();
            if (errors.Count > 0)
                throw new ZoneDataException(errors);
            using var store = access.Open(result, create: true);
            store.ImportZones(parsed.Select(p => new ZoneContent(p.Origin!, p.Records)).ToList(), result.GetValue(replace));
            foreach (var file in parsed)
                cli.Output.WriteLine($"imported {NameText.Format(file.Origin!)}: {MiniDns.Storage.RecordEditRules.Normalise(file.Records).Count} records");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Serial(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("zone") { Description = "the zone" };
        var policy = new Option<string?>("--policy") { Description = "how edits move the serial from now on: date (YYYYMMDDnn, the default), increment, unixtime" };
        var set = new Option<uint?>("--set") { Description = "set the serial; it must be after the current one (RFC 1982)" };
        var bump = new Option<bool>("--bump") { Description = "move the serial forward by the policy" };
        var command = new Command("serial", "Show the zone's SOA serial and serial policy, keep a new policy, or move the serial.\n\nExamples:\n  minidns zone serial cctv.com\n  minidns zone serial cctv.com --policy unixtime --bump\n  minidns zone serial cctv.com --set 2026120300")
        {
            name, policy, set, bump,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var origin = CliInput.Name(result.GetValue(name)!);
            using var store = access.Open(result);
            var (serial, kept) = result.GetValue(policy) is null && result.GetValue(set) is null && !result.GetValue(bump)
                ? store.ReadSerial(origin)
                : store.SetSerial(origin, result.GetValue(policy), result.GetValue(set), result.GetValue(bump));
            cli.Output.WriteLine($"{NameText.Format(origin)} serial {serial} (policy {kept})");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Soa(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("zone") { Description = "the zone" };
        var mname = new Option<string?>("--mname") { Description = "the primary name server" };
        var rname = new Option<string?>("--rname") { Description = "the administrator's mailbox (hostmaster.example.com)" };
        var refresh = new Option<uint?>("--refresh") { Description = "seconds between secondaries' checks" };
        var retry = new Option<uint?>("--retry") { Description = "seconds before a failed check is retried" };
        var expire = new Option<uint?>("--expire") { Description = "seconds after which a secondary stops answering without the primary" };
        var minimum = new Option<uint?>("--minimum") { Description = "negative-caching TTL (RFC 2308)" };
        var ttl = new Option<uint?>("--ttl") { Description = "TTL of the SOA record" };
        var command = new Command("soa", "Change SOA fields; the serial moves forward by the zone's policy.\n\nExample:\n  minidns zone soa cctv.com --refresh 3600 --retry 600 --minimum 300")
        {
            name, mname, rname, refresh, retry, expire, minimum, ttl,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var origin = CliInput.Name(result.GetValue(name)!);
            var fields = new SoaFields(
                result.GetValue(mname) is { } m ? CliInput.Name(m) : null,
                result.GetValue(rname) is { } r ? CliInput.Name(r) : null,
                result.GetValue(refresh), result.GetValue(retry), result.GetValue(expire), result.GetValue(minimum), result.GetValue(ttl));
            if (fields == new SoaFields())
                throw new CliException("give at least one field to change (--mname, --rname, --refresh, --retry, --expire, --minimum, --ttl)");
            using var store = access.Open(result);
            var soa = store.EditSoa(origin, fields);
            cli.Output.WriteLine($"{NameText.Format(origin)} SOA {RdataText.Format(RecordType.SOA, soa)}");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Check(CliContext cli)
    {
        var files = new Argument<string[]>("files") { Description = "master files (RFC 1035)", Arity = ArgumentArity.OneOrMore };
        var origin = new Option<string?>("--origin") { Description = "the zone's origin (default: $ORIGIN, else the SOA owner)" };
        var command = new Command("check", "Parse and validate master files as an import would, offline: nothing is written and no store is needed.\n\nExample:\n  minidns zone check zones/cctv.com.zone")
        {
            files, origin,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var given = result.GetValue(origin) is { } o ? CliInput.Name(o) : null;
            var errors = new List<string>();
            var good = new List<string>();
            foreach (var path in result.GetValue(files)!)
            {
                if (!File.Exists(path))
                {
                    errors.Add($"{path}: no such file");
                    continue;
                }
                var parsed = MasterFileParser.ParseFile(path, given);
                var found = parsed.Errors.ToList();
                // As the store judges it: the records it would keep.
                var records = MiniDns.Storage.RecordEditRules.Normalise(parsed.Records);
                if (found.Count == 0)
                {
                    found.AddRange(ZoneRules.Check(DnsName.ToLowerCopy(parsed.Origin!), records));
                    if (found.Count == 0)
                    {
                        try
                        {
                            ZoneBuilder.Build(parsed.Origin!, records);
                        }
                        catch (ZoneDataException e)
                        {
                            found.AddRange(e.Errors);
                        }
                    }
                }
                if (found.Count == 0)
                    good.Add($"{path}: zone {NameText.Format(parsed.Origin!)}, {records.Count} records: OK");
                errors.AddRange(found);
            }
            foreach (var line in good)
                cli.Output.WriteLine(line);
            if (errors.Count > 0)
                throw new ZoneDataException(errors);
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Export(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("zone") { Description = "the zone to export" };
        var output = new Option<string?>("--output", "-o") { Description = "write to this file instead of standard output" };
        var command = new Command("export", "Write a zone as a master file that 'zone import' reads back.\n\nExample:\n  minidns zone export cctv.com -o cctv.com.zone") { name, output };
        command.SetAction(result => cli.Run(() =>
        {
            var origin = CliInput.Name(result.GetValue(name)!);
            using var store = access.Open(result);
            if (!store.ListZones().Any(z => z.Origin == NameText.Format(origin)))
                throw new CliException($"there is no zone {NameText.Format(origin)}");
            string text = MasterFileWriter.Write(origin, store.ListRecords(origin));
            if (result.GetValue(output) is { } path)
                File.WriteAllText(path, text);
            else
                cli.Output.Write(text);
            return ExitCode.Success;
        }));
        return command;
    }
}
