using MiniDns.Tests.Support;

namespace MiniDns.Tests.EndToEnd;

/// <summary>What an operator sees when starting the server goes wrong: one clear line and an exit code.</summary>
public sealed class ServerStartupTests
{
    [Fact]
    public async Task An_unknown_option_is_refused_with_exit_code_2()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [ServerProcess.ServerDll, "--prot", "53"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("minidns-server: Unrecognized command or argument '--prot' (see --help)", result.Error.Trim());
    }

    [Fact]
    public async Task Help_and_version_print_and_exit_0()
    {
        var help = await ProcessRunner.RunAsync("dotnet", [ServerProcess.ServerDll, "--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--tcp-idle-timeout <SECONDS>", help.Output);
        Assert.Contains("MINIDNS_TCP_IDLE_TIMEOUT", help.Output);
        var version = await ProcessRunner.RunAsync("dotnet", [ServerProcess.ServerDll, "--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Output.Trim());
    }

    [Fact]
    public async Task A_bad_port_is_refused_with_exit_code_2()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [ServerProcess.ServerDll, "--port", "70000"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--port: '70000' is not a number from 0 to 65535", result.Error);
    }

    [Fact]
    public async Task A_port_in_use_gives_one_clear_line()
    {
        using var folder = new TempFolder();
        var zones = Repository.ZonesFolder;
        await using var first = await ServerProcess.StartAsync(folder.File("a.db"), zones);
        var second = await ProcessRunner.RunAsync("dotnet",
            [ServerProcess.ServerDll, "--db", folder.File("b.db"), "--zones", zones, "--listen", "127.0.0.1", "--port", first.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains($"Cannot bind port {first.Port}: another process is using it", second.Output);
    }

    [Fact]
    public async Task A_zone_file_with_errors_stops_the_first_start_with_file_and_line()
    {
        using var folder = new TempFolder();
        var zones = Directory.CreateDirectory(folder.File("zones")).FullName;
        File.WriteAllText(Path.Combine(zones, "bad.test.zone"), "$ORIGIN bad.test.\n@ 60 IN SOA ns1 h 1 2 3 4 5\nwww 60 IN A 999.1.1.1\n");
        var result = await ProcessRunner.RunAsync("dotnet",
            [ServerProcess.ServerDll, "--db", folder.File("x.db"), "--zones", zones, "--listen", "127.0.0.1", "--port", "0"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("bad.test.zone:3: A IPv4 address: '999.1.1.1' is not an IPv4 address", result.Output);
    }

    [Fact]
    public async Task A_corrupt_store_is_refused_with_one_clear_line_and_left_as_it_was()
    {
        using var folder = new TempFolder();
        var database = folder.File("corrupt.db");
        var garbage = new byte[20_000];
        new Random(3).NextBytes(garbage);
        File.WriteAllBytes(database, garbage);
        var result = await ProcessRunner.RunAsync("dotnet",
            [ServerProcess.ServerDll, "--db", database, "--zones", Repository.ZonesFolder, "--listen", "127.0.0.1", "--port", "0"]);
        Assert.True(result.ExitCode == 1, result.Output + result.Error);
        Assert.Contains("is not a readable MiniDns store", result.Output);
        Assert.Equal(garbage, File.ReadAllBytes(database));
    }
}
