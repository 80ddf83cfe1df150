using MiniDns.Wire;

namespace MiniDns.Server;

/// <summary>Monotonic counters, safe to read from any thread (queries by transport and rcode, reloads, refusals).</summary>
public sealed class ServerCounters
{
    private readonly Counter[] _byRcode = Enumerable.Range(0, 24).Select(_ => new Counter()).ToArray();

    public Counter UdpQueries { get; } = new();
    public Counter TcpQueries { get; } = new();
    public Counter Dropped { get; } = new();
    public Counter Reloads { get; } = new();
    public Counter ReloadFailures { get; } = new();
    public Counter TcpConnectionsRefused { get; } = new();
    public Counter TcpIdleTimeouts { get; } = new();

    public Counter ByRcode(ResponseCode rcode) => _byRcode[Math.Min((int)rcode, _byRcode.Length - 1)];

    public sealed class Counter
    {
        private long _value;
        public long Value => Interlocked.Read(ref _value);
        public void Increment() => Interlocked.Increment(ref _value);
    }
}
