namespace MiniDns.Storage;

/// <summary>A TSIG key as <c>minidns key list</c> shows it: its name and algorithm, not its secret.</summary>
public sealed record KeySummary(string Name, string Algorithm);
