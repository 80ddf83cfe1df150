using MiniDns.Storage;
using MiniDns.Transfer;
using MiniDns.Tsig;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Fuzz.Targets;

/// <summary>
/// Hostile transfer requests (AXFR, IXFR with any SOA in authority, a TSIG or garbage after) through the
/// request reader, the TSIG reader and checker, and the transfer writer over the fuzzers' zones, each zone with
/// a journal of one version. Invariants: never throws; every message fits 64 KB and reads back; the first
/// record is the zone's SOA, and a transfer of more than the SOA ends with it too.
/// </summary>
public sealed class TransferTarget : IFuzzTarget
{
    private static readonly Lazy<ZoneSnapshot> Snapshot = new(AnswerTarget.LoadZones);
    private readonly byte[] _buffer = new byte[TransferWriter.MaxMessage];

    public string Name => "transfer";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (TsigMessage.TryFind(input, out var tsig, out _))
            TsigMessage.VerifyRequest(input, tsig, [FuzzKey.Value.Value], tsig.TimeSigned, out _);
        if (TransferRequest.Read(input) is not { } request || Snapshot.Value.FindZone(request.Zone) is not { } zone)
            return;
        var writer = request.Writer(zone, () => Journal(zone), out _, reserve: 400);
        var records = new List<DnsRecord>();
        for (int messages = 0; messages < 10_000; messages++)
        {
            int length = writer.WriteNext(_buffer);
            if (length == 0)
                break;
            Require(length > 0 && length <= TransferWriter.MaxMessage - 400, $"a message of {length} bytes");
            Require(MessageReader.TryRead(_buffer.AsSpan(0, length), out var message, out string error), $"a message that does not read back: {error}");
            records.AddRange(message.Answer);
        }
        Require(records.Count > 0 && records[0].Type == RecordType.SOA, "the first record is not the SOA");
        Require(records.Count == 1 || records[^1].Type == RecordType.SOA, "a transfer that does not end with the SOA");
    }

    // One version back: the SOA at the serial before, the zone's own after.
    internal static List<JournalEntry> Journal(Zone zone)
    {
        var soa = zone.Soa.Records[0].ToArray();
        var before = new ZoneRecord(zone.Origin, RecordType.SOA, zone.Soa.Ttl, SoaSerial.With(soa, zone.Serial - 1));
        return [new JournalEntry(zone.Serial - 1, zone.Serial, [before], [new ZoneRecord(zone.Origin, RecordType.SOA, zone.Soa.Ttl, soa)])];
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
            throw new FuzzInvariantException(what);
    }
}

/// <summary>The key the TSIG targets check signatures with: fixed, so a corpus file means the same every run.</summary>
internal static class FuzzKey
{
    public static readonly Lazy<TsigKey> Value = new(() => new TsigKey([4, (byte)'f', (byte)'u', (byte)'z', (byte)'z', 0], TsigKey.HmacSha256, new byte[32]));
}
