namespace MiniDns.Storage;

/// <summary>Another process holds the store's lock (<see cref="StoreLock"/>) past the wait.</summary>
public sealed class StoreInUseException(string database, int? owner)
    : Exception($"{database} is in use by {(owner is { } pid ? $"process {pid}" : "another process")}")
{
    public string Database { get; } = database;
    public int? Owner { get; } = owner;
}
