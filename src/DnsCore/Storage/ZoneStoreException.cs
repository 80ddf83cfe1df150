namespace MiniDns.Storage;

/// <summary>The store cannot be opened, or refuses an edit; the message is meant for the operator.</summary>
public sealed class ZoneStoreException(string message, Exception? inner = null) : Exception(message, inner);
