using System.Text.Json;
using MiniDns.Storage;
using MiniDns.Zones;

namespace MiniDns.Cli;

/// <summary>Where a command writes, and the one way every command turns a refusal into one line and exit code 2.</summary>
public sealed class CliContext(TextWriter output, TextWriter error)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // Record data is full of quotes; keep it readable. The output is for programs, not HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;

    public void WriteJson<T>(T value) => Output.WriteLine(JsonSerializer.Serialize(value, Json));

    public int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ZoneDataException e)
        {
            foreach (var line in e.Errors)
                Error.WriteLine($"minidns: {line}");
            if (e.Errors.Count > 1)
                Error.WriteLine($"minidns: {e.Errors.Count} errors; nothing was written");
            return ExitCode.BadInput;
        }
        catch (Exception e) when (e is CliException or ZoneStoreException)
        {
            Error.WriteLine($"minidns: {e.Message}");
            return ExitCode.BadInput;
        }
    }

    public async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is CliException or ZoneStoreException)
        {
            Error.WriteLine($"minidns: {e.Message}");
            return ExitCode.BadInput;
        }
    }
}
