namespace MiniDns.Zones;

/// <summary>
/// A parsed master file: its origin (given, else the first $ORIGIN, else the SOA owner), its records,
/// and every error found, each as "file:line: what is wrong".
/// </summary>
public sealed record MasterFile(byte[]? Origin, IReadOnlyList<ZoneRecord> Records, IReadOnlyList<string> Errors)
{
    public bool IsValid => Errors.Count == 0 && Origin is not null;
}
