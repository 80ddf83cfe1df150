using System.Runtime.InteropServices;

namespace MiniDns.Server;

/// <summary>
/// Lowers the calling thread's scheduling priority on Linux (nice 10), so work that may wait, such as
/// rebuilding a zone after an edit, yields the CPU at once to the receive loops when a query arrives rather
/// than at the end of its time slice. Elsewhere, and where the call fails, the thread keeps its priority.
/// </summary>
internal static partial class BackgroundPriority
{
    private const int PrioProcess = 0; // with a thread id as "who", Linux applies it to that thread only
    private const int Nice = 10;

    public static void LowerForThisThread()
    {
        if (OperatingSystem.IsLinux())
            _ = setpriority(PrioProcess, gettid(), Nice);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpriority(int which, int who, int priority);

    [LibraryImport("libc")]
    private static partial int gettid();
}
