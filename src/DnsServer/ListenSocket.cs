using System.Net;
using System.Net.Sockets;

namespace MiniDns.Server;

/// <summary>Binds the sockets of one listen address: a group of UDP sockets sharing the port, and a TCP listener.</summary>
public static class ListenSocket
{
    private const int SolSocket = 1;  // SOL_SOCKET on Linux
    private const int SoReusePort = 15;
    private const int SoReceiveBufferForce = 33;
    /// <summary>Room for a burst (or a pause of the loop) of about 16,000 queries before the kernel drops any.</summary>
    private const int ReceiveBufferBytes = 16 << 20;

    /// <summary>
    /// Binds <paramref name="count"/> UDP sockets to one port with SO_REUSEPORT (Linux). Linux lets any socket
    /// with SO_REUSEPORT of the same user join a port, so a plain probe bind runs first: if another process
    /// holds the port, it fails with AddressAlreadyInUse and nothing is shared by accident.
    /// </summary>
    public static Socket[] BindUdpGroup(IPAddress address, int port, int count)
    {
        using (var probe = Create(address, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(address, port));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        if (!OperatingSystem.IsLinux())
            count = 1;
        var sockets = new List<Socket>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var socket = Create(address, ProtocolType.Udp);
                sockets.Add(socket);
                if (count > 1)
                    socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
                EnlargeReceiveBuffer(socket);
                socket.Bind(new IPEndPoint(address, port));
            }
            return [.. sockets];
        }
        catch
        {
            foreach (var socket in sockets)
                socket.Dispose();
            throw;
        }
    }

    // SO_RCVBUF is capped by net.core.rmem_max (about 208 KiB by default); root may go past it with
    // SO_RCVBUFFORCE, as NSD does.
    private static void EnlargeReceiveBuffer(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                socket.SetRawSocketOption(SolSocket, SoReceiveBufferForce, BitConverter.GetBytes(ReceiveBufferBytes));
                return;
            }
            catch (SocketException)
            {
                // not privileged: fall back to what the system allows
            }
        }
        socket.ReceiveBufferSize = ReceiveBufferBytes;
    }

    public static Socket BindTcp(IPAddress address, int port)
    {
        var socket = Create(address, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Socket Create(IPAddress address, ProtocolType protocol)
    {
        var socket = protocol == ProtocolType.Udp
            ? new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // IPv6-only, so a separate IPv4 socket may own the same port.
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            socket.DualMode = false;
        return socket;
    }
}
