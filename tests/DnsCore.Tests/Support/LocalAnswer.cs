using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Support;

/// <summary>Runs messages through the real answering code, without sockets.</summary>
public static class LocalAnswer
{
    public static ZoneSnapshot Snapshot(params string[] zoneTexts) =>
        new(zoneTexts.Select(text =>
        {
            var file = MasterFileParser.Parse(text, "test.zone");
            Assert.True(file.IsValid, string.Join("\n", file.Errors));
            return ZoneBuilder.Build(file.Origin!, file.Records);
        }));

    public static byte[] Raw(ZoneSnapshot snapshot, byte[] request, int? maxResponse = null)
    {
        var buffer = new byte[65535];
        int length = QueryProcessor.Process(request, buffer, snapshot, new QueryContext(), maxResponse);
        return buffer[..length];
    }

    public static DnsMessage Ask(ZoneSnapshot snapshot, string name, ushort type, int? ednsPayload = null)
    {
        var raw = Raw(snapshot, QueryBytes.Build(name, type, ednsPayload: ednsPayload));
        Assert.True(MessageReader.TryRead(raw, out var message, out var error), error);
        return message;
    }
}
