using MiniDns.Control;
using MiniDns.Storage;
using MiniDns.Zones;

namespace MiniDns.Fuzz.Targets;

/// <summary>
/// What the server does with bytes on its control socket before the store sees them: a frame read from the
/// stream, decoded as a request, its wire data checked, its zones put through the rules and the zone builder
/// as an import would. The only refusals allowed are <see cref="ControlProtocolException"/> (a bad frame or
/// request: the server replies with a protocol error) and <see cref="ZoneDataException"/> (data the store
/// refuses). The same frame decoded as a reply is what a hostile server could send the CLI.
/// </summary>
public sealed class ControlFrameTarget : IFuzzTarget
{
    public string Name => "control";

    public void Run(ReadOnlySpan<byte> input)
    {
        byte[]? frame;
        try
        {
            // A MemoryStream completes every read at once: the async reader runs synchronously here.
            frame = ControlProtocol.ReadFrameAsync(new MemoryStream(input.ToArray()), CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (ControlProtocolException)
        {
            return;
        }
        if (frame is null)
            return;
        try
        {
            ControlProtocol.DecodeReply(frame);
        }
        catch (ControlProtocolException)
        {
        }
        ControlRequest request;
        try
        {
            request = ControlProtocol.DecodeRequest(frame);
            ControlRequestCheck.WireForm(request);
        }
        catch (ControlProtocolException)
        {
            return;
        }
        foreach (var edit in request.Edits ?? [])
            _ = edit.ToEdit();
        foreach (var zone in request.Zones ?? [])
        {
            var content = zone.ToContent();
            try
            {
                if (ZoneRules.Check(MiniDns.Wire.DnsName.ToLowerCopy(content.Origin), content.Records).Count == 0)
                    ZoneBuilder.Build(content.Origin, content.Records);
            }
            catch (ZoneDataException)
            {
            }
        }
        if (request.Soa is { } soa)
            _ = soa.ApplyTo(Soa);
    }

    // ns. h. 1 2 3 4 5, for SOA field edits.
    private static readonly byte[] Soa = [2, (byte)'n', (byte)'s', 0, 1, (byte)'h', 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5];
}
