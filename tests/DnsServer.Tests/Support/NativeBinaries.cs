using System.Runtime.InteropServices;

namespace MiniDns.Tests.Support;

/// <summary>
/// The server and the CLI published natively (AOT), as README tells users to run them, once per test run
/// and one after the other (both publish DnsCore into the same obj folder). Skips where the native
/// publish is not exercised.
/// </summary>
public static class NativeBinaries
{
    private static readonly Lazy<Task<(string Server, string Cli)>> Published = new(PublishBothAsync);

    public static async Task<(string Server, string Cli)> GetAsync()
    {
        Interop.RequireTool("clang", "clang");
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.OSArchitecture != Architecture.X64)
            Assert.Skip("the native publish is exercised on linux-x64");
        return await Published.Value;
    }

    private static async Task<(string Server, string Cli)> PublishBothAsync()
    {
        var folder = Directory.CreateTempSubdirectory("minidns-native-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        var server = await PublishAsync("DnsServer", Path.Combine(folder, "server"));
        var cli = await PublishAsync("DnsCli", Path.Combine(folder, "cli"));
        return (Path.Combine(server, "DnsServer"), Path.Combine(cli, "minidns"));
    }

    private static async Task<string> PublishAsync(string project, string output)
    {
        var published = await ProcessRunner.RunAsync("dotnet",
            ["publish", Path.Combine(Repository.Root, "src", project), "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo"],
            TimeSpan.FromMinutes(10));
        Assert.True(published.ExitCode == 0, published.Output + published.Error);
        return output;
    }
}
