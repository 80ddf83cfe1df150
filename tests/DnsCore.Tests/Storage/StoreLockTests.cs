using MiniDns.Storage;

namespace MiniDns.Tests.Storage;

/// <summary>
/// One owner at a time: the lock is per open file, so it excludes a second opener in the same process as
/// it does another process (the native two-process case is tested end to end, NativeServerTests).
/// </summary>
public sealed class StoreLockTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("minidns-lock-").FullName;

    private string Database => Path.Combine(_folder, "store.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_held_lock_is_refused_to_the_next_taker_until_released()
    {
        using (var first = StoreLock.TryAcquire(Database))
        {
            Assert.NotNull(first);
            Assert.Null(StoreLock.TryAcquire(Database));
            Assert.Equal(Environment.ProcessId, StoreLock.ReadOwner(Database));
        }
        using var second = StoreLock.TryAcquire(Database);
        Assert.NotNull(second);
    }

    [Fact]
    public void A_store_held_by_another_owner_cannot_be_opened_and_names_the_holder()
    {
        using var store = new ZoneStore(Database);
        var e = Assert.Throws<StoreInUseException>(() => new ZoneStore(Database));
        Assert.Equal($"{Database} is in use by process {Environment.ProcessId}", e.Message);
    }

    [Fact]
    public async Task Acquire_waits_for_the_holder_and_gives_up_at_the_timeout()
    {
        var held = StoreLock.TryAcquire(Database)!;
        var started = DateTime.UtcNow;
        Assert.Throws<StoreInUseException>(() => StoreLock.Acquire(Database, TimeSpan.FromMilliseconds(200)));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(200));

        var waiting = Task.Run(() => StoreLock.Acquire(Database, TimeSpan.FromSeconds(30)), TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        held.Dispose();
        using var next = await waiting;
        Assert.NotNull(next);
    }

    [Fact]
    public void The_lock_file_is_owner_only_and_stays_after_release()
    {
        StoreLock.TryAcquire(Database)!.Dispose();
        Assert.True(File.Exists(StoreLock.PathFor(Database)));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(StoreLock.PathFor(Database)));
    }
}
