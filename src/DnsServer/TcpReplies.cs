namespace MiniDns.Server;

/// <summary>
/// The sending side of one TCP connection, and its clock. Answers go out one whole message at a time, each
/// as soon as it is ready: the resolver's answers when they come, not in the order asked, so a slow name does
/// not hold up the questions pipelined behind it (RFC 7766 6.2.1.1). At most
/// <see cref="MaxOwed"/> resolver answers are owed at once; past that the connection reads no more until one
/// is sent. The connection is idle (evictable, with the idle clock running) only while it reads and owes
/// nothing (RFC 7766 6.2.3); every send is bounded by the idle timeout, so a client that never reads is closed.
/// </summary>
public sealed class TcpReplies(TcpConnection connection, TimeSpan idleTimeout)
{
    public const int MaxOwed = 16;

    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Lock _gate = new();
    private int _owed;
    private bool _reading, _inSend;
    private int _waitBelow;
    private TaskCompletionSource? _waiter;
    private volatile bool _sendTimedOut;

    /// <summary>True once a send did not finish within the idle timeout (which closes the connection).</summary>
    public bool SendTimedOut => _sendTimedOut;

    /// <summary>The connection waits for the client's next message (or the rest of one).</summary>
    public void Reading()
    {
        lock (_gate)
        {
            _reading = true;
            SetClock();
        }
    }

    /// <summary>A whole message has come: busy answering it, the clock stopped.</summary>
    public void Answering()
    {
        lock (_gate)
        {
            _reading = false;
            SetClock();
        }
    }

    /// <summary>Waits until one more answer may be owed.</summary>
    public Task RoomAsync() => WaitBelowAsync(MaxOwed);

    /// <summary>Waits until every answer owed has been sent or given up.</summary>
    public Task DrainAsync() => WaitBelowAsync(1);

    /// <summary>A question handed to the resolver: its answer is owed until <see cref="Paid"/>.</summary>
    public void Owe()
    {
        lock (_gate)
        {
            _owed++;
            SetClock();
        }
    }

    public void Paid()
    {
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            _owed--;
            if (_waiter is not null && _owed < _waitBelow)
                (wake, _waiter) = (_waiter, null);
            SetClock();
        }
        wake?.TrySetResult();
    }

    /// <summary>Sends one framed message whole, after any already being sent, within the idle timeout.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> framed)
    {
        var clock = connection.Timer;
        await _sending.WaitAsync(clock.Token);
        try
        {
            lock (_gate)
            {
                _inSend = true;
                connection.MarkBusy();
                clock.CancelAfter(idleTimeout);
            }
            await connection.Socket.SendAsync(framed, System.Net.Sockets.SocketFlags.None, clock.Token);
        }
        catch (OperationCanceledException) when (!connection.Evicted)
        {
            _sendTimedOut = true;
            throw;
        }
        finally
        {
            lock (_gate)
            {
                _inSend = false;
                SetClock();
            }
            _sending.Release();
        }
    }

    // Under the gate. The idle timeout runs while reading with nothing owed; otherwise (answering, or waiting
    // for the resolver) the clock stands still, except that a send under way keeps the bound it started with.
    private void SetClock()
    {
        if (_inSend)
            return;
        bool idle = _reading && _owed == 0;
        if (idle)
            connection.MarkIdle();
        else
            connection.MarkBusy();
        connection.Timer.CancelAfter(idle ? idleTimeout : Timeout.InfiniteTimeSpan);
    }

    private Task WaitBelowAsync(int limit)
    {
        lock (_gate)
        {
            if (_owed < limit)
                return Task.CompletedTask;
            _waitBelow = limit;
            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }
}
