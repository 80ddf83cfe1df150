using MiniDns.Fuzz.Targets;

namespace MiniDns.Tests.Fuzz;

/// <summary>
/// Every fuzz target is also a unit test (Garnet's pattern): each checked-in corpus file, seeds and what
/// afl-fuzz found alike, runs through its target on every dotnet test, so a crash once found stays fixed.
/// </summary>
public sealed class FuzzCorpusTests
{
    private static string CorpusOf(IFuzzTarget target) => Path.Combine(FuzzTargets.BaseDirectory, "Corpus", target.Name);

    public static TheoryData<string, string> CorpusFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.All)
        {
            if (!Directory.Exists(CorpusOf(target)))
                continue;
            foreach (var file in Directory.GetFiles(CorpusOf(target)).Order(StringComparer.Ordinal))
                data.Add(target.Name, Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void A_corpus_file_runs_through_its_target(string target, string file) =>
        FuzzTargets.Find(target)!.Run(File.ReadAllBytes(Path.Combine(CorpusOf(FuzzTargets.Find(target)!), file)));

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_target_has_a_corpus(string target)
    {
        var folder = CorpusOf(FuzzTargets.Find(target)!);
        Assert.True(Directory.Exists(folder) && Directory.GetFiles(folder).Length > 0, $"no corpus in {folder}");
    }
}
