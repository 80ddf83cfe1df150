using MiniDns.Tsig;
using MiniDns.Wire;

namespace MiniDns.Fuzz.Targets;

/// <summary>
/// Hostile messages through the TSIG reader and checker, and through the signer: a message we sign must
/// read back with its TSIG found and verified, and once any byte after its ID changes, no longer verify.
/// Invariants: never throws.
/// </summary>
public sealed class TsigTarget : IFuzzTarget
{
    public string Name => "tsig";

    public void Run(ReadOnlySpan<byte> input)
    {
        var key = FuzzKey.Value.Value;
        bool found = TsigMessage.TryFind(input, out var tsig, out bool malformed);
        if (found)
            TsigMessage.VerifyRequest(input, tsig, [key], tsig.TimeSigned, out _);
        if (found || malformed || input.Length < HeaderFlags.HeaderLength || input.Length > 60_000)
            return;
        var buffer = new byte[input.Length + 512];
        input.CopyTo(buffer);
        int length = TsigMessage.Sign(buffer, input.Length, key, [], timersOnly: false, 1_000_000, out _);
        // Counts or lengths that do not describe the input's bytes exactly: the walk does not land on our record.
        if (length == 0 || !TsigMessage.TryFind(buffer.AsSpan(0, length), out var signed, out _) || signed.Offset != input.Length)
            return;
        if (TsigMessage.VerifyRequest(buffer.AsSpan(0, length), signed, [key], 1_000_000, out _) != TsigError.NoError)
            throw new FuzzInvariantException("a message we signed does not verify");
        int at = HeaderFlags.HeaderLength + input.Length % Math.Max(1, signed.Offset - HeaderFlags.HeaderLength);
        if (at >= signed.Offset)
            return;
        buffer[at] ^= 0x01;
        if (TsigMessage.TryFind(buffer.AsSpan(0, length), out var changed, out _)
            && TsigMessage.VerifyRequest(buffer.AsSpan(0, length), changed, [key], 1_000_000, out _) == TsigError.NoError)
            throw new FuzzInvariantException($"a message changed at byte {at} still verifies");
    }
}
