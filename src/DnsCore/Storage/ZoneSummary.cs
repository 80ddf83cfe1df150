namespace MiniDns.Storage;

/// <summary>One line of <c>zone list</c>.</summary>
/// <param name="Primary">a secondary zone's primary ("address:port"); null for a zone edited here</param>
public sealed record ZoneSummary(string Origin, uint Serial, int RecordCount, string? Primary = null);
