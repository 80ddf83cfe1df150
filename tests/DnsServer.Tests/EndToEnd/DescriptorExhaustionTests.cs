using System.Net;
using System.Net.Sockets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.EndToEnd;

/// <summary>
/// Issue 8: out of file descriptors (EMFILE), the accept loop backs off and retries instead of spinning, and
/// serves TCP again once descriptors are free. The server runs as a process under a low descriptor limit.
/// </summary>
public sealed class DescriptorExhaustionTests
{
    [Fact]
    public async Task Out_of_descriptors_the_accept_loop_waits_instead_of_spinning_and_recovers()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        await using var server = await ServerProcess.StartWithFileLimitAsync(256, folder.File("m.db"), Repository.ZonesFolder,
            "--tcp-max-connections", "10000", "--tcp-max-per-client", "10000", "--tcp-idle-timeout", "60");
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);

        // More connections than the server has descriptors: the kernel completes them into the backlog,
        // and accept(2) fails with EMFILE once the server's table is full.
        var held = new List<Socket>();
        try
        {
            // Bounded in count and time. A connect that times out (the backlog full while a busy machine's
            // server is slow to accept) is skipped, not the end: the next ones fill the table once it accepts.
            var connecting = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            for (int i = 0; i < 400 && DateTime.UtcNow < connecting && !server.Output.Contains("TCP accept failed"); i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var connectBound = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try
                {
                    await socket.ConnectAsync(endPoint, connectBound.Token);
                    held.Add(socket);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException)
                {
                    socket.Dispose();
                }
            }
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!server.Output.Contains("TCP accept failed") && DateTime.UtcNow < deadline)
                await Task.Delay(100, cancel);
            Assert.True(server.Output.Contains("TCP accept failed (TooManyOpenSockets)"), $"{held.Count} connections; server output:\n{server.Output}");

            // Spinning on accept would burn a whole core; backing off up to 1 s costs next to nothing.
            var before = server.CpuTime;
            await Task.Delay(TimeSpan.FromSeconds(3), cancel);
            var used = server.CpuTime - before;
            Assert.True(used < TimeSpan.FromSeconds(1), $"the server used {used.TotalMilliseconds} ms of CPU in 3 s while out of descriptors");
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }

        // Descriptors are free again: TCP is served (within the longest back-off and the closes).
        var query = QueryBytes.Build("www.cctv.com.", RecordType.A);
        Exception? last = null;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                var reply = await RawDns.TcpAsync(endPoint, query);
                Assert.True(MessageReader.TryRead(reply, out var message, out _));
                Assert.NotEmpty(message.Answer);
                return;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                last = e;
                await Task.Delay(250, cancel);
            }
        }
        Assert.Fail($"TCP was not served after descriptors were freed: {last}");
    }
}
