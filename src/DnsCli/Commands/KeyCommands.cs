using System.CommandLine;
using MiniDns.Tsig;
using MiniDns.Wire;

namespace MiniDns.Cli.Commands;

/// <summary>
/// minidns key add | list | remove: the TSIG keys (RFC 8945) that secure zone transfers, kept in the store.
/// A new key's secret is printed once, as BIND's tsig-keygen prints it, for the secondaries' configuration.
/// </summary>
public static class KeyCommands
{
    public static Command Build(StoreAccess access, CliContext cli) => new("key", "TSIG keys for zone transfers (--allow-transfer key:NAME).")
    {
        Add(access, cli),
        List(access, cli),
        Remove(access, cli),
    };

    private static Command Add(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "the key's name, e.g. transfer.cctv.com" };
        var algorithm = new Option<string>("--algorithm") { Description = $"one of {string.Join(", ", TsigKey.Algorithms)}", DefaultValueFactory = _ => TsigKey.HmacSha256 };
        algorithm.AcceptOnlyFromAmong([.. TsigKey.Algorithms]);
        var secret = new Option<string?>("--secret") { Description = "another server's secret (base64), for a primary's key; default: a new random one" };
        var command = new Command("add", "Make a key with a random secret and print it, once, in the form NSD, Knot and BIND read; or keep a primary's key (--secret).\n\nExamples:\n  minidns key add transfer.cctv.com\n  minidns key add transfer.cctv.com --secret \"$(cat secret.b64)\"")
        {
            name, algorithm, secret,
        };
        command.SetAction(result => cli.Run(() =>
        {
            var wire = CliInput.Name(result.GetValue(name)!);
            byte[]? given = null;
            if (result.GetValue(secret) is { } text)
            {
                given = new byte[text.Length];
                if (!Convert.TryFromBase64String(text.Trim(), given, out int length))
                    throw new CliException("--secret is not base64");
                given = given[..length];
            }
            using var store = access.Open(result, create: true);
            cli.Output.WriteLine(store.AddKey(wire, result.GetValue(algorithm)!, given).ToBindConfig());
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command List(StoreAccess access, CliContext cli)
    {
        var command = new Command("list", "List the keys by name and algorithm (their secrets are never shown again).\n\nExample:\n  minidns key list");
        command.SetAction(result => cli.Run(() =>
        {
            using var store = access.Open(result);
            TableWriter.Write(cli.Output, ["KEY", "ALGORITHM"], store.ListKeys().Select(k => (IReadOnlyList<string>)[k.Name, k.Algorithm]));
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Remove(StoreAccess access, CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "the key to remove" };
        var command = new Command("remove", "Remove a key: transfers signed with it are refused from then on.\n\nExample:\n  minidns key remove transfer.cctv.com") { name };
        command.SetAction(result => cli.Run(() =>
        {
            var wire = CliInput.Name(result.GetValue(name)!);
            using var store = access.Open(result);
            if (!store.RemoveKey(wire))
                throw new CliException($"there is no key {NameText.Format(DnsName.ToLowerCopy(wire))}");
            cli.Output.WriteLine($"removed key {NameText.Format(DnsName.ToLowerCopy(wire))}");
            return ExitCode.Success;
        }));
        return command;
    }
}
