using MiniDns.Cli;

namespace MiniDns.Tests.Support;

/// <summary>Runs minidns in-process (MiniDnsCli with captured writers) or as the real binary.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
    }

    public static async Task<Result> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await MiniDnsCli.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return new Result(exit, output.ToString(), error.ToString());
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "minidns.dll");

    public static async Task<Result> RunProcessAsync(params string[] args)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [Dll, .. args], TimeSpan.FromSeconds(60));
        return new Result(result.ExitCode, result.Output, result.Error);
    }
}
