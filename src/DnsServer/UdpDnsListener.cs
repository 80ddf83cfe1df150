using System.Net;
using System.Net.Sockets;
using MiniDns.Transfer;
using MiniDns.Wire;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// UDP on one address: one socket per core, bound together with SO_REUSEPORT so the kernel spreads
/// datagrams across them, each drained by its own thread in a blocking receive loop (as NSD's workers do).
/// A loop owns its socket, buffers, query context and counters: loops share nothing but the snapshot, and
/// the steady state allocates nothing. Where SO_REUSEPORT is missing, the loops share one socket. A message
/// whose answering throws is counted and logged (<see cref="FaultLog"/>) and gets no reply; the loop goes on.
/// </summary>
public sealed class UdpDnsListener : IDisposable
{
    private readonly Socket[] _sockets;
    private readonly SnapshotPublisher _snapshots;
    private readonly ServerCounters _counters;
    private readonly ILogger _log;
    private readonly AnswerMessage _answer;
    private readonly FaultLog _faults;
    private readonly ResponseRateLimiter _rrl;
    private readonly ServerCookies _cookies;
    private readonly RecursionService? _recursion;
    private readonly ZoneTransferService? _transfers;
    private readonly SecondaryService? _secondaries;
    private readonly List<Thread> _threads = [];
    private volatile bool _stopping;

    private readonly bool _batching;

