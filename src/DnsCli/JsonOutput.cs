using System.Text.Json;
using System.Text.Json.Serialization;

namespace MiniDns.Cli;

/// <summary>The shapes <c>--json</c> prints, one per command, with serializers generated at build time so
/// the CLI needs no reflection and can be published natively.</summary>
/// <param name="Primary">for a secondary zone, the primary it is copied from ("address:port"); else null</param>
public sealed record ZoneJson(string Zone, uint Serial, int Records, string? Primary);

public sealed record RecordJson(string Name, uint Ttl, string Type, string Data);

public sealed record QuestionJson(string Name, string Type);

public sealed record QueryJson(int Id, string Status, IReadOnlyList<string> Flags, string Server, QuestionJson Question,
    IReadOnlyList<RecordJson> Answer, IReadOnlyList<RecordJson> Authority, IReadOnlyList<RecordJson> Additional);

[JsonSerializable(typeof(IReadOnlyList<ZoneJson>))]
[JsonSerializable(typeof(IReadOnlyList<RecordJson>))]
[JsonSerializable(typeof(QueryJson))]
[JsonSerializable(typeof(CheckReport))]
[JsonSerializable(typeof(MiniDns.Control.ServerStatus))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, long>))]
internal sealed partial class JsonOutput : JsonSerializerContext
{
    /// <summary>Record data is full of quotes; keep it readable. The output is for programs, not HTML.</summary>
    public static JsonOutput Readable { get; } = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
