using System.Text.Json;
using MiniDns.Tests.Support;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Conformance;

/// <summary>
/// The Ferret cases (SCALE, NSDI 2022; MIT licence in Ferret/LICENSE): each zone served alone, one query
/// over the real answering code, compared by the rule in the data's README. Matching any one of the
/// reference servers' answers passes.
/// </summary>
public sealed class FerretConformanceTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Conformance", "Ferret");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "ExpectedResponses"), "*.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Fact]
    public void All_two_thousand_cases_are_present() => Assert.Equal(2000, Cases().Count);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Answer_matches_a_reference_server(string id)
    {
        var zoneFile = MasterFileParser.ParseFile(Path.Combine(Root, "ZoneFiles", id + ".txt"));
        Assert.True(zoneFile.IsValid, string.Join("\n", zoneFile.Errors));
        var snapshot = new ZoneSnapshot([ZoneBuilder.Build(zoneFile.Origin!, zoneFile.Records)]);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "ExpectedResponses", id + ".json")));
        foreach (var testCase in json.RootElement.EnumerateArray())
        {
            var query = testCase.GetProperty("Query");
            Assert.True(RecordType.TryParse(query.GetProperty("Type").GetString(), out ushort type));
            var request = QueryBytes.Build(query.GetProperty("Name").GetString()!, type);
            var raw = LocalAnswer.Raw(snapshot, request);
            Assert.True(MessageReader.TryRead(raw, out var message, out var error), error);
            var actual = ComparableResponse.From(message);

            var groups = testCase.GetProperty("Expected Response").EnumerateArray()
                .Select(g => (Servers: g.GetProperty("Server/s").GetString()!.Trim(),
                              Response: ComparableResponse.Parse(g.GetProperty("Response").EnumerateArray().Select(l => l.GetString()!))))
                .ToList();
            if (!groups.Any(g => g.Response.Matches(actual)))
            {
                var expected = string.Join("\n---\n", groups.Select(g => $"[{g.Servers}]\n{g.Response}"));
                Assert.Fail($"case {id}: no reference answer matched.\nOurs:\n{actual}\nReferences:\n{expected}");
            }
        }
    }
}
