using System.Net;

namespace MiniDns.Server;

/// <summary>
/// The open TCP connections under two caps: all of them (<c>--tcp-max-connections</c>) and those of one client
/// address (<c>--tcp-max-per-client</c>), so one host cannot take every slot. At a cap a new connection is not
/// turned away: the longest-idle connection (of that address at its cap, else of all) is closed to make room
/// (RFC 7766 6.2.3), so a host that hoards idle connections loses only its own. A connection counts as idle
/// unless it is answering or sending; one that holds half a message is idle since its last answer. Only when
/// every connection is answering at that moment is the new one refused.
/// </summary>
public sealed class TcpConnectionTable(int maxConnections, int maxPerClient)
{
    private readonly List<TcpConnection> _open = [];

    public int Count
    {
        get
        {
            lock (_open)
                return _open.Count;
        }
    }

    /// <summary>Admits <paramref name="connection"/>, closing an idle one if a cap requires; false to refuse it.</summary>
    public bool TryAdmit(TcpConnection connection, out TcpConnection? evicted)
    {
        evicted = null;
        lock (_open)
        {
            int live = 0, sameClient = 0;
            TcpConnection? idlestOfClient = null, idlestOfAll = null;
            foreach (var open in _open)
            {
                if (open.Evicted)
                    continue; // its descriptor is closed already (Evict): the slot is free
                live++;
                bool mine = open.Client.Equals(connection.Client);
                if (mine)
                    sameClient++;
                if (!open.IsIdle)
                    continue;
                if (idlestOfAll is null || open.IdleSince < idlestOfAll.IdleSince)
                    idlestOfAll = open;
                if (mine && (idlestOfClient is null || open.IdleSince < idlestOfClient.IdleSince))
                    idlestOfClient = open;
            }
            if (sameClient >= maxPerClient)
                evicted = idlestOfClient;
            else if (live >= maxConnections)
                evicted = idlestOfAll;
            else
            {
                _open.Add(connection);
                return true;
            }
            if (evicted is null)
                return false;
            evicted.Evict();
            _open.Add(connection);
            return true;
        }
    }

    public void Remove(TcpConnection connection)
    {
        lock (_open)
            _open.Remove(connection);
    }
}
