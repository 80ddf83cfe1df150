using System.Net;
using System.Net.Sockets;

namespace MiniDns.Server;

/// <summary>
/// One accepted TCP connection as the connection table sees it: whose it is, since when it has been idle,
/// and a way to close it from outside (to make room for a new one, RFC 7766 6.2.3).
/// </summary>
public sealed class TcpConnection(Socket socket, IPEndPoint remote, CancellationToken stop) : IDisposable
{
    private readonly CancellationTokenSource _close = CancellationTokenSource.CreateLinkedTokenSource(stop);
    private long _idleSince = Environment.TickCount64;
    private volatile bool _idle = true;

    public Socket Socket { get; } = socket;
    public IPEndPoint Remote { get; } = remote;
    public IPAddress Client => Remote.Address;

    /// <summary>Cancelled when the server stops, when the table closes this connection, or by its own timer.</summary>
    public CancellationTokenSource Timer => _close;

    /// <summary>True once the table closed this connection for a newer one.</summary>
    public bool Evicted { get; private set; }

    /// <summary>Not answering or sending: waiting for the client's next message, or for the rest of one.</summary>
    public bool IsIdle => _idle;
    public long IdleSince => Interlocked.Read(ref _idleSince);

    public void MarkBusy() => _idle = false;

    public void MarkIdle()
    {
        Interlocked.Exchange(ref _idleSince, Environment.TickCount64);
        _idle = true;
    }

    /// <summary>
    /// Closes the connection from another thread, its descriptor at once: the accept loop admits the new
    /// connection right after, and were the old descriptor left for the connection's task to close on the
    /// thread pool, a fast enough stream of connects would hold more descriptors than the cap allows
    /// (seen: a cap of 91 with 255 descriptors open, then the runtime's "Out of memory." exit). Its pending
    /// read ends as aborted.
    /// </summary>
    public void Evict()
    {
        Evicted = true;
        Socket.Dispose();
        try
        {
            _close.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It ended by itself meanwhile.
        }
    }

    public void Dispose()
    {
        Socket.Dispose();
        _close.Dispose();
    }
}
