using MiniDns.Fuzz.Targets;

namespace MiniDns.Tests.Fuzz;

/// <summary>
/// 5,000 mutations of upstream replies (the corpus of <see cref="UpstreamReplyTarget"/>) through a whole
/// resolution: bit flips, splices, and counts that lie. Each must end within the limits and never throw.
/// The seed is printed; MINIDNS_MUTATION_SEED replays one.
/// </summary>
public sealed class UpstreamMutationTests(ITestOutputHelper output)
{
    private const int Mutations = 5_000;

    [Fact]
    public void Mutated_upstream_replies_never_break_a_resolution()
    {
        int seed = Environment.GetEnvironmentVariable("MINIDNS_MUTATION_SEED") is { } replay ? int.Parse(replay) : Random.Shared.Next();
        output.WriteLine($"mutation seed {seed} (replay with MINIDNS_MUTATION_SEED={seed})");
        var random = new Random(seed);
        var corpus = Directory.GetFiles(Path.Combine(FuzzTargets.BaseDirectory, "Corpus", "upstream")).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        var target = new UpstreamReplyTarget();
        for (int i = 0; i < Mutations; i++)
        {
            var reply = CorpusMutation.Next(random, corpus, i);
            try
            {
                target.Run(reply);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, mutation {i}, reply {Convert.ToHexString(reply)}: {e}");
            }
        }
    }
}
