namespace MiniDns.Fuzz.Targets;

/// <summary>
/// One fuzz target: hostile bytes in, and an exception out only for a bug. A target catches what its code
/// is documented to throw on bad input (a clear refusal) and checks invariants on what it returns; anything
/// else escaping it is a crash to afl-fuzz and a failed test to xunit. A constructor must not call DnsCore:
/// under afl-fuzz instrumented code may only run once the fuzzer has mapped its coverage memory.
/// </summary>
public interface IFuzzTarget
{
    /// <summary>The name on the command line and of the corpus folder, Corpus/NAME.</summary>
    string Name { get; }

    void Run(ReadOnlySpan<byte> input);
}
