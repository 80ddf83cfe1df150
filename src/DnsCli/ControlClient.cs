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
    // An import of 200,000 names takes seconds; a server that takes this long is stuck.
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromMinutes(5);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private ControlClient(Socket socket, string path)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Path = path;
    }

    public string Path { get; }

    /// <summary>Connects to a server listening on <paramref name="path"/>; null when none does.</summary>
    public static ControlClient? TryConnect(string path)
    {
        if (!File.Exists(path))
            return null;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return new ControlClient(socket, path);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported)
        {
            socket.Dispose();
            return null; // a socket file left by a server that died, or nothing listening yet
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            socket.Dispose();
            throw new CliException($"the control socket {path} is not ours to use (permission denied): the server runs as another user");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new CliException($"the control socket {path} cannot be reached: {e.Message}");
        }
    }

    public ControlReply Send(ControlRequest request)
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        byte[]? frame;
        try
        {
            ControlProtocol.WriteFrameAsync(_stream, ControlProtocol.Encode(request), timeout.Token).GetAwaiter().GetResult();
            frame = ControlProtocol.ReadFrameAsync(_stream, timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ControlProtocolException)
        {
            throw new CliException($"the server on {Path} did not answer: {e.Message}");
        }
        if (frame is null)
            throw new CliException($"the server on {Path} closed the connection without answering (see its log)");
        ControlReply reply;
        try
        {
            reply = ControlProtocol.DecodeReply(frame);
        }
        catch (ControlProtocolException e)
        {
            throw new CliException(e.Message);
        }
        return reply.Error switch
        {
            null => reply,
            "store" => throw new ZoneStoreException(string.Join("; ", reply.Messages ?? [])),
            "data" => throw new ZoneDataException(reply.Messages ?? []),
            _ => throw new CliException($"the server refused the request: {string.Join("; ", reply.Messages ?? [])}"),
        };
    }

    public IReadOnlyList<ZoneSummary> ListZones() => Send(new ControlRequest { Command = ControlCommand.ZoneList }).ZoneList ?? [];

    public IReadOnlyList<ZoneRecord> ListRecords(byte[]? zoneOrName) =>
        (Send(new ControlRequest { Command = ControlCommand.RecordList, Name = zoneOrName }).Records ?? []).Select(r => r.ToRecord()).ToList();

    public void AddZone(byte[] origin, IReadOnlyList<byte[]> nameServers, byte[] admin, uint ttl) =>
        Send(new ControlRequest { Command = ControlCommand.ZoneAdd, Name = origin, NameServers = nameServers, Admin = admin, Ttl = ttl });

    public bool RemoveZone(byte[] origin) => Send(new ControlRequest { Command = ControlCommand.ZoneRemove, Name = origin }).Written;

    public void ImportZones(IReadOnlyList<ZoneContent> zones, bool replace) => Send(new ControlRequest
    {
        Command = ControlCommand.ZoneImport,
        Replace = replace,
        Zones = zones.Select(z => new WireZone(z.Origin, z.Records.Select(WireRecord.From).ToList())).ToList(),
    });

    public EditOutcome AddRecord(byte[] owner, ushort type, byte[] data, uint? ttl) =>
        Send(new ControlRequest { Command = ControlCommand.RecordAdd, Name = owner, Type = type, Data = data, Ttl = ttl }).Written
            ? EditOutcome.Written : EditOutcome.Unchanged;

    public int RemoveRecords(byte[] owner, ushort? type, byte[]? data) =>
        Send(new ControlRequest { Command = ControlCommand.RecordRemove, Name = owner, Type = type, Data = data }).Count;

    public IReadOnlyList<int> Apply(IReadOnlyList<RecordEdit> edits) =>
        Send(new ControlRequest { Command = ControlCommand.Apply, Edits = edits.Select(WireEdit.From).ToList() }).Changes ?? [];

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }
}
