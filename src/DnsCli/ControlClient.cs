using System.Net.Sockets;
using MiniDns.Control;
using MiniDns.Storage;
using MiniDns.Zones;

namespace MiniDns.Cli;

/// <summary>
/// The store as the running server owns it: each call is one request on the control socket. Refusals come
/// back as the exceptions <see cref="ZoneStore"/> throws, with the same messages, so every command prints
/// the same whether the server or the CLI itself holds the store.
/// </summary>
public sealed class ControlClient : IZoneStore
{
    // An import of 200,000 names takes seconds; a server silent for this long is stuck (or stopped).
    private static readonly TimeSpan MinReplyTimeout = TimeSpan.FromSeconds(30);

    private Socket _socket;
    private NetworkStream _stream;
    private readonly DateTime _deadline;

    private ControlClient(Socket socket, string path, DateTime deadline)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Path = path;
        _deadline = deadline;
    }

    public string Path { get; }

    /// <summary>
    /// Connects to a server listening on <paramref name="path"/>; null when none does. A server that is
    /// busy or stuck is waited for until <paramref name="deadline"/> (the --lock-timeout), then named.
    /// </summary>
    public static ControlClient? TryConnect(string path, DateTime deadline) =>
        Connect(path, deadline) is { } socket ? new ControlClient(socket, path, deadline) : null;

    private static Socket? Connect(string path, DateTime deadline)
    {
        if (!File.Exists(path))
            return null;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                // A stopped server's backlog fills up and connect() would block: bounded by the deadline.
                using var bound = new CancellationTokenSource(Max(deadline - DateTime.UtcNow, TimeSpan.FromMilliseconds(200)));
                socket.ConnectAsync(new UnixDomainSocketEndPoint(path), bound.Token).AsTask().GetAwaiter().GetResult();
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain && DateTime.UtcNow < deadline)
            {
                // The server's backlog is full for a moment: as busy, try again.
                socket.Dispose();
                Thread.Sleep(20);
                continue;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                return Refused(path, e);
            }
        }
    }

    // What a failed connect means: nobody there (null: a socket file left by a server that died, or nothing
    // listening yet), or a clear line.
    private static Socket? Refused(string path, Exception failure) => failure switch
    {
        OperationCanceledException => throw new CliException($"the server on {path} does not accept connections (is it stopped?)"),
        SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported } => null,
        SocketException { SocketErrorCode: SocketError.AccessDenied } =>
            throw new CliException($"the control socket {path} is not ours to use (permission denied): the server runs as another user"),
        SocketException e => throw new CliException($"the control socket {path} cannot be reached: {e.Message}"),
        _ => throw failure,
    };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public ControlReply Send(ControlRequest request)
    {
        while (true)
        {
            var reply = SendOnce(request);
            if (reply.Error != ControlReply.Busy)
                return reply;
            if (DateTime.UtcNow >= _deadline)
                throw new CliException($"the server on {Path} is busy: {string.Join("; ", reply.Messages ?? [])}");
            // The server told us before reading the request: nothing was done, so asking again is safe.
            Thread.Sleep(20);
            _stream.Dispose();
            _socket.Dispose();
            _socket = Connect(Path, _deadline) ?? throw new CliException($"the server on {Path} went away");
            _stream = new NetworkStream(_socket, ownsSocket: false);
        }
    }

    private ControlReply SendOnce(ControlRequest request)
    {
        var replyTimeout = Max(MinReplyTimeout, _deadline - DateTime.UtcNow);
        using var timeout = new CancellationTokenSource(replyTimeout);
        // A server at its connection cap answers "busy" and closes without reading: the write may fail
        // (EPIPE) while the busy reply waits to be read, so a failed write still reads. Once the request went
        // out whole, a lost reply leaves the outcome unknown, and the user is told so.
        Exception? unsent = null;
        byte[]? frame;
        try
        {
            ControlProtocol.WriteFrameAsync(_stream, ControlProtocol.Encode(request), timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            unsent = e;
        }
        catch (OperationCanceledException)
        {
            throw new CliException($"the server on {Path} did not take the request within {replyTimeout.TotalSeconds:0} s (is it stopped?): nothing was done");
        }
        try
        {
            frame = ControlProtocol.ReadFrameAsync(_stream, timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ControlProtocolException)
        {
            frame = null;
            if (unsent is null)
                throw new CliException(e is OperationCanceledException
                    ? $"the server on {Path} took the request but did not answer within {replyTimeout.TotalSeconds:0} s: whether it was carried out is unknown (see its log)"
                    : $"the server on {Path} took the request but did not answer ({e.Message}): whether it was carried out is unknown (see its log)", outcomeUnknown: true);
        }
        if (frame is null)
            throw unsent is not null
                ? new CliException($"the server on {Path} did not take the request ({unsent.Message}): nothing was done")
                : new CliException($"the server on {Path} closed the connection without answering: whether the request was carried out is unknown (see its log)", outcomeUnknown: true);
        ControlReply reply;
        try
        {
            reply = ControlProtocol.DecodeReply(frame);
        }
        catch (ControlProtocolException e)
        {
            throw new CliException(e.Message);
        }
        if (unsent is not null && reply.Error != ControlReply.Busy)
            throw new CliException($"the server on {Path} did not take the request ({unsent.Message}): nothing was done");
        return reply.Error switch
        {
            null or ControlReply.Busy => reply,
            "store" => throw new ZoneStoreException(string.Join("; ", reply.Messages ?? [])),
            "changed" => throw new ZoneChangedException(string.Join("; ", reply.Messages ?? [])),
            "data" => throw new ZoneDataException(reply.Messages ?? []),
            _ => throw new CliException($"the server refused the request: {string.Join("; ", reply.Messages ?? [])}"),
        };
    }

    public IReadOnlyList<ZoneSummary> ListZones() => Send(new ControlRequest { Command = ControlCommand.ZoneList }).ZoneList ?? [];

    public IReadOnlyList<ZoneRecord> ListRecords(byte[]? zoneOrName) =>
        (Send(new ControlRequest { Command = ControlCommand.RecordList, Name = zoneOrName }).Records ?? []).Select(r => r.ToRecord()).ToList();

    public void AddZone(byte[] origin, IReadOnlyList<byte[]> nameServers, byte[] admin, uint ttl) =>
        Send(new ControlRequest { Command = ControlCommand.ZoneAdd, Name = origin, NameServers = nameServers, Admin = admin, Ttl = ttl });

    public void AddSecondaryZone(byte[] origin, string primary, byte[]? key) =>
        Send(new ControlRequest { Command = ControlCommand.ZoneAddSecondary, Name = origin, Primary = primary, Key = key });

    public bool RemoveZone(byte[] origin) => Send(new ControlRequest { Command = ControlCommand.ZoneRemove, Name = origin }).Written;

    public Tsig.TsigKey AddKey(byte[] name, string algorithm, byte[]? secret = null) =>
        new(Wire.DnsName.ToLowerCopy(name), algorithm, Send(new ControlRequest { Command = ControlCommand.KeyAdd, Name = name, Algorithm = algorithm, Secret = secret }).Data
            ?? throw new ControlProtocolException("the server's reply lacks the key's secret"));

    public IReadOnlyList<KeySummary> ListKeys() => Send(new ControlRequest { Command = ControlCommand.KeyList }).Keys ?? [];

    public bool RemoveKey(byte[] name) => Send(new ControlRequest { Command = ControlCommand.KeyRemove, Name = name }).Count > 0;

    public void ImportZones(IReadOnlyList<ZoneContent> zones, bool replace) => Send(new ControlRequest
    {
        Command = ControlCommand.ZoneImport,
        Replace = replace,
        Zones = zones.Select(WireZone.From).ToList(),
    });

    public uint EditZone(ZoneContent content, uint baseSerial, string baseDigest) => Send(new ControlRequest
    {
        Command = ControlCommand.ZoneEdit,
        Serial = baseSerial,
        Digest = baseDigest,
        Zones = [WireZone.From(content)],
    }).Serial ?? 0;

    public EditOutcome AddRecord(byte[] owner, ushort type, byte[] data, uint? ttl) =>
        Send(new ControlRequest { Command = ControlCommand.RecordAdd, Name = owner, Type = type, Data = data, Ttl = ttl }).Written
            ? EditOutcome.Written : EditOutcome.Unchanged;

    public int RemoveRecords(byte[] owner, ushort? type, byte[]? data) =>
        Send(new ControlRequest { Command = ControlCommand.RecordRemove, Name = owner, Type = type, Data = data }).Count;

    public (uint Serial, string Policy) ReadSerial(byte[] origin) => SetSerial(origin, null, null, false);

    public (uint Serial, string Policy) SetSerial(byte[] origin, string? policy, uint? set, bool bump)
    {
        var reply = Send(new ControlRequest { Command = ControlCommand.ZoneSerial, Name = origin, Policy = policy, Serial = set, Bump = bump });
        return (reply.Serial ?? 0, reply.Policy ?? "");
    }

    public byte[] EditSoa(byte[] origin, SoaFields fields) =>
        Send(new ControlRequest { Command = ControlCommand.ZoneSoa, Name = origin, Soa = fields }).Data ?? [];

    public IReadOnlyList<int> Apply(IReadOnlyList<RecordEdit> edits) =>
        Send(new ControlRequest { Command = ControlCommand.Apply, Edits = edits.Select(WireEdit.From).ToList() }).Changes ?? [];

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }
}
