using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using MiniDns.Transfer;
using MiniDns.Wire;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// DNS over TCP (RFC 7766): each message carries a two-byte length prefix and is read exactly by it, however
/// the stream splits or joins it; several queries share a connection. One clock per connection bounds every
/// wait: a connection idle, or holding half a message, for the idle timeout is closed, and so is one whose
/// answer cannot be written within it (a client that pipelines queries and never reads); the clock stops
/// while we answer, and while the resolver owes it answers, which go out as they come (<see cref="TcpReplies"/>).
/// Zone transfers are sent from here too (<see cref="ZoneTransferService"/>). Connections are capped in all and
/// per client address (<see cref="TcpConnectionTable"/>). Every connection runs on its own task, so a slow client never blocks another, and a failure in one is
/// counted and logged and closes only that connection.
/// </summary>
public sealed class TcpDnsListener : IAsyncDisposable
{
    // One buffer per connection, from a pool: the request at the front, the framed answer behind it. Larger
    // than 85,000 bytes, it would land on the large-object heap if each connection allocated its own.
    private const int MessageSpace = 65535;
    private const int BufferSize = MessageSpace + 2 + MessageSpace;
    private static readonly TimeSpan MaxAcceptBackoff = TimeSpan.FromSeconds(1);

    private readonly Socket _listener;
    private readonly SnapshotPublisher _snapshots;
    private readonly ServerCounters _counters;
    private readonly ILogger _log;
    private readonly AnswerMessage _answer;
    private readonly FaultLog _faults;
    private readonly ServerCookies _cookies;
    private readonly RecursionService? _recursion;
    private readonly ZoneTransferService? _transfers;
    private readonly SecondaryService? _secondaries;
    private readonly TimeSpan _idleTimeout;
    private readonly TcpConnectionTable _table;
    private readonly ArrayPool<byte> _buffers;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Task> _connections = [];
    private Task _acceptLoop = Task.CompletedTask;

