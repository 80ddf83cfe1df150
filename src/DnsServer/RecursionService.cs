using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MiniDns.Resolution;
using MiniDns.Wire;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// The resolver's side of the server: cache misses of allowed clients, handed over by the listeners, are
/// resolved off the receive loops and answered later (UDP with SendTo on the socket the query came in on,
/// TCP through the connection). Identical questions in flight at once share one resolution, so a hundred
/// clients asking the same new name make one upstream query. At most a bound of distinct questions (4096,
/// fewer when descriptors are short) are resolved, and <see cref="MaxWaiting"/> clients wait, at once; past
/// that a UDP miss is dropped, as Unbound does, and the client asks again, and a TCP one is answered SERVFAIL.
/// </summary>
public sealed class RecursionService
{
    public const int MaxInFlight = 4096;
    private readonly int _maxInFlight;

    private readonly ConcurrentDictionary<string, Task<ResolverAnswer>> _inFlight = new();
    private readonly ServerCookies _cookies;
    private readonly FaultLog _faults;
    private readonly ILogger _log;
    private long _resolutions, _servFails, _droppedBusy;

    public RecursionService(Resolver resolver, RecursionAccess access, ServerCookies cookies, FaultLog faults, ILogger log, int maxInFlight = MaxInFlight)
    {
        _maxInFlight = maxInFlight;
        Resolver = resolver;
        Access = access;
        _cookies = cookies;
        _faults = faults;
        _log = log;
        if (log.IsEnabled(Serilog.Events.LogEventLevel.Debug))
            resolver.Exchanged += exchange =>
            {
                if (exchange.Reply is null || exchange.Reply.Rcode is not (ResponseCode.NoError or ResponseCode.NxDomain))
                    _log.Debug("Upstream {Exchange}", exchange.ToString());
            };
    }

    public Resolver Resolver { get; }
    public RecursionAccess Access { get; }

    public long Resolutions => Interlocked.Read(ref _resolutions);
    public long ServFails => Interlocked.Read(ref _servFails);
    public long DroppedBusy => Interlocked.Read(ref _droppedBusy);

    /// <summary>Resolves a UDP request in the background and sends the answer to <paramref name="client"/> from <paramref name="socket"/>.</summary>
    public void AnswerLater(Socket socket, byte[] request, SocketAddress client, ReadOnlyMemory<byte> clientAddress)
    {
        var address = clientAddress.ToArray();
        _ = Task.Run(async () =>
        {
            try
            {
                // SendTo, not SendToAsync: an async call puts the socket in non-blocking mode for good, and the
                // receive loop's blocking recvmmsg then spins on EAGAIN (found by the resolver benchmark: one
                // core busy at 40k q/s, 25 us per query).
                if (await AnswerAsync(request, address, maxResponse: null) is { } response)
                    socket.SendTo(response, SocketFlags.None, client);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The client's address is unreachable now, or the server is stopping.
            }
            catch (Exception e)
            {
                _faults.Failed("Answering from the resolver", e);
            }
        });
    }

    /// <summary>Fetches a cached answer again in the background (prefetch); the client was answered from the cache already.</summary>
    public void Refresh(ReadOnlySpan<byte> name, ushort type)
    {
        var lower = DnsName.ToLowerCopy(name);
        if (Start($"refresh/{type}/{Convert.ToHexString(lower)}", lower, type, refresh: true) is not null)
            Interlocked.Increment(ref _refreshes);
    }

    public long Refreshes => Interlocked.Read(ref _refreshes);
    private long _refreshes;

    /// <summary>
    /// The response to a request the receive path handed over; null to send nothing. A client that waits holds
    /// only its request until the answer comes (the state to write the response is made then), and at most
    /// <see cref="MaxWaiting"/> wait at once: found by attack, 25,000 a second asking one name that takes 9 s
    /// held 3 GB. Past the bound the request is dropped, or, over TCP (<paramref name="failWhenBusy"/>), where a
    /// client does not ask again, answered SERVFAIL. <paramref name="cancel"/>: the client is gone (its TCP
    /// connection closed or the server stops), and waiting ends.
    /// </summary>
    public async Task<byte[]?> AnswerAsync(byte[] request, byte[] clientAddress, int? maxResponse, bool failWhenBusy = false, CancellationToken cancel = default)
    {
        var query = new DnsQuery();
        if (QueryReader.Read(request, query) != QueryParseResult.Ok)
            return null;
        var name = DnsName.ToLowerCopy(query.Name);
        ushort type = query.Type;
        string key = $"{type}/{Convert.ToHexString(name)}";
        ResolverAnswer answer;
        if (Interlocked.Increment(ref _waiting) > MaxWaiting
            || (_inFlight.TryGetValue(key, out var shared) ? shared : Start(key, name, type)) is not { } resolving)
        {
            Interlocked.Decrement(ref _waiting);
            Interlocked.Increment(ref _droppedBusy);
            if (!failWhenBusy)
                return null;
            answer = ResolverAnswer.Fail(Busy);
        }
        else
        {
            try
            {
                // The client may stop waiting (a TCP connection closed); the resolution goes on for the others.
                answer = await resolving.WaitAsync(cancel);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
        var context = new QueryContext { Cookies = _cookies };
        context.SetClientAddress(clientAddress);
        var response = new byte[maxResponse ?? ResponseWriter.EdnsPayloadSize];
        int length = QueryProcessor.WriteResolved(request, response, answer, context, maxResponse);
        if (length == 0)
            return null;
        Interlocked.Increment(ref _answered[(int)answer.Rcode & 0x0F]);
        return response[..length];
    }

    // The resolver's answers by rcode (the receive loops count those they send themselves), for responses.X.
    private readonly long[] _answered = new long[16];

    public long Answered(ResponseCode rcode) => (int)rcode < 16 ? Interlocked.Read(ref _answered[(int)rcode]) : 0;

    /// <summary>Clients waiting for answers at once, over all questions.</summary>
    public const int MaxWaiting = 16384;
    private long _waiting;
    private static readonly ExtendedError Busy = new(ExtendedError.Other, "the resolver is busy: too many questions at once");

    private Task<ResolverAnswer>? Start(string key, byte[] name, ushort type, bool refresh = false)
    {
        if (_inFlight.Count >= _maxInFlight)
            return null;
        var started = new TaskCompletionSource<ResolverAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inFlight.TryAdd(key, started.Task))
            return _inFlight.TryGetValue(key, out var other) ? other : null;
        _ = Task.Run(async () =>
        {
            try
            {
                var answer = await Resolver.ResolveAsync(name, type, refresh: refresh);
                Interlocked.Increment(ref _resolutions);
                if (answer.Rcode == ResponseCode.ServFail)
                {
                    Interlocked.Increment(ref _servFails);
                    _log.Debug("Resolving {Name} {Type} failed: {Error}", NameText.Format(name), RecordType.ToText(type), answer.Error?.ToString());
                }
                started.SetResult(answer);
            }
            catch (Exception e)
            {
                _faults.Failed("Resolving", e);
                started.SetResult(ResolverAnswer.Fail(new ExtendedError(ExtendedError.Other, "internal error")));
            }
            finally
            {
                _inFlight.TryRemove(key, out _);
            }
        });
        return started.Task;
    }
}
