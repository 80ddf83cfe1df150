namespace MiniDns.Control;

/// <summary>A frame or message on the control channel that cannot be taken; the connection is closed after it.</summary>
public sealed class ControlProtocolException(string message) : Exception(message);
