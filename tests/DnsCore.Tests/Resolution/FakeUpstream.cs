using System.Collections.Concurrent;
using System.Net;
using MiniDns.Resolution;
using MiniDns.Tests.Support;
using MiniDns.Zones;

namespace MiniDns.Tests.Resolution;

/// <summary>
/// Upstream servers without sockets: each address answers with the real authoritative code over its own
/// zones, or with a handler a test gives (one that lies, truncates or never answers). Counts what each was asked.
/// </summary>
public sealed class FakeUpstream : IUpstream
{
    public delegate byte[]? Handler(byte[] query, bool tcp);

    private readonly ConcurrentDictionary<IPAddress, Handler> _servers = new();
    private readonly ConcurrentDictionary<IPAddress, int> _asked = new();
    private readonly ConcurrentQueue<(IPAddress Server, string Question, bool Tcp)> _log = new();

    public void Serve(string address, params string[] zoneTexts)
    {
        var snapshot = LocalAnswer.Snapshot(zoneTexts);
        Handle(address, (query, tcp) => LocalAnswer.Raw(snapshot, query, tcp ? 65535 : null));
    }

    public void Handle(string address, Handler handler) => _servers[IPAddress.Parse(address)] = handler;

    public int Asked(string address) => _asked.GetValueOrDefault(IPAddress.Parse(address));

    public int Total => _asked.Values.Sum();

    public IReadOnlyList<(IPAddress Server, string Question, bool Tcp)> Log => [.. _log];

    /// <summary>A reply to deliver before the real one, as a forger racing the server would.</summary>
    public Func<byte[], byte[]?>? Forger { get; set; }

    public Task<byte[]?> ExchangeAsync(IPEndPoint server, ReadOnlyMemory<byte> query, bool tcp, TimeSpan timeout, Func<byte[], bool> accept, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var bytes = query.ToArray();
        _asked.AddOrUpdate(server.Address, 1, (_, n) => n + 1);
        MiniDns.Wire.MessageReader.TryRead(bytes, out var message, out _);
        _log.Enqueue((server.Address, message?.Questions[0].ToString() ?? "?", tcp));
        if (Forger?.Invoke(bytes) is { } forged && accept(forged))
            return Task.FromResult<byte[]?>(forged);
        if (!_servers.TryGetValue(server.Address, out var handler) || handler(bytes, tcp) is not { } reply)
            return Task.FromResult<byte[]?>(null);
        return Task.FromResult(accept(reply) ? reply : null);
    }
}
