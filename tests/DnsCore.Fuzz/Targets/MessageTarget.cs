using MiniDns.Wire;

namespace MiniDns.Fuzz.Targets;

/// <summary>
/// The full message reader that <c>minidns check</c> and <c>query</c> use on what a server sends back: an
/// untrusted upstream's bytes. It returns false with a reason on a malformed message and never throws.
/// </summary>
public sealed class MessageTarget : IFuzzTarget
{
    public string Name => "message";

    public void Run(ReadOnlySpan<byte> input) => MessageReader.TryRead(input, out _, out _);
}
