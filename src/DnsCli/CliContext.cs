using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MiniDns.Storage;
using MiniDns.Zones;

namespace MiniDns.Cli;

/// <summary>Where a command writes, and the one way every command turns a refusal into one line and exit code 2.</summary>
public sealed class CliContext(TextWriter output, TextWriter error, TextReader input, IReadOnlyDictionary<string, string>? environment = null)
{
    /// <summary>An environment variable (EDITOR, VISUAL): the tests' own values first, then the process's.</summary>
    public string? GetEnvironment(string name) =>
        environment is not null && environment.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name);


    public TextReader Input { get; } = input;
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;

    public void WriteJson<T>(T value, JsonTypeInfo<T> shape) => Output.WriteLine(JsonSerializer.Serialize(value, shape));

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
