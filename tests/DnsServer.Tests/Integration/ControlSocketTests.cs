using System.Buffers.Binary;
using System.Text;
using DnsClient;
using MiniDns.Control;
using MiniDns.Tests.Support;

namespace MiniDns.Tests.Integration;

/// <summary>
/// The control socket under hostile clients: every bad frame gets an error reply and a closed connection,
/// nothing is written, and the server goes on answering queries and good control requests.
/// </summary>
public sealed class ControlSocketTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<ControlReply> ReplyToBytesAsync(byte[] bytes)
    {
        var cancel = TestContext.Current.CancellationToken;
        using var connection = new ControlConnection(server.Host.ControlPath);
        await connection.Stream.WriteAsync(bytes, cancel);
        var frame = await ControlProtocol.ReadFrameAsync(connection.Stream, cancel);
        Assert.NotNull(frame);
        var reply = ControlProtocol.DecodeReply(frame);
        // The connection is closed after the error: the next read sees its end.
        Assert.Null(await ControlProtocol.ReadFrameAsync(connection.Stream, cancel));
        return reply;
    }

    private static byte[] Frame(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    public static TheoryData<string, string> BadFrames() => new()
    {
        { "over the limit", "FFFFFFFF" },
        { "one over 64 MiB", "04000001" },
        { "not JSON", Convert.ToHexString(Frame("{not json")) },
        { "wrong types", Convert.ToHexString(Frame("""{"version":1,"command":7}""")) },
        { "another version", Convert.ToHexString(Frame("""{"version":2,"command":"zone list"}""")) },
        { "unknown command", Convert.ToHexString(Frame("""{"version":1,"command":"drop everything"}""")) },
        { "missing field", Convert.ToHexString(Frame("""{"version":1,"command":"record add"}""")) },
        // A name whose first label claims 63 octets and ends after 3, as wire bytes in base64.
        { "bad wire name", Convert.ToHexString(Frame($$"""{"version":1,"command":"record add","name":"{{Convert.ToBase64String([63, 97, 98, 99])}}","type":1,"data":"wAACAQ=="}""")) },
        { "an edit of no kind", Convert.ToHexString(Frame($$"""{"version":1,"command":"apply","edits":[{"kind":99,"owner":"{{Convert.ToBase64String([3, 119, 119, 119, 7, 101, 120, 97, 109, 112, 108, 101, 4, 116, 101, 115, 116, 0])}}","data":[]}]}""")) },
        { "a null edit", Convert.ToHexString(Frame("""{"version":1,"command":"apply","edits":[null]}""")) },
        { "a null name server", Convert.ToHexString(Frame("""{"version":1,"command":"zone add","name":"AA==","nameServers":[null],"admin":"AA==","ttl":1}""")) },
        { "a null zone", Convert.ToHexString(Frame("""{"version":1,"command":"zone import","zones":[null]}""")) },
        { "data not of its type", Convert.ToHexString(Frame($$"""{"version":1,"command":"record add","name":"{{Convert.ToBase64String([3, 119, 119, 119, 7, 101, 120, 97, 109, 112, 108, 101, 4, 116, 101, 115, 116, 0])}}","type":1,"data":"wAAC"}""")) },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task A_bad_frame_gets_an_error_reply_and_the_connection_closed(string what, string hex)
    {
        var before = await ControlConnection.SendAsync(server.Host.ControlPath, new ControlRequest { Command = ControlCommand.RecordList });
        var reply = await ReplyToBytesAsync(Convert.FromHexString(hex));
        Assert.True(reply.Error == "protocol", $"{what}: {reply.Error} {string.Join(";", reply.Messages ?? [])}");
        Assert.NotEmpty(reply.Messages!);

        // Nothing written, and the server goes on: a good request and a query are answered.
        var after = await ControlConnection.SendAsync(server.Host.ControlPath, new ControlRequest { Command = ControlCommand.RecordList });
        Assert.Equal(before.Records!.Count, after.Records!.Count);
        var answer = await server.Client(Transport.Udp).QueryAsync("www.example.test", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotEmpty(answer.Answers);
    }

    [Fact]
    public async Task A_second_server_does_not_take_a_socket_a_live_server_answers_on_even_without_the_lock_file()
    {
        File.Delete(MiniDns.Storage.StoreLock.PathFor(server.DatabasePath)); // as a tmp cleaner might
        var e = Assert.Throws<IOException>(() => MiniDns.Server.DnsServerHost.Start(new MiniDns.Server.ServerOptions
        {
            RecursionAllow = [],
            Database = server.DatabasePath,
            ZonesFolder = server.Folder,
            Listen = [System.Net.IPAddress.Loopback],
            Port = 0,
        }, new Serilog.LoggerConfiguration().CreateLogger()));
        Assert.Contains("another server answers on the control socket", e.Message);
        Assert.Null((await ControlConnection.SendAsync(server.Host.ControlPath, new ControlRequest { Command = ControlCommand.ZoneList })).Error);
    }

    [Fact]
    public async Task A_frame_cut_short_closes_only_its_connection()
    {
        var cancel = TestContext.Current.CancellationToken;
        using (var connection = new ControlConnection(server.Host.ControlPath))
            await connection.Stream.WriteAsync(new byte[] { 0, 0, 1, 0, (byte)'{' }, cancel); // 256 announced, 1 sent, then closed
        var reply = await ControlConnection.SendAsync(server.Host.ControlPath, new ControlRequest { Command = ControlCommand.ZoneList });
        Assert.Null(reply.Error);
        Assert.NotEmpty(reply.ZoneList!);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_socket_is_owner_only()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(server.Host.ControlPath));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Another_user_is_refused_by_the_file_mode()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            Assert.Skip("switching to another uid needs root (setpriv)");
        string setpriv = Interop.RequireTool("setpriv", "util-linux");
        string python = Interop.RequireTool("python3", "python3");
        // The folder must be traversable for the other user to reach the socket at all: the mode is what refuses.
        var folder = Path.GetDirectoryName(server.Host.ControlPath)!;
        File.SetUnixFileMode(folder, File.GetUnixFileMode(folder) | UnixFileMode.OtherExecute);
        var script = $"import socket; s = socket.socket(socket.AF_UNIX); s.connect('{server.Host.ControlPath}'); print('connected')";
        var result = await ProcessRunner.RunAsync(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", python, "-c", script]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Permission denied", result.Error);
        Assert.DoesNotContain("connected", result.Output);
    }

    [Fact]
    public async Task Large_frames_sent_at_once_are_taken_two_at_a_time()
    {
        // Found by attack: 32 connections each sending most of a 64 MiB frame and stalling held 3.6 GB.
        // Now two large frames are read at a time; the others' bytes wait in their sockets, not in our heap.
        var cancel = TestContext.Current.CancellationToken;
        var chunk = new byte[16 << 20];
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var connections = Enumerable.Range(0, 10).Select(_ => new ControlConnection(server.Host.ControlPath)).ToList();
        try
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(prefix, 60 << 20);
            var sends = connections.Select(async c =>
            {
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                bound.CancelAfter(TimeSpan.FromSeconds(3));
                try
                {
                    await c.Stream.WriteAsync(prefix, bound.Token);
                    await c.Stream.WriteAsync(chunk, bound.Token);
                    return true;
                }
                catch (OperationCanceledException)
                {
                    return false; // held back: the server is not reading this one yet
                }
            }).ToList();
            var sent = await Task.WhenAll(sends);
            long grown = GC.GetTotalMemory(forceFullCollection: true) - before - chunk.Length;
            Assert.True(sent.Count(s => s) <= 4, $"{sent.Count(s => s)} of 10 sends went through whole");
            // Two frames' room, taken whole, and not ten frames' worth of doubling.
            Assert.True(grown < (2L * (60 << 20)) + (32 << 20), $"the heap grew by {grown >> 20} MiB");
            // Meanwhile a small request is served at once.
            var reply = await ControlConnection.SendAsync(server.Host.ControlPath, new ControlRequest { Command = ControlCommand.ZoneList });
            Assert.Null(reply.Error);
        }
        finally
        {
            foreach (var connection in connections)
                connection.Dispose();
        }
    }
}
