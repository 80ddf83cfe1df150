using MiniDns.Zones;

namespace MiniDns.Storage;

/// <summary>A zone to store: its origin and all its records.</summary>
public sealed record ZoneContent(byte[] Origin, IReadOnlyList<ZoneRecord> Records);
