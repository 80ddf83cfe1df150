using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Fuzz.Targets;

/// <summary>
/// The store's block decoder: a damaged block may only be refused (<see cref="InvalidDataException"/>, which
/// the store reports as "not a readable MiniDns store"); a block that decodes encodes back to the same bytes
/// once ordered, and feeds the zone builder, which refuses what cannot be served as a <see cref="ZoneDataException"/>.
/// </summary>
public sealed class NameBlockTarget : IFuzzTarget
{
    private static readonly byte[] Origin = [0];
    private static readonly byte[] Soa = MakeSoa();

    public string Name => "block";

    public void Run(ReadOnlySpan<byte> input)
    {
        var blob = input.ToArray();
        NameBlock block;
        try
        {
            block = NameBlock.Decode(blob);
        }
        catch (InvalidDataException)
        {
            return;
        }
        var again = NameBlock.Decode(block.Encode());
        if (again.Count != block.Count || again.Records.Count() != block.Records.Count())
            throw new FuzzInvariantException("a decoded block does not encode back to the same names and records");

        var builder = new ZoneBuilder(Origin);
        builder.Add(Origin, RecordType.SOA, 60, Soa);
        try
        {
            NameBlock.AddTo(blob, builder);
            builder.ToZone();
        }
        catch (ZoneDataException)
        {
            // Refused as a zone: the store's load reports it, and nothing is served from it.
        }
    }

    private static byte[] MakeSoa()
    {
        // ns. h. 1 2 3 4 5: two root-relative names, then five 32-bit numbers.
        byte[] data = [2, (byte)'n', (byte)'s', 0, 1, (byte)'h', 0, .. new byte[20]];
        for (int i = 0; i < 5; i++)
            data[7 + 4 * i + 3] = (byte)(i + 1);
        return data;
    }
}
