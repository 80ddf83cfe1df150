using System.Net.Sockets;
using MiniDns.Control;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// The control socket: a UNIX domain socket, owner-only (0600), where <c>minidns</c> sends its commands
/// (<see cref="ControlProtocol"/>). Each connection carries requests one after the other; a frame that is
/// too long or not a control message gets an error reply and the connection is closed. Nothing a client
/// sends reaches past its own connection.
/// </summary>
public sealed class ControlListener : IAsyncDisposable
{
    private const int MaxConnections = 32;

    // A frame can be 64 MiB, and 32 connections sending one each held 3.6 GB (found by attack): frames
    // over a mebibyte are read and carried out two at a time, the others wait their turn.
    private const int LargeFrame = 1 << 20;
    private readonly SemaphoreSlim _largeFrames = new(2);
    // minidns sends its request at once; a connection quiet this long between frames is closed.
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly ControlService _service;
    private readonly FaultLog _faults;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private Task _accepting = Task.CompletedTask;

    private ControlListener(Socket socket, string path, ControlService service, FaultLog faults, ILogger log)
    {
        _socket = socket;
        Path = path;
        _service = service;
        _faults = faults;
        _log = log;
    }

    public string Path { get; }

    /// <summary>
    /// Binds the socket at <paramref name="path"/>, which the caller has cleared with
    /// <see cref="RemoveStaleSocket"/> while holding the store's lock.
    /// </summary>
    public static ControlListener Bind(string path, ControlService service, FaultLog faults, ILogger log)
    {
        path = System.IO.Path.GetFullPath(path);
        UnixDomainSocketEndPoint endpoint;
        try
        {
            endpoint = new UnixDomainSocketEndPoint(path);
        }
        catch (ArgumentException)
        {
            throw new IOException($"the control socket path {path} is too long for a UNIX socket (at most 107 bytes): choose a shorter --control");
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            try
            {
                socket.Bind(endpoint);
            }
            catch (SocketException e)
            {
                throw new IOException($"the control socket {path} cannot be created: {e.Message}", e);
            }
            // Owner-only before listen(): until then a connect is refused, so no other user can slip in.
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            socket.Listen(4 * MaxConnections);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new ControlListener(socket, path, service, faults, log);
    }

    /// <summary>
    /// Refuses a path where a live server answers or that is not a socket; removes a dead server's socket
    /// (the caller holds the store's lock, so a socket nobody answers on is left by a server that died).
    /// </summary>
    public static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
            return;
        // A server that answers there owns it, whatever our lock says (the lock file may have been deleted).
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"another server answers on the control socket {path}: stop it, or choose another --control");
            }
            catch (SocketException)
            {
            }
        }
        try
        {
            // open(2) of a socket fails (ENXIO); anything that opens (a file, a FIFO: read-write does not
            // block on one) is somebody's data.
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            {
            }
        }
        catch (IOException)
        {
            File.Delete(path);
            return;
        }
        throw new IOException($"{path} exists and is not a socket: remove it or choose another --control");
    }

    public void Start() => _accepting = AcceptAsync();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return; // stopping: the socket was closed under the accept
            }
            catch (SocketException e)
            {
                _faults.Failed("Accepting a control connection", e);
                await Task.Delay(100, CancellationToken.None);
                continue;
            }
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                if (_connections.Count >= MaxConnections)
                {
                    // Told, not dropped: minidns waits and tries again within its --lock-timeout.
                    _ = RefuseBusyAsync(client);
                    continue;
                }
                _connections.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(Socket client)
    {
        await Task.Yield();
        using var _ = client;
        await using var stream = new NetworkStream(client, ownsSocket: false);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                idle.CancelAfter(IdleTimeout);
                ControlReply reply;
                bool close = false, large = false;
                try
                {
                    var frame = await ControlProtocol.ReadFrameAsync(stream, idle.Token, async (length, _) =>
                    {
                        if (length <= LargeFrame)
                            return false;
                        // The wait for a turn is not idling: the body's time starts when the turn comes.
                        await _largeFrames.WaitAsync(_stop.Token);
                        large = true;
                        idle.CancelAfter(IdleTimeout);
                        return true;
                    });
                    if (frame is null)
                        return;
                    reply = await _service.ExecuteAsync(ControlProtocol.DecodeRequest(frame), _stop.Token);
                }
                catch (ControlProtocolException e)
                {
                    _log.Warning("Control connection: {Error}; closing it", e.Message);
                    reply = new ControlReply { Error = "protocol", Messages = [e.Message] };
                    close = true;
                }
                finally
                {
                    if (large)
                        _largeFrames.Release();
                }
                var encoded = ControlProtocol.Encode(reply);
                if (encoded.Length > ControlProtocol.MaxFrame)
                {
                    // A zone export or list this large (a secondary zone can be): said, not a silent close (found by attack).
                    _log.Warning("Control connection: an answer of {Bytes} bytes is over the limit of {Limit}", encoded.Length, ControlProtocol.MaxFrame);
                    encoded = ControlProtocol.Encode(new ControlReply
                    {
                        Error = "store",
                        Messages = [$"the answer is {encoded.Length >> 20} MiB, over the control socket's limit of {ControlProtocol.MaxFrame >> 20} MiB: stop the server and run minidns without it (it opens the store itself)"],
                    });
                }
                // Not bound to the stop: a request that was carried out is answered even while the server stops.
                using (var writing = new CancellationTokenSource(IdleTimeout))
                    await ControlProtocol.WriteFrameAsync(stream, encoded, writing.Token);
                if (close)
                    return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
            // The client went away, idled or we are stopping: nothing to answer.
        }
        catch (Exception e)
        {
            _faults.Failed("A control connection", e);
        }
    }

    private static async Task RefuseBusyAsync(Socket client)
    {
        using var _ = client;
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: false);
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await ControlProtocol.WriteFrameAsync(stream, ControlProtocol.Encode(new ControlReply
            {
                Error = ControlReply.Busy,
                Messages = [$"the server is serving {MaxConnections} control connections"],
            }), bound.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _accepting;
        Task[] open;
        lock (_connections)
            open = [.. _connections];
        await Task.WhenAll(open);
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
        _stop.Dispose();
    }
}
