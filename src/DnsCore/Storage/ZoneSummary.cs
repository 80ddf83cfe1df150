namespace MiniDns.Storage;

/// <summary>One line of <c>zone list</c>.</summary>
public sealed record ZoneSummary(string Origin, uint Serial, int RecordCount);
