using System.Text;
using MiniDns.Zones;

namespace MiniDns.Fuzz.Targets;

/// <summary>
/// The master-file parser, and what follows it on import: a zone built from what parsed, written out as a
/// master file and parsed again to the same records. Bad input may only come back as parse errors or a
/// <see cref="ZoneDataException"/> from the builder, never as any other exception.
/// </summary>
public sealed class MasterFileTarget : IFuzzTarget
{
    public string Name => "masterfile";

    public void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        var file = MasterFileParser.Parse(text, "fuzz.zone");
        if (!file.IsValid)
            return;
        try
        {
            ZoneBuilder.Build(file.Origin!, file.Records);
        }
        catch (ZoneDataException)
        {
            return;
        }
        var written = MasterFileWriter.Write(file.Origin!, file.Records);
        var again = MasterFileParser.Parse(written, "written.zone");
        if (!again.IsValid)
            throw new FuzzInvariantException($"a written zone does not parse: {string.Join("; ", again.Errors)}");
        if (again.Records.Count != file.Records.Count)
            throw new FuzzInvariantException($"{file.Records.Count} records written, {again.Records.Count} read back");
    }
}
