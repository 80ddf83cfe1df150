using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.EndToEnd;

/// <summary>
/// Unmodified NSD and Knot as secondaries of a MiniDns primary (the binary users run, JIT and native), on
/// loopback, transferring with a TSIG key made by <c>minidns key add</c>: each transfers the zone (10,000 names) at start, and a record added with <c>minidns</c> is
/// answered by both within 2 s, through NOTIFY and an incremental transfer (IXFR, not the whole zone).
/// </summary>
public sealed class SecondaryInteropTests
{
    public enum Build
    {
        Jit,
        Native,
    }

    [Theory]
    [InlineData(Build.Jit)]
    [InlineData(Build.Native)]
    public async Task Nsd_and_knot_secondaries_answer_a_record_added_with_minidns_within_two_seconds(Build build)
    {
        string nsd = Interop.RequireTool("nsd", "nsd");
        string knotd = Interop.RequireTool("knotd", "knot");
        var cancel = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        var nsdAt = new IPEndPoint(IPAddress.Parse("127.0.0.31"), FreePortOn("127.0.0.31"));
        var knotAt = new IPEndPoint(IPAddress.Parse("127.0.0.32"), FreePortOn("127.0.0.32"));
        string database = folder.File("primary.db");
        // cctv.com. as the example has it, and 10,000 names more: a one-record edit must go out as an increment.
        string zones = Directory.CreateDirectory(folder.File("zones")).FullName;
        File.WriteAllText(Path.Combine(zones, "cctv.com.zone"), File.ReadAllText(Path.Combine(Repository.ZonesFolder, "cctv.com.zone"))
            + "\n" + string.Concat(Enumerable.Range(0, 10_000).Select(i => $"host{i}.cctv.com. 3600 IN A 10.1.{i / 256}.{i % 256}\n")));
        // Transfers only with the TSIG key, from anywhere: no address is allowed by itself; NOTIFY signed with it,
        // which the secondaries require.
        string[] options = ["--allow-transfer", "key:xfr.cctv.com", "--notify", $"cctv.com={nsdAt}", "--notify", $"cctv.com={knotAt}", "--notify-key", "xfr.cctv.com"];
        string cli;
        ServerProcess primary;
        if (build == Build.Native)
        {
            var (server, nativeCli) = await NativeBinaries.GetAsync();
            primary = await ServerProcess.StartNativeAsync(server, database, zones, options);
            cli = nativeCli;
        }
        else
        {
            primary = await ServerProcess.StartAsync(database, zones, options);
            cli = $"dotnet '{Path.Combine(AppContext.BaseDirectory, "minidns.dll")}'";
        }
        await using var _ = primary;
        var primaryAt = new IPEndPoint(IPAddress.Loopback, primary.Port);
        // The key as minidns prints it, once: key "xfr.cctv.com" { algorithm hmac-sha256; secret "…"; };
        var made = await ProcessRunner.RunAsync("bash", ["-c", $"{cli} --db '{database}' key add xfr.cctv.com"]);
        Assert.True(made.ExitCode == 0, made.Error);
        string secret = Regex.Match(made.Output, "secret \"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(secret);
        var secondaries = new List<Process>();
        try
        {
            secondaries.Add(StartNsd(nsd, folder, nsdAt, primaryAt, secret));
            secondaries.Add(StartKnot(knotd, folder, knotAt, primaryAt, secret));
            uint serial = await SerialAsync(primaryAt);
            foreach (var secondary in (IPEndPoint[])[nsdAt, knotAt])
                await WaitForAsync(() => SerialAsync(secondary), s => s == serial, $"{secondary} to transfer serial {serial}", secondaries, primary);

            var added = await ProcessRunner.RunAsync("bash", ["-c", $"{cli} --db '{database}' record add probe.cctv.com A 192.0.2.222"]);
            Assert.True(added.ExitCode == 0, added.Error);
            var edited = Stopwatch.StartNew();
            foreach (var secondary in (IPEndPoint[])[nsdAt, knotAt])
                await WaitForAsync(() => AddressAsync(secondary, "probe.cctv.com."), a => a == "192.0.2.222", $"{secondary} to answer the new record", secondaries, primary);
            Assert.True(edited.Elapsed < TimeSpan.FromSeconds(2), $"the secondaries answered {edited.Elapsed.TotalMilliseconds:0} ms after the edit\n{primary.Output}");
            Assert.Contains("NOTIFY of cctv.com.", primary.Output);
            // Both asked IXFR with the serial they held, signed, and got the difference: the old and new SOA, the record, the SOA twice.
            await WaitForAsync(() => Task.FromResult(IncrementalTransfers(primary.Output)), n => n >= 2, "two incremental transfers in the primary's log", secondaries, primary);
            // Both took the signed NOTIFY and signed their acknowledgement back.
            uint edit = await SerialAsync(primaryAt);
            var status = await ProcessRunner.RunAsync("bash", ["-c", $"{cli} --db '{database}' zone status cctv.com"]);
            foreach (var secondary in (IPEndPoint[])[nsdAt, knotAt])
                Assert.Matches($@"notified {Regex.Escape(secondary.ToString())} of serial {edit} at \S+: acknowledged\n", status.Output);
        }
        finally
        {
            foreach (var secondary in secondaries)
            {
                if (!secondary.HasExited)
                    secondary.Kill(entireProcessTree: true);
                await secondary.WaitForExitAsync(cancel);
                secondary.Dispose();
            }
        }
    }

    [Fact]
    public async Task Dig_checks_the_tsig_of_every_message_of_a_signed_transfer_and_a_wrong_secret_gets_badsig()
    {
        string dig = Interop.RequireTool("dig");
        using var folder = new TempFolder();
        string zones = Directory.CreateDirectory(folder.File("zones")).FullName;
        File.WriteAllText(Path.Combine(zones, "big.test.zone"), "$ORIGIN big.test.\n$TTL 300\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\nns1 IN A 192.0.2.1\n"
            + string.Concat(Enumerable.Range(0, 5000).Select(i => $"h{i} IN TXT \"text of host {i} to fill the messages\"\n")));
        string database = folder.File("primary.db");
        await using var primary = await ServerProcess.StartAsync(database, zones, "--allow-transfer", "key:xfr.big.test");
        string cli = $"dotnet '{Path.Combine(AppContext.BaseDirectory, "minidns.dll")}'";
        var made = await ProcessRunner.RunAsync("bash", ["-c", $"{cli} --db '{database}' key add xfr.big.test --algorithm hmac-sha512"]);
        Assert.True(made.ExitCode == 0, made.Error);
        string secret = Regex.Match(made.Output, "secret \"([^\"]+)\"").Groups[1].Value;

        var signed = await ProcessRunner.RunAsync(dig, ["@127.0.0.1", "-p", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "big.test", "AXFR", "-y", $"hmac-sha512:xfr.big.test:{secret}"]);
        // dig stops at the first message whose TSIG does not verify ("tsig verify failure") and then says the transfer failed.
        Assert.DoesNotContain("failed", signed.Output + signed.Error, StringComparison.OrdinalIgnoreCase);
        var size = Regex.Match(signed.Output, @"XFR size: (\d+) records \(messages (\d+)");
        Assert.True(size.Success, signed.Output);
        Assert.Equal("5004", size.Groups[1].Value);
        Assert.True(int.Parse(size.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) > 1, "one message: the chain of MACs was not tried");

        string wrong = Convert.ToBase64String(new byte[64]);
        var refused = await ProcessRunner.RunAsync(dig, ["@127.0.0.1", "-p", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "big.test", "AXFR", "-y", $"hmac-sha512:xfr.big.test:{wrong}"]);
        Assert.Contains("BADSIG", refused.Output);
        Assert.DoesNotContain("IN\tTXT", refused.Output);
    }

    // "IXFR of cctv.com. serial S to CLIENT (incremental from R): 5 records in 1 messages"
    private static int IncrementalTransfers(string log) =>
        log.Split('\n').Count(line => line.Contains("IXFR of cctv.com.", StringComparison.Ordinal) && line.Contains("(incremental from", StringComparison.Ordinal)
            && line.Contains("key xfr.cctv.com.", StringComparison.Ordinal)
            && line.Contains(": 5 records in 1 messages", StringComparison.Ordinal));

    private static Process StartNsd(string nsd, TempFolder folder, IPEndPoint at, IPEndPoint primary, string secret) =>
        PeerDaemons.Nsd(nsd, Directory.CreateDirectory(folder.File("nsd")).FullName, at, secret, $"""
                request-xfr: {primary.Address}@{primary.Port} {PeerDaemons.Key}
                allow-notify: {primary.Address} {PeerDaemons.Key}
            """);

    private static Process StartKnot(string knotd, TempFolder folder, IPEndPoint at, IPEndPoint primary, string secret) =>
        PeerDaemons.Knot(knotd, Directory.CreateDirectory(folder.File("knot")).FullName, at, secret, "primary", primary, $"""
            acl:
              - id: notify_from_primary
                address: {primary.Address}
                key: {PeerDaemons.Key}
                action: notify
            zone:
              - domain: cctv.com
                master: primary
                acl: notify_from_primary
            """);

    internal static async Task WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, List<Process> others, ServerProcess minidns)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        T last = default!;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                if (done(last))
                    return;
            }
            catch (Exception e) when (e is TimeoutException or SocketException or OperationCanceledException or IOException)
            {
                // Not listening yet.
            }
            Assert.All(others, s => Assert.False(s.HasExited, $"NSD or Knot exited with {(s.HasExited ? s.ExitCode : 0)}"));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"waited 20 s for {what}; last saw {last}\n{minidns.Output}");
    }

    internal static async Task<uint> SerialAsync(IPEndPoint server)
    {
        var reply = await RawDns.UdpAsync(server, QueryBytes.Build("cctv.com.", RecordType.SOA));
        Assert.True(MessageReader.TryRead(reply, out var message, out var error), error);
        return message.Answer is [{ Type: RecordType.SOA } soa] ? Zones.SoaSerial.Read(soa.Data) : 0;
    }

    internal static async Task<string> AddressAsync(IPEndPoint server, string name)
    {
        var reply = await RawDns.UdpAsync(server, QueryBytes.Build(name, RecordType.A));
        Assert.True(MessageReader.TryRead(reply, out var message, out var error), error);
        return message.Answer.FirstOrDefault(r => r.Type == RecordType.A) is { } a ? new IPAddress(a.Data).ToString() : message.Rcode.ToString();
    }

    internal static int FreePortOn(string address)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
