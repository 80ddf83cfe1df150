using System.Net;

namespace MiniDns.Resolution;

/// <summary>
/// Sends one query to one server and waits for its reply: over UDP from a fresh random source port, or over
/// TCP. Only a message from the address and port asked that <c>accept</c> takes counts (its ID and
/// question); others are ignored and the wait goes on. The resolver's logic runs over this, so tests give it
/// servers that lie, stall or answer out of turn.
/// </summary>
public interface IUpstream
{
    /// <summary>The accepted reply, or null when none came within <paramref name="timeout"/> (or the server could not be reached).</summary>
    Task<byte[]?> ExchangeAsync(IPEndPoint server, ReadOnlyMemory<byte> query, bool tcp, TimeSpan timeout, Func<byte[], bool> accept, CancellationToken cancel);
}
