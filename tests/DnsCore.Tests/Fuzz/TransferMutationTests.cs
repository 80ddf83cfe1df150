using MiniDns.Fuzz.Targets;

namespace MiniDns.Tests.Fuzz;

/// <summary>
/// 3,000 mutations each of the transfer and TSIG corpora (signed and unsigned AXFR and IXFR requests) and of
/// the transferin corpus (a primary's answers, as a secondary reads them) through their targets. The seed is
/// printed; MINIDNS_MUTATION_SEED replays one.
/// </summary>
public sealed class TransferMutationTests(ITestOutputHelper output)
{
    private const int Mutations = 3_000;

    [Theory]
    [InlineData("transfer")]
    [InlineData("tsig")]
    [InlineData("transferin")]
    public void Mutated_transfer_requests_never_break_the_reader_the_checker_or_the_writer(string name)
    {
        int seed = Environment.GetEnvironmentVariable("MINIDNS_MUTATION_SEED") is { } replay ? int.Parse(replay) : Random.Shared.Next();
        output.WriteLine($"mutation seed {seed} (replay with MINIDNS_MUTATION_SEED={seed})");
        var random = new Random(seed);
        var corpus = Directory.GetFiles(Path.Combine(FuzzTargets.BaseDirectory, "Corpus", name)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        // Its own target: the shared ones of FuzzTargets.All run the corpus tests at the same time, and a
        // target's buffers are its own (found when two threads wrote one transfer's messages at once).
        IFuzzTarget target = name switch
        {
            "transfer" => new TransferTarget(),
            "transferin" => new TransferReaderTarget(),
            _ => new TsigTarget(),
        };
        for (int i = 0; i < Mutations; i++)
        {
            var input = CorpusMutation.Next(random, corpus, i);
            try
            {
                target.Run(input);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, mutation {i}, input {Convert.ToHexString(input)}: {e}");
            }
        }
    }
}
