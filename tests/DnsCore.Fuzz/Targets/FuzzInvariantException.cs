namespace MiniDns.Fuzz.Targets;

/// <summary>A target's output broke one of its invariants: a bug, reported like a crash.</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);
