using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MiniDns.Tests.Support;

/// <summary>
/// The real server binary (dotnet DnsServer.dll, or the native one) as a child process on 127.0.0.1 and a port the OS picks,
/// read back from its start line.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private ServerProcess(Process process, int port, StringBuilder output)
    {
        _process = process;
        Port = port;
        _output = output;
    }

    public int Port { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "DnsServer.dll");

    public static Task<ServerProcess> StartAsync(string database, string zonesFolder, params string[] extra) =>
        StartAsync("dotnet", [ServerDll, "--db", database, "--zones", zonesFolder, "--listen", "127.0.0.1", "--port", "0", .. extra]);

    /// <summary>The server under prlimit with at most <paramref name="files"/> open descriptors (prlimit execs it: same process).</summary>
    public static Task<ServerProcess> StartWithFileLimitAsync(int files, string database, string zonesFolder, params string[] extra) =>
        StartAsync(Interop.RequireTool("prlimit", "util-linux"),
            [$"--nofile={files}", "dotnet", ServerDll, "--db", database, "--zones", zonesFolder, "--listen", "127.0.0.1", "--port", "0", .. extra]);

    public int ProcessId => _process.Id;

    /// <summary>User plus system CPU time the process has used, from /proc (clock ticks of 10 ms).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the server exited with {_process.ExitCode}:\n{Output}");
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return TimeSpan.FromMilliseconds(ticks * 10);
        }
    }

    /// <summary>A natively published server binary instead of the build output run by dotnet.</summary>
    public static Task<ServerProcess> StartNativeAsync(string binary, string database, string zonesFolder, params string[] extra) =>
        StartAsync(binary, ["--db", database, "--zones", zonesFolder, "--listen", "127.0.0.1", "--port", "0", .. extra]);

    private static async Task<ServerProcess> StartAsync(string program, string[] arguments)
    {
        // No recursion unless a test asks for it: a question outside the zones must not leave the machine.
        if (!arguments.Contains("--recursion-allow"))
            arguments = [.. arguments, "--recursion-allow", "none"];
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        void OnLine(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                started.TrySetException(new InvalidOperationException($"the server exited before serving:\n{output}"));
                return;
            }
            lock (output)
                output.AppendLine(e.Data);
            var match = StartLine().Match(e.Data);
            if (match.Success)
                started.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        int port;
        try
        {
            port = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
        // Both streams go on appending to the same buffer for the life of the process.
        return new ServerProcess(process, port, output);
    }

    /// <summary>Sends SIGTERM and waits for a clean exit; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _process.WaitForExitAsync(bound.Token);
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"port (\d+) \(UDP and TCP\)")]
    private static partial Regex StartLine();
}
