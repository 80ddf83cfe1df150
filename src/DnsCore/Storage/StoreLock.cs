using System.Runtime.InteropServices;
using System.Text;

namespace MiniDns.Storage;

/// <summary>
/// The exclusive OS lock that makes one process the store's owner: <c>flock(LOCK_EX)</c> on
/// <c>&lt;db&gt;.lock</c>, taken before LiteDB opens the file and held until the store is closed. LiteDB's own
/// cross-process lock is a named mutex, which a NativeAOT program on Linux keeps to itself, so two native
/// programs both "held" it and lost each other's commits. A separate file because .NET's FileStream takes
/// flock(LOCK_SH) on files it opens, LiteDB's included. The kernel drops the lock when its holder dies
/// (kill -9 too), so a lock is never stale. The holder writes its process id into the file for the
/// message the next one shows.
/// </summary>
public sealed partial class StoreLock : IDisposable
{
    private const int ORdOnly = 0, ORdWr = 2, OCreat = 0x40, OCloExec = 0x80000; // Linux values (x64, arm64)
    private const int LockEx = 2, LockNb = 4;
    private const int EWouldBlock = 11;

    private int _fd;
    private FileStream? _portable; // elsewhere than Linux: FileShare.None, which .NET turns into the OS's own lock

    private StoreLock(string path, int fd, FileStream? portable)
    {
        Path = path;
        _fd = fd;
        _portable = portable;
    }

    /// <summary>The lock file's path.</summary>
    public string Path { get; }

    public static string PathFor(string database) => System.IO.Path.GetFullPath(database) + ".lock";

    /// <summary>Takes the lock, or returns null while another process holds it.</summary>
    public static StoreLock? TryAcquire(string database)
    {
        string path = PathFor(database);
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                return new StoreLock(path, -1, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (File.Exists(path))
            {
                return null;
            }
        }
        int fd = Open(path, ORdWr | OCreat | OCloExec, 0b110_000_000); // 0600
        if (fd < 0)
            throw new ZoneStoreException($"{path} cannot be opened: {Marshal.GetLastPInvokeErrorMessage()}");
        if (Flock(fd, LockEx | LockNb) != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            Close(fd);
            return error == EWouldBlock ? null : throw new ZoneStoreException($"{path} cannot be locked: {Marshal.GetPInvokeErrorMessage(error)}");
        }
        var held = new StoreLock(path, fd, null);
        held.WriteOwner(Environment.ProcessId);
        return held;
    }

    /// <summary>
    /// Takes the lock, waiting at most <paramref name="wait"/> while another process holds it; then
    /// <see cref="StoreInUseException"/> naming the holder.
    /// </summary>
    public static StoreLock Acquire(string database, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            if (TryAcquire(database) is { } held)
                return held;
            if (DateTime.UtcNow >= deadline)
                throw new StoreInUseException(database, ReadOwner(database));
            Thread.Sleep(20);
        }
    }

    /// <summary>The process id the holder wrote, or null (no lock file, or not written yet).</summary>
    public static int? ReadOwner(string database)
    {
        string path = PathFor(database);
        string text;
        if (OperatingSystem.IsLinux())
        {
            // Read with the raw call: opening it with FileStream would ask for a shared flock and fail.
            int fd = Open(path, ORdOnly | OCloExec, 0);
            if (fd < 0)
                return null;
            var buffer = new byte[32];
            nint read = Read(fd, buffer, buffer.Length);
            Close(fd);
            text = read > 0 ? Encoding.ASCII.GetString(buffer, 0, (int)read) : "";
        }
        else
        {
            return null; // the holder has the file open exclusively
        }
        return int.TryParse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture, out int pid) && pid > 0 ? pid : null;
    }

    private void WriteOwner(int pid)
    {
        var text = Encoding.ASCII.GetBytes($"{pid}\n");
        // A short write leaves a shorter number: the pid is for the message only, the lock is the flock.
        if (Ftruncate(_fd, 0) == 0)
            _ = Pwrite(_fd, text, text.Length, 0);
    }

    public void Dispose()
    {
        // The file stays: removing it would let a process that opened it before the removal lock a file
        // nobody else sees, and then two programs would own the store.
        _portable?.Dispose();
        _portable = null;
        if (_fd >= 0)
        {
            Close(_fd);
            _fd = -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static partial nint Pwrite(int fd, byte[] buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int fd, long length);
}
