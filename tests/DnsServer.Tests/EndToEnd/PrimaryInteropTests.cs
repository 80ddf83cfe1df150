using System.Diagnostics;
using System.Net;
using MiniDns.Tests.Support;
using static MiniDns.Tests.EndToEnd.SecondaryInteropTests;

namespace MiniDns.Tests.EndToEnd;

/// <summary>
/// MiniDns (the binary users run, JIT and native) as a secondary of unmodified NSD and Knot primaries on
/// loopback, made with <c>minidns key add --secret</c> and <c>minidns zone add --primary --key</c>: the
/// 10,000-name zone is transferred in, and an edit on the primary is answered by MiniDns within 2 s, through
/// the primary's signed NOTIFY and, from Knot, an incremental transfer. (NSD 4.6, Debian 12's, keeps no
/// differences and answers IXFR with the whole zone, which MiniDns takes as such.)
/// </summary>
public sealed class PrimaryInteropTests
{
    private const string Secret = "c2VjcmV0IG9mIHRoZSBwcmltYXJ5LCBmb3IgdGhlIHRlc3Q="; // 32 bytes

    public enum Primary
    {
        Nsd,
        Knot,
    }

    [Theory]
    [InlineData(Primary.Nsd, Build.Jit)]
    [InlineData(Primary.Knot, Build.Jit)]
    [InlineData(Primary.Nsd, Build.Native)]
    [InlineData(Primary.Knot, Build.Native)]
    public async Task A_minidns_secondary_answers_an_edit_on_the_primary_within_two_seconds(Primary kind, Build build)
    {
        string daemon = kind == Primary.Nsd ? Interop.RequireTool("nsd", "nsd") : Interop.RequireTool("knotd", "knot");
        string knotc = kind == Primary.Knot ? Interop.RequireTool("knotc", "knot") : "";
        var cancel = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        // All on 127.0.0.1: NSD and Knot send NOTIFY from the address the kernel picks, which MiniDns checks against the primary's.
        var primaryAt = new IPEndPoint(IPAddress.Loopback, FreePortOn("127.0.0.1"));
        string zoneText = File.ReadAllText(Path.Combine(Repository.ZonesFolder, "cctv.com.zone"))
            + "\n" + string.Concat(Enumerable.Range(0, 10_000).Select(i => $"host{i}.cctv.com. 3600 IN A 10.1.{i / 256}.{i % 256}\n"));

        string database = folder.File("secondary.db");
        string zones = Directory.CreateDirectory(folder.File("zones")).FullName; // empty: the zone comes from the primary
        string cli;
        ServerProcess secondary;
        if (build == Build.Native)
        {
            var (server, nativeCli) = await NativeBinaries.GetAsync();
            secondary = await ServerProcess.StartNativeAsync(server, database, zones);
            cli = nativeCli;
        }
        else
        {
            secondary = await ServerProcess.StartAsync(database, zones);
            cli = $"dotnet '{Path.Combine(AppContext.BaseDirectory, "minidns.dll")}'";
        }
        await using var _ = secondary;
        var secondaryAt = new IPEndPoint(IPAddress.Loopback, secondary.Port);

        var others = new List<Process>();
        try
        {
            string dir = Directory.CreateDirectory(folder.File(kind.ToString())).FullName;
            File.WriteAllText(Path.Combine(dir, "cctv.com.zone"), zoneText);
            others.Add(kind == Primary.Nsd ? StartNsd(daemon, dir, primaryAt, secondaryAt) : StartKnot(daemon, dir, primaryAt, secondaryAt));
            await WaitForAsync(() => SerialAsync(primaryAt), s => s == 2026112701, $"{kind} to serve the zone", others, secondary);

            await Cli(cli, database, $"key add xfr.cctv.com --secret {Secret}");
            var added = await Cli(cli, database, $"zone add cctv.com --primary {primaryAt} --key xfr.cctv.com");
            Assert.Contains("added secondary zone cctv.com.", added);
            await WaitForAsync(() => AddressAsync(secondaryAt, "host9999.cctv.com."), a => a == "10.1.39.15", "MiniDns to transfer the zone in", others, secondary);
            Assert.Contains("last transfer in: AXFR (whole zone) of serial 2026112701", await Cli(cli, database, "zone status cctv.com"));

            var edited = Stopwatch.StartNew();
            if (kind == Primary.Nsd)
            {
                // A new serial and one record more in the zone file; SIGHUP reloads it, and NSD notifies.
                File.WriteAllText(Path.Combine(dir, "cctv.com.zone"), zoneText.Replace("2026112701 ; serial", "2026112702 ; serial") + "probe.cctv.com. 3600 IN A 192.0.2.222\n");
                Process.Start("kill", ["-HUP", others[0].Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();
            }
            else
            {
                // A transaction through knotc: Knot raises the serial, keeps the difference in its journal and notifies.
                string socket = Path.Combine(dir, "knot.sock");
                foreach (var step in (string[])["zone-begin cctv.com", "zone-set cctv.com probe 3600 A 192.0.2.222", "zone-commit cctv.com"])
                {
                    var run = await ProcessRunner.RunAsync(knotc, ["-s", socket, .. step.Split(' ')]);
                    Assert.True(run.ExitCode == 0, $"knotc {step}: {run.Output}{run.Error}");
                }
            }
            string log = Path.Combine(dir, kind == Primary.Nsd ? "nsd.log" : "knot.log");
            await WaitForAsync(() => AddressAsync(secondaryAt, "probe.cctv.com."), a => a == "192.0.2.222",
                $"MiniDns to answer the new record ({kind}'s log: {(File.Exists(log) ? File.ReadAllText(log) : "none")})", others, secondary);
            Assert.True(edited.Elapsed < TimeSpan.FromSeconds(2), $"MiniDns answered {edited.Elapsed.TotalMilliseconds:0} ms after the edit\n{secondary.Output}");
            Assert.Contains("NOTIFY of cctv.com. from 127.0.0.1", secondary.Output);
            string status = await Cli(cli, database, "zone status cctv.com");
            Assert.Contains(kind == Primary.Knot ? "last transfer in: IXFR (incremental from 2026112701) of serial 2026112702" : "last transfer in: IXFR (whole zone) of serial 2026112702", status);
            Assert.Contains(", key xfr.cctv.com., ", status);

            // The copy is the primary's: a local edit is refused, and the zone stays as transferred.
            var refused = await ProcessRunner.RunAsync("bash", ["-c", $"{cli} --db '{database}' record add local.cctv.com A 192.0.2.1"]);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("is a secondary of 127.0.0.1:", refused.Error);
            Assert.Equal("NxDomain", await AddressAsync(secondaryAt, "local.cctv.com."));
        }
        finally
        {
            foreach (var other in others)
            {
                if (!other.HasExited)
                    other.Kill(entireProcessTree: true);
                await other.WaitForExitAsync(cancel);
                other.Dispose();
            }
        }
    }

    private static async Task<string> Cli(string cli, string database, string arguments)
    {
        var run = await ProcessRunner.RunAsync("bash", ["-c", $"{cli} --db '{database}' {arguments}"]);
        Assert.True(run.ExitCode == 0, $"minidns {arguments}: {run.Output}{run.Error}");
        return run.Output;
    }

    private static Process StartNsd(string nsd, string dir, IPEndPoint at, IPEndPoint secondary) =>
        PeerDaemons.Nsd(nsd, dir, at, Secret, $"""
                provide-xfr: {secondary.Address} {PeerDaemons.Key}
                notify: {secondary.Address}@{secondary.Port} {PeerDaemons.Key}
            """);

    private static Process StartKnot(string knotd, string dir, IPEndPoint at, IPEndPoint secondary) =>
        PeerDaemons.Knot(knotd, dir, at, Secret, "minidns", secondary, $"""
            acl:
              - id: transfer_to_minidns
                key: {PeerDaemons.Key}
                action: transfer
            zone:
              - domain: cctv.com
                file: {dir}/cctv.com.zone
                notify: minidns
                acl: transfer_to_minidns
            """);
}
