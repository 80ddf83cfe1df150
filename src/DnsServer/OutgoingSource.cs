using System.Net;

namespace MiniDns.Server;

/// <summary>
/// Where our own requests to a peer leave from (NOTIFY to a secondary; SOA and transfer requests to a
/// primary): the first address we listen on of the peer's family, when we listen on particular addresses,
/// so that a peer allowing us by address (NSD's <c>allow-notify</c> and <c>provide-xfr</c>, Knot's
/// <c>acl</c>, our own primary check) sees the address it was told. Found by running two MiniDns on
/// 127.0.0.61 and .62: the kernel sent the NOTIFY from 127.0.0.1 and the secondary refused it. The kernel
/// chooses when we listen on every address, or when the only candidate is on loopback and the peer is not
/// (or the reverse), since such a source cannot reach it.
/// </summary>
public sealed class OutgoingSource(IReadOnlyList<IPAddress> listen)
{
    private readonly bool _everywhere = listen.Any(a => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any));

    /// <summary>The address to bind before connecting to <paramref name="peer"/>, or null for the kernel's choice.</summary>
    public IPAddress? For(IPAddress peer)
    {
        if (peer.IsIPv4MappedToIPv6)
            peer = peer.MapToIPv4();
        if (_everywhere)
            return null;
        return listen.FirstOrDefault(a => a.AddressFamily == peer.AddressFamily && IPAddress.IsLoopback(a) == IPAddress.IsLoopback(peer));
    }

    /// <summary>Binds <paramref name="socket"/> to the source for <paramref name="peer"/>, port 0; unbound when the kernel is to choose.</summary>
    public void Bind(System.Net.Sockets.Socket socket, IPAddress peer)
    {
        if (For(peer) is { } source)
            socket.Bind(new IPEndPoint(source, 0));
    }
}
