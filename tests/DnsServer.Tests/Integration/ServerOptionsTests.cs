using System.Net;
using MiniDns.Server;

namespace MiniDns.Tests.Integration;

/// <summary>Settings from appsettings.json, MINIDNS_* variables and the command line, command line last.</summary>
public sealed class ServerOptionsTests
{
    [Fact]
    public void Defaults_follow_the_design()
    {
        var options = ServerOptions.Load([], Path.GetTempPath());
        Assert.Equal("minidns.db", options.Database);
        Assert.Equal("zones", options.ZonesFolder);
        Assert.Equal(53, options.Port);
        Assert.Equal([IPAddress.Any, IPAddress.IPv6Any], options.Listen);
        Assert.Equal(TimeSpan.FromSeconds(10), options.TcpIdleTimeout);
    }

    [Fact]
    public void Listen_may_repeat()
    {
        var options = ServerOptions.Load(["--listen", "127.0.0.1", "--listen", "::1", "--port=5353"], Path.GetTempPath());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], options.Listen);
        Assert.Equal(5353, options.Port);
    }

    [Fact]
    public void Appsettings_json_is_read_and_the_command_line_wins()
    {
        var folder = Directory.CreateTempSubdirectory("minidns-options-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "appsettings.json"), """{ "port": 5300, "db": "from-json.db" }""");
            var options = ServerOptions.Load(["--port", "5301"], folder);
            Assert.Equal(5301, options.Port);
            Assert.Equal("from-json.db", options.Database);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(new[] { "--prot", "53" }, "unknown option --prot")]
    [InlineData(new[] { "--port" }, "--port needs a value")]
    [InlineData(new[] { "--port", "x" }, "--port: 'x' is not a number from 0 to 65535")]
    [InlineData(new[] { "--listen", "localhost" }, "--listen: 'localhost' is not an IP address")]
    [InlineData(new[] { "stray" }, "unexpected argument 'stray'")]
    public void Bad_options_say_what_is_wrong(string[] args, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ServerOptions.Load(args, Path.GetTempPath()));
        Assert.Equal(message, error.Message);
    }
}
