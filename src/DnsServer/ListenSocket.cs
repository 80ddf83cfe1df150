using System.Net;
using System.Net.Sockets;

namespace MiniDns.Server;

/// <summary>Binds the UDP and TCP sockets of one listen address.</summary>
public static class ListenSocket
{
    public static Socket Bind(IPAddress address, int port, ProtocolType protocol)
    {
        var socket = protocol == ProtocolType.Udp
            ? new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // IPv6-only, so a separate IPv4 socket may own the same port.
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
                socket.DualMode = false;
            socket.Bind(new IPEndPoint(address, port));
            if (protocol == ProtocolType.Tcp)
                socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