    public UdpDnsListener(Socket[] sockets, SnapshotPublisher snapshots, ServerCounters counters, ILogger log, bool batching,
        AnswerMessage answer, FaultLog faults, ResponseRateLimiter rrl, ServerCookies cookies, RecursionService? recursion,
        ZoneTransferService? transfers = null, SecondaryService? secondaries = null)
    {
        _recursion = recursion;
        _transfers = transfers;
        _secondaries = secondaries;
        _cookies = cookies;
        _rrl = rrl;
        _answer = answer;
        _faults = faults;
        _sockets = sockets;
        _batching = batching && LinuxBatchedUdp.IsSupported();
        _snapshots = snapshots;
        _counters = counters;
        _log = log;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_sockets[0].LocalEndPoint!;

    public void Start()
    {
        int loops = Math.Max(1, Environment.ProcessorCount);
        for (int i = 0; i < loops; i++)
        {
            var socket = _sockets[i % _sockets.Length];
            var counters = _counters.NewUdpLoop();
            var thread = new Thread(() =>
            {
                if (_batching)
                    BatchedReceiveLoop(socket, counters);
                else
                    ReceiveLoop(socket, counters);
            })
            { IsBackground = true, Name = $"udp-{i}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    // Linux: a batch of datagrams per system call (recvmmsg), answers sent together (sendmmsg).
    private void BatchedReceiveLoop(Socket socket, QueryCounters counters)
    {
        using var batch = new LinuxBatchedUdp();
        var context = NewContext();
        bool added = false;
        socket.SafeHandle.DangerousAddRef(ref added); // the descriptor stays ours while the loop runs
        try
        {
            int fd = (int)socket.SafeHandle.DangerousGetHandle();
            while (!_stopping)
            {
                int received;
                try
                {
                    received = batch.Receive(fd);
                }
                catch (SocketException e)
                {
                    if (_stopping)
                        return;
                    _log.Debug("UDP receive error {Error}, loop continues", e.SocketErrorCode);
                    continue;
                }
                try
                {
                    int queued = 0;
                    long now = Environment.TickCount64 / 1000;
                    for (int i = 0; i < received; i++)
                    {
                        int answered = Answer(batch.SenderAddress(i), batch.Request(i), batch.ResponseBuffer(i), ref context);
                        if (context.LastNeedsResolution)
                            _recursion!.AnswerLater(socket, batch.Request(i).ToArray(), batch.Sender(i, socket.AddressFamily), context.ClientAddress.ToArray());
                        else if (context.LastNeedsRefresh)
                            _recursion!.Refresh(context.Query.Name, context.Query.Type);
                        int length = answered > 0 && _rrl.Enabled ? Limit(batch.ResponseBuffer(i), answered, context, counters, now) : answered;
                        counters.Count(context, length, held: context.LastNeedsResolution || answered > 0 && length == 0);
                        if (_log.IsEnabled(Serilog.Events.LogEventLevel.Debug))
                            QueryLog.Answered(_log, "udp", batch.Sender(i, socket.AddressFamily), context, length);
                        if (length > 0)
                            batch.Queue(queued++, i, length);
                    }
                    if (queued > 0)
                        batch.SendQueued(fd, queued);
                }
                catch (Exception e)
                {
                    _faults.Failed("UDP receive loop", e); // the batch is lost, the loop is not
                }
            }
        }
        finally
        {
            socket.SafeHandle.DangerousRelease();
        }
    }

    // Elsewhere: one datagram per call through the portable Socket API.
    private void ReceiveLoop(Socket socket, QueryCounters counters)
    {
        var request = GC.AllocateUninitializedArray<byte>(65535);
        var response = GC.AllocateUninitializedArray<byte>(65535);
        var client = new SocketAddress(socket.AddressFamily);
        var context = NewContext();
        while (!_stopping)
        {
            try
            {
                int received = socket.ReceiveFrom(request, SocketFlags.None, client);
                int answered = Answer(client.Buffer.Span[..client.Size], request.AsSpan(0, received), response, ref context);
                if (context.LastNeedsResolution)
                    _recursion!.AnswerLater(socket, request[..received], Copy(client), context.ClientAddress.ToArray());
                else if (context.LastNeedsRefresh)
                    _recursion!.Refresh(context.Query.Name, context.Query.Type);
                int length = answered > 0 && _rrl.Enabled ? Limit(response, answered, context, counters, Environment.TickCount64 / 1000) : answered;
                counters.Count(context, length, held: context.LastNeedsResolution || answered > 0 && length == 0);
                QueryLog.Answered(_log, "udp", client, context, length);
                if (length > 0)
                    socket.SendTo(response.AsSpan(0, length), SocketFlags.None, client);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (_stopping || e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                if (_stopping)
                    return;
            }
            catch (SocketException e)
            {
                // One client's unreachable port or a full send buffer must not stop the loop.
                _log.Debug("UDP socket error {Error}, loop continues", e.SocketErrorCode);
            }
            catch (Exception e)
            {
                _faults.Failed("UDP receive loop", e);
            }
        }
    }

    private QueryContext NewContext() => new() { Cookies = _cookies, Recursion = _recursion?.Access };

    private static SocketAddress Copy(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }

    // One message's failure costs that message: no reply, and a fresh context in case the failure left the
    // old one half-written.
    private int Answer(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> request, Span<byte> response, ref QueryContext context)
    {
        try
        {
            context.SetClient(sender);
            var snapshot = _snapshots.Current;
            int length = _answer(request, response, snapshot, context, null);
            if (context.LastReason == ResponseReason.Transfer && _transfers is not null)
                return _transfers.AnswerUdp(request, response[..ResponseWriter.UdpLimit(context.Query)], snapshot, context.ClientAddress);
            // NOTIFY is no query: the reader turns it away as NOTIMP, and a secondary zone's primary is answered here.
            if (context.LastResult == QueryParseResult.NotImp && _secondaries is not null && NotifyMessage.HasOpcode(request))
                return _secondaries.AnswerNotify(request, response[..Math.Min(response.Length, 512)], context.ClientAddress);
            return length;
        }
        catch (Exception e)
        {
            _faults.MessageFailed("udp", e, request);
            context = NewContext();
            return 0;
        }
    }

    // Response rate limiting: the response as it is, as an empty TC=1 reply (a slip), or nothing (0).
    private int Limit(Span<byte> response, int length, QueryContext context, QueryCounters counters, long now)
    {
        switch (_rrl.Decide(context, now))
        {
            case RateDecision.Send:
                return length;
            case RateDecision.Slip:
                counters.CountRateLimited(slipped: true);
                return ResponseRateLimiter.WriteSlip(response, context);
            default:
                counters.CountRateLimited(slipped: false);
                return 0;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var socket in _sockets)
        {
            // shutdown(2) wakes a thread blocked in recvmmsg (Linux does so even on an unconnected UDP
            // socket, though it answers ENOTCONN); close alone would not.
            try
            {
                socket.Shutdown(SocketShutdown.Receive);
            }
            catch (SocketException)
            {
            }
            socket.Dispose();
        }
        foreach (var thread in _threads)
            thread.Join();
    }
}
