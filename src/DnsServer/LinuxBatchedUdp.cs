using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MiniDns.Server;

/// <summary>
/// recvmmsg/sendmmsg (Linux) for a UDP receive loop: one system call takes every datagram that is waiting
/// (up to a batch) and one sends every answer, so a busy socket pays one wake-up and two calls per batch
/// rather than per query. Buffers live in native memory, fixed for the loop's lifetime.
/// </summary>
internal sealed unsafe class LinuxBatchedUdp : IDisposable
{
    public const int BatchSize = 32;
    public const int RequestCapacity = 4096;
    /// <summary>UDP answers never exceed our EDNS payload size, 1232.</summary>
    public const int ResponseCapacity = 1232;
    private const int AddressCapacity = 128; // sizeof(struct sockaddr_storage)
    private const int MsgWaitForOne = 0x10000;
    private const int MsgTrunc = 0x20;
    private const int EINTR = 4;

    private readonly byte* _memory;
    private readonly MultiMessageHeader* _receive;
    private readonly MultiMessageHeader* _send;
    private readonly IoVector* _receiveVectors;
    private readonly IoVector* _sendVectors;

    public LinuxBatchedUdp()
    {
        nuint size = (nuint)(BatchSize * (RequestCapacity + ResponseCapacity + AddressCapacity + 2 * sizeof(MultiMessageHeader) + 2 * sizeof(IoVector)));
        _memory = (byte*)NativeMemory.AllocZeroed(size);
        byte* p = _memory;
        _receive = (MultiMessageHeader*)p;
        p += BatchSize * sizeof(MultiMessageHeader);
        _send = (MultiMessageHeader*)p;
        p += BatchSize * sizeof(MultiMessageHeader);
        _receiveVectors = (IoVector*)p;
        p += BatchSize * sizeof(IoVector);
        _sendVectors = (IoVector*)p;
        p += BatchSize * sizeof(IoVector);
        for (int i = 0; i < BatchSize; i++)
        {
            _receiveVectors[i].Base = p;
            p += RequestCapacity;
            _sendVectors[i].Base = p;
            p += ResponseCapacity;
            _receive[i].Header.Name = p;
            p += AddressCapacity;
            _receive[i].Header.Vectors = &_receiveVectors[i];
            _receive[i].Header.VectorCount = 1;
        }
    }

    /// <summary>True when this process can call recvmmsg (Linux with a C library that has it).</summary>
    public static bool IsSupported()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            return NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "recvmmsg", out _)
                && NativeLibrary.TryGetExport(libc, "sendmmsg", out _);
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Waits for at least one datagram and takes up to a batch; returns the count, 0 when the socket was shut.</summary>
    public int Receive(int fd)
    {
        for (int i = 0; i < BatchSize; i++)
        {
            _receive[i].Header.NameLength = AddressCapacity;
            _receiveVectors[i].Length = RequestCapacity;
            _receive[i].Header.Flags = 0;
        }
        while (true)
        {
            int count = recvmmsg(fd, _receive, BatchSize, MsgWaitForOne, null);
            if (count >= 0)
                return count;
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
                throw new SocketException(errno);
        }
    }

    /// <summary>The i-th datagram received; empty when it was cut short (longer than any query we read).</summary>
    public Span<byte> Request(int i) =>
        (_receive[i].Header.Flags & MsgTrunc) != 0 ? [] : new Span<byte>(_receiveVectors[i].Base, (int)_receive[i].Length);

    /// <summary>The sender of the i-th datagram, for debug logs only: it allocates.</summary>
    public System.Net.SocketAddress Sender(int i, AddressFamily family)
    {
        var address = new System.Net.SocketAddress(family, (int)_receive[i].Header.NameLength);
        new ReadOnlySpan<byte>(_receive[i].Header.Name, address.Size).CopyTo(address.Buffer.Span);
        return address;
    }

    /// <summary>The sender of the i-th datagram as the kernel wrote it (sockaddr_in or sockaddr_in6).</summary>
    public ReadOnlySpan<byte> SenderAddress(int i) => new(_receive[i].Header.Name, (int)_receive[i].Header.NameLength);

    public Span<byte> ResponseBuffer(int i) => new(_sendVectors[i].Base, ResponseCapacity);

    /// <summary>Queues the answer to the i-th datagram, to its sender, for the next <see cref="SendQueued"/>.</summary>
    public void Queue(int slot, int i, int length)
    {
        ref var message = ref _send[slot];
        message.Header.Name = _receive[i].Header.Name;
        message.Header.NameLength = _receive[i].Header.NameLength;
        message.Header.Vectors = &_sendVectors[slot];
        message.Header.VectorCount = 1;
        if (slot != i)
            new Span<byte>(_sendVectors[i].Base, length).CopyTo(new Span<byte>(_sendVectors[slot].Base, length));
        _sendVectors[slot].Length = (nuint)length;
    }

    /// <summary>Sends the queued answers; a datagram the kernel refuses (e.g. an unreachable client) is skipped.</summary>
    public void SendQueued(int fd, int count)
    {
        int sent = 0;
        while (sent < count)
        {
            int n = sendmmsg(fd, _send + sent, (uint)(count - sent), 0);
            if (n > 0)
            {
                sent += n;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (n < 0 && errno == EINTR)
                continue;
            sent++; // the first message failed: drop it and go on with the rest
        }
    }

    public void Dispose() => NativeMemory.Free(_memory);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int recvmmsg(int fd, MultiMessageHeader* messages, uint count, int flags, void* timeout);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int sendmmsg(int fd, MultiMessageHeader* messages, uint count, int flags);

    // struct iovec
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    // struct msghdr (x86-64 and arm64 layout)
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public byte* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    // struct mmsghdr
    [StructLayout(LayoutKind.Sequential)]
    private struct MultiMessageHeader
    {
        public MessageHeader Header;
        public uint Length;
    }
}