    public TcpDnsListener(Socket listener, SnapshotPublisher snapshots, ServerCounters counters, ILogger log, TimeSpan idleTimeout,
        int maxConnections, int maxPerClient, AnswerMessage answer, FaultLog faults, ServerCookies cookies, RecursionService? recursion,
        ZoneTransferService? transfers = null, SecondaryService? secondaries = null)
    {
        _transfers = transfers;
        _secondaries = secondaries;
        _cookies = cookies;
        _recursion = recursion;
        _listener = listener;
        _snapshots = snapshots;
        _counters = counters;
        _log = log;
        _idleTimeout = idleTimeout;
        _answer = answer;
        _faults = faults;
        _table = new TcpConnectionTable(maxConnections, maxPerClient);
        // Buffers of closed connections are kept for new ones, up to the connection cap.
        _buffers = ArrayPool<byte>.Create(BufferSize, maxConnections);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public int OpenConnections => _table.Count;

    public void Start() => _acceptLoop = AcceptLoopAsync(_stop.Token);

    private async Task AcceptLoopAsync(CancellationToken cancel)
    {
        var backoff = TimeSpan.Zero;
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                if (backoff > TimeSpan.Zero)
                    await Task.Delay(backoff, cancel);
                var client = await _listener.AcceptAsync(cancel);
                // Each message goes out in one send: without this, the end of every 64 KB transfer message
                // waited for the client's delayed ACK (Nagle), and pipelined answers for each other's.
                client.NoDelay = true;
                backoff = TimeSpan.Zero;
                Admit(client, cancel);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // EMFILE, ENFILE, ENOBUFS: accepting again at once would fail again at once. Wait, longer each
                // time, so the loop never spins while descriptors are short; queued connections wait in the backlog.
                backoff = NextBackoff(backoff);
                _counters.CountTcpAcceptBackoff();
                _log.Warning("TCP accept failed ({Error}): out of descriptors or buffers, retrying in {Backoff} ms",
                    e.SocketErrorCode, backoff.TotalMilliseconds);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // The client gave up before we accepted it.
            }
            catch (Exception e)
            {
                backoff = NextBackoff(backoff);
                _faults.Failed("TCP accept loop", e);
            }
        }
    }

    private static TimeSpan NextBackoff(TimeSpan backoff) =>
        backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(10) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxAcceptBackoff.Ticks));

    private void Admit(Socket client, CancellationToken cancel)
    {
        var remote = client.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        var connection = new TcpConnection(client, remote, cancel);
        _counters.CountTcpAccepted();
        if (!_table.TryAdmit(connection, out var evicted))
        {
            _counters.CountTcpRefused();
            connection.Dispose();
            return;
        }
        if (evicted is not null)
            _counters.CountTcpEvicted();
        lock (_connections)
        {
            var task = ServeAsync(connection);
            _connections.Add(task);
            _ = task.ContinueWith(t => { lock (_connections) _connections.Remove(t); }, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpConnection connection)
    {
        await Task.Yield();
        var client = connection.Socket;
        // From the address the accept gave, not the socket: the table may have evicted (closed) it already.
        var remote = connection.Remote.Serialize();
        var context = new QueryContext { Cookies = _cookies, Recursion = _recursion?.Access };
        context.SetClient(remote.Buffer.Span[..remote.Size]);
        var buffer = _buffers.Rent(BufferSize);
        var request = buffer.AsMemory(0, MessageSpace);
        var response = buffer.AsMemory(MessageSpace, 2 + MessageSpace);
        var replies = new TcpReplies(connection, _idleTimeout);
        try
        {
            while (true)
            {
                // The clock runs from the end of one answer to the last byte of the next message, and only
                // while no resolver answer is owed.
                replies.Reading();
                var clock = connection.Timer.Token;
                if (!await ReadExactlyAsync(client, request[..2], clock, allowEof: true))
                {
                    await replies.DrainAsync(); // the client is done asking, not listening
                    return;
                }
                int length = BinaryPrimitives.ReadUInt16BigEndian(request.Span);
                if (!await ReadExactlyAsync(client, request[..length], clock, allowEof: false))
                    return;
                // Busy only while answering and sending: a connection in the middle of a message stays
                // evictable, so one that always holds part of the next message cannot keep its slot.
                replies.Answering();
                int answer = Answer(request.Span[..length], response.Span[2..], context);
                if (answer < 0)
                    return; // answering failed: counted and logged; the client sees the connection close
                if (context.LastReason == ResponseReason.Transfer && _transfers is not null)
                {
                    // AXFR and IXFR: as many messages as the zone takes, from the snapshot current now.
                    _counters.Tcp.Count(context, answer, held: true);
                    await _transfers.AnswerTcpAsync(request.Span[..length].ToArray(), response, _snapshots.Current, context.ClientAddress.ToArray(), replies,
                        connection.Remote.ToString());
                    continue;
                }
                // NOTIFY (Knot sends it over TCP too): answered as over UDP.
                if (context.LastResult == QueryParseResult.NotImp && _secondaries is not null && NotifyMessage.HasOpcode(request.Span[..length]))
                    answer = _secondaries.AnswerNotify(request.Span[..length], response.Span[2..], context.ClientAddress);
                bool resolved = context.LastNeedsResolution;
                if (context.LastNeedsRefresh)
                    _recursion!.Refresh(context.Query.Name, context.Query.Type);
                QueryLog.Answered(_log, "tcp", remote, context, resolved ? 0 : answer);
                _counters.Tcp.Count(context, answer, held: resolved);
                if (resolved)
                {
                    // Waiting for room ends, as the answers owed do, when the connection closes or the server stops.
                    await WaitForRoomAsync(replies.RoomAsync(), connection);
                    replies.Owe();
                    _ = ResolveThenSendAsync(request.Span[..length].ToArray(), context.ClientAddress.ToArray(), replies, connection.Timer.Token);
                    continue;
                }
                if (answer == 0)
                    continue;
                BinaryPrimitives.WriteUInt16BigEndian(response.Span, (ushort)answer);
                // A client that does not read its answers is closed once one cannot be written in the idle timeout.
                await replies.SendAsync(response[..(2 + answer)]);
            }
        }
        catch (OperationCanceledException)
        {
            if (_stop.IsCancellationRequested || connection.Evicted)
                return;
            if (replies.SendTimedOut)
                _counters.CountTcpSendTimeout();
            else
                _counters.CountTcpIdleTimeout();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _log.Debug("TCP connection from {Client} ended: {Error}", remote.ToString(), e.Message);
        }
        catch (Exception e)
        {
            _faults.Failed("TCP connection", e);
        }
        finally
        {
            // Whatever ended the loop (a clean end of input waited for its answers already), answers still
            // owed are given up at once: their waits end with the connection's clock, and the connection
            // closes after them, so none writes to a disposed one.
            connection.Timer.Cancel();
            await replies.DrainAsync();
            _table.Remove(connection);
            connection.Dispose();
            _buffers.Return(buffer);
        }
    }

    // While it waits for room the loop reads nothing, so it looks twice a second for a client that reset the
    // connection (found by attack: such a connection held its descriptor until every owed answer ended). A
    // client that only half-closed is still answered.
    private static async Task WaitForRoomAsync(Task room, TcpConnection connection)
    {
        var closed = connection.Timer.Token;
        while (!room.IsCompleted && !closed.IsCancellationRequested)
        {
            await Task.WhenAny(room, Task.Delay(RoomCheck, closed));
            if (!room.IsCompleted && WasReset(connection.Socket))
                connection.Timer.Cancel();
        }
        await room.WaitAsync(closed);
    }

    private static readonly TimeSpan RoomCheck = TimeSpan.FromMilliseconds(500);

    // The socket's pending error (SO_ERROR): ECONNRESET once the client reset it.
    private static bool WasReset(Socket socket)
    {
        try
        {
            return socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error && error != 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    // One question the resolver answers later: its answer goes out when it comes, between any others.
    private async Task ResolveThenSendAsync(byte[] request, byte[] clientAddress, TcpReplies replies, CancellationToken closed)
    {
        try
        {
            // The answer may be as large as a message; past the bounds of waiting clients it is SERVFAIL at once.
            if (await _recursion!.AnswerAsync(request, clientAddress, MessageSpace, failWhenBusy: true, closed) is not { } reply)
                return;
            var framed = new byte[2 + reply.Length];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
            reply.CopyTo(framed, 2);
            await replies.SendAsync(framed);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The connection closed, timed out or is being closed for the server's stop: its loop sees it too.
        }
        catch (Exception e)
        {
            _faults.Failed("TCP connection", e);
        }
        finally
        {
            replies.Paid();
        }
    }

    // The answer's length, 0 for none, or -1 when answering threw.
    private int Answer(ReadOnlySpan<byte> request, Span<byte> response, QueryContext context)
    {
        try
        {
            return _answer(request, response, _snapshots.Current, context, MessageSpace);
        }
        catch (Exception e)
        {
            _faults.MessageFailed("tcp", e, request);
            return -1;
        }
    }

    // Reads exactly buffer.Length octets. False on a clean close before the first octet (when allowed).
    private static async ValueTask<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancel, bool allowEof)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancel);
            if (n == 0)
            {
                if (read == 0 && allowEof)
                    return false;
                throw new SocketException((int)SocketError.ConnectionReset);
            }
            read += n;
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        Task[] open;
        lock (_connections)
            open = [.. _connections];
        await Task.WhenAll(open);
        _stop.Dispose();
    }
}
