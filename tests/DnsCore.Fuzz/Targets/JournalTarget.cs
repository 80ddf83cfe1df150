using MiniDns.Storage;
using MiniDns.Transfer;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Fuzz.Targets;

/// <summary>
/// Edits the input spells (every three bytes: add or remove, one of 16 names, one of 8 addresses or TTLs,
/// a serial bump) on a store of one small zone, then IXFR from every serial the journal kept, each applied
/// to the zone as it was at that serial, as a secondary would. Invariants: the edits' refusals are the store's
/// own; every serial kept leads to exactly the zone as it is now.
/// </summary>
public sealed class JournalTarget : IFuzzTarget
{
    public string Name => "journal";

    private static readonly byte[] Origin = [4, (byte)'f', (byte)'u', (byte)'z', (byte)'z', 0];

    public void Run(ReadOnlySpan<byte> input)
    {
        var folder = Directory.CreateTempSubdirectory("minidns-fuzz-journal-").FullName;
        try
        {
            using var store = new ZoneStore(Path.Combine(folder, "store.db"), journalVersions: 4);
            store.ImportZones([new ZoneContent(Origin,
                [new ZoneRecord(Origin, RecordType.SOA, 60, [0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]), new ZoneRecord(Origin, RecordType.NS, 60, [2, (byte)'n', (byte)'s', .. Origin])])], replace: false);
            var versions = new List<(uint Serial, HashSet<string> Records)> { Contents(store) };
            for (int i = 0; i + 2 < input.Length && i < 3 * 24; i += 3)
            {
                byte op = input[i], name = input[i + 1], value = input[i + 2];
                byte[] owner = [2, (byte)'n', (byte)('a' + (name & 15)), .. Origin];
                try
                {
                    if ((op & 3) == 0)
                        store.SetSerial(Origin, null, null, bump: true);
                    else if ((op & 1) == 1)
                        store.AddRecord(owner, RecordType.A, [192, 0, 2, (byte)(value & 7)], (uint)(60 + (value >> 6)));
                    else
                        store.RemoveRecords(owner, (op & 4) == 0 ? null : RecordType.A, (op & 8) == 0 ? null : [192, 0, 2, (byte)(value & 7)]);
                }
                catch (ZoneStoreException)
                {
                    continue; // a refusal: nothing written, no version
                }
                var now = Contents(store);
                if (now.Serial != versions[^1].Serial)
                    versions.Add(now);
            }
            var zone = store.LoadSnapshot().FindZone(Origin)!;
            var journal = store.ReadJournal(Origin);
            foreach (var (serial, records) in versions.SkipLast(1))
            {
                var answer = TransferRecords.Ixfr(zone, journal, serial);
                if (answer is null)
                {
                    if (journal.Any(e => e.From == serial))
                        throw new FuzzInvariantException($"the journal holds serial {serial} but gives no differences from it");
                    continue; // older than the journal keeps
                }
                if (!Applied(records, [.. answer]).SetEquals(versions[^1].Records))
                    throw new FuzzInvariantException($"the differences from serial {serial} do not lead to the zone as it is");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (uint Serial, HashSet<string> Records) Contents(ZoneStore store)
    {
        var records = store.ListRecords(Origin);
        return (SoaSerial.Read(records.First(r => r.Type == RecordType.SOA).Data), records.Select(r => r.ToString()).ToHashSet());
    }

    // A secondary's part (RFC 1995 4): per sequence, take away what follows the old SOA, add what follows the new.
    private static HashSet<string> Applied(HashSet<string> old, List<TransferRecord> answer)
    {
        var result = new HashSet<string>(old);
        bool adding = true;
        foreach (var r in answer.Skip(1).SkipLast(1))
        {
            string text = new ZoneRecord(r.Owner.ToArray(), r.Type, r.Ttl, r.Data.ToArray()).ToString();
            if (r.Type == RecordType.SOA)
                adding = !adding;
            if (adding)
                result.Add(text);
            else if (!result.Remove(text))
                throw new FuzzInvariantException($"the differences remove {text}, which the zone did not hold");
        }
        return result;
    }
}
