using MiniDns.Fuzz;
using MiniDns.Fuzz.Targets;
using SharpFuzz;

// minidns-fuzz TARGET            run under afl-fuzz (bench/fuzz.sh), input on stdin
// minidns-fuzz TARGET FILE...    run files through the target once each, as the corpus tests do
// minidns-fuzz seed DIR          write the seed corpora (DIR/TARGET/...) from valid inputs
if (args.Length == 2 && args[0] == "seed")
{
    CorpusSeeds.WriteAll(args[1]);
    return 0;
}
var target = args.Length >= 1 ? FuzzTargets.Find(args[0]) : null;
if (target is null)
{
    Console.Error.WriteLine($"usage: minidns-fuzz TARGET [FILE...] | seed DIR; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}
if (args.Length > 1)
{
    foreach (var file in args[1..])
        target.Run(File.ReadAllBytes(file));
    return 0;
}
Fuzzer.OutOfProcess.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    target.Run(input.GetBuffer().AsSpan(0, (int)input.Length));
});
return 0;
