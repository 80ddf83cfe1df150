using System.Net;
using DnsClient;
using MiniDns.Tests.Support;

namespace MiniDns.Tests.EndToEnd;

/// <summary>
/// Shells running <c>minidns record add</c> in loops at the same time, as users and scripts do, with the
/// binaries users run (native) and the JIT builds: with the server running (every edit goes through its
/// control socket) and without (the shells take turns at the store's lock). Every command that said
/// "added" is in the store and answered; nothing else is. LiteDB's shared mode lost 8 of 80 such edits
/// between two native processes.
/// </summary>
public sealed class ConcurrentEditTests
{
    // 200 per shell natively, as the issue that found the loss ran it; the JIT builds start ten times
    // slower (about 400 ms a command), so 50 per shell keeps the suite's run time within bounds.
    private static int EditsPerShell(Build build) => build == Build.Native ? 200 : 50;

    public enum Build
    {
        Jit,
        Native,
    }

    public static TheoryData<Build, int, bool> Runs()
    {
        var runs = new TheoryData<Build, int, bool>();
        foreach (var build in Enum.GetValues<Build>())
            foreach (int shells in (int[])[2, 4])
                foreach (bool withServer in (bool[])[true, false])
                    runs.Add(build, shells, withServer);
        return runs;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Shells_adding_records_at_once_lose_nothing_and_invent_nothing(Build build, int shells, bool withServer)
    {
        var cancel = TestContext.Current.CancellationToken;
        string cli, serverBinary;
        if (build == Build.Native)
            (serverBinary, cli) = await NativeBinaries.GetAsync();
        else
            (serverBinary, cli) = ("", $"dotnet '{Path.Combine(AppContext.BaseDirectory, "minidns.dll")}'");
        using var folder = new TempFolder();
        string database = folder.File("edits.db");
        ServerProcess? server = withServer ? await StartAsync(build, serverBinary, database) : null;
        try
        {
            if (server is null)
            {
                var imported = await ProcessRunner.RunAsync("bash", ["-c", $"{cli} --db '{database}' zone import '{Repository.ZonesFolder}/cctv.com.zone'"]);
                Assert.True(imported.ExitCode == 0, imported.Error);
            }
            // Each shell: one loop of real minidns processes; a command's output line says what it did.
            var outputs = await Task.WhenAll(Enumerable.Range(0, shells).Select(async shell =>
            {
                string script = $"for i in $(seq 1 {EditsPerShell(build)}); do {cli} --db '{database}' record add s{shell}-$i.cctv.com A 192.0.2.$((i % 250 + 1)); done";
                var result = await ProcessRunner.RunAsync("bash", ["-c", script], TimeSpan.FromMinutes(8));
                return result;
            }));
            var said = outputs.SelectMany(o => o.Output.Split('\n')).Where(l => l.StartsWith("added ", StringComparison.Ordinal))
                .Select(l => l.Split(' ')[1]).ToHashSet(StringComparer.Ordinal);
            string errors = string.Join("\n", outputs.Select(o => o.Error).Where(e => e.Length > 0));
            // Every command succeeds: with the server they are its turns, without they wait for the lock.
            Assert.True(said.Count == shells * EditsPerShell(build), $"{said.Count} of {shells * EditsPerShell(build)} said added; errors:\n{errors}");

            server ??= await StartAsync(build, serverBinary, database);
            var listed = await ProcessRunner.RunAsync("bash", ["-c", $"{cli} --db '{database}' record list cctv.com"]);
            var stored = listed.Output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length > 0 && f[0].StartsWith('s') && f[0].Contains('-', StringComparison.Ordinal)).Select(f => f[0]).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(said.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));

            var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, server.Port)) { UseCache = false, Timeout = TimeSpan.FromSeconds(5), Retries = 2 });
            foreach (var name in said)
            {
                var answer = await client.QueryAsync(name, QueryType.A, cancellationToken: cancel);
                Assert.True(answer.Answers.ARecords().Count() == 1, $"{name}: {answer.Header.ResponseCode}");
            }
        }
        finally
        {
            if (server is not null)
                await server.DisposeAsync();
        }
    }

    private static Task<ServerProcess> StartAsync(Build build, string nativeBinary, string database)
    {
        // An empty zones folder for a store that has zones already; the cctv.com example for a new one.
        string zones = File.Exists(database) ? Path.Combine(Path.GetDirectoryName(database)!, "no-zones") : OnlyCctv(database);
        return build == Build.Native
            ? ServerProcess.StartNativeAsync(nativeBinary, database, zones)
            : ServerProcess.StartAsync(database, zones);
    }

    private static string OnlyCctv(string database)
    {
        string folder = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(database)!, "zones")).FullName;
        File.Copy(Path.Combine(Repository.ZonesFolder, "cctv.com.zone"), Path.Combine(folder, "cctv.com.zone"), overwrite: true);
        return folder;
    }
}
