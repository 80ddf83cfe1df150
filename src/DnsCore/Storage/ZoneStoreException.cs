namespace MiniDns.Storage;

/// <summary>The store cannot be opened, or refuses an edit; the message is meant for the operator.</summary>
public class ZoneStoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A zone edit refused because the zone is no longer what the editor read: someone else changed it meanwhile.</summary>
public sealed class ZoneChangedException(string message) : ZoneStoreException(message);
