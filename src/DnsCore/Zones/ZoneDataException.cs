namespace MiniDns.Zones;

/// <summary>Zone data that cannot be served or stored; <see cref="Errors"/> lists every problem found.</summary>
public sealed class ZoneDataException(IReadOnlyList<string> errors)
    : Exception(errors.Count == 1 ? errors[0] : $"{errors.Count} errors:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}")
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
