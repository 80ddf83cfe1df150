using System.Buffers.Binary;
using MiniDns.Transfer;
using MiniDns.Tsig;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Fuzz.Targets;

/// <summary>
/// A hostile primary's transfer, as a secondary reads it (<see cref="TransferReader"/>). Input: one byte of
/// flags (bit 0: we asked IXFR, bit 1: we signed with the targets' key, the request's MAC all zeros), the
/// serial we hold (4 bytes), then the primary's messages, each after its 2-byte length as over TCP; the zone
/// and our ID are the first message's. Invariants: only <see cref="TransferRefusedException"/> escapes the
/// reader; a complete whole transfer holds the SOA once, first, and only names in the zone; incremental
/// versions chain from the serial we hold to the primary's; nothing is read after the closing SOA.
/// </summary>
public sealed class TransferReaderTarget : IFuzzTarget
{
    /// <summary>When the seeds were signed, and the reader's clock.</summary>
    public const long SignedAt = 1_000_000;

    public string Name => "transferin";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 5)
            return;
        bool ixfr = (input[0] & 1) != 0, signed = (input[0] & 2) != 0;
        uint held = BinaryPrimitives.ReadUInt32BigEndian(input[1..]);
        var messages = Messages(input[5..]);
        if (messages.Count == 0)
            return;
        byte[] origin = MessageReader.TryRead(messages[0], out var first, out _) && first.Questions is [var q] ? q.Name : [0];
        ushort id = messages[0].Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(messages[0]) : (ushort)0;
        var key = signed ? FuzzKey.Value.Value : null;
        var reader = new TransferReader(origin, id, ixfr ? RecordType.IXFR : RecordType.AXFR, held, key, signed ? new byte[32] : null, () => SignedAt);
        int read = 0;
        try
        {
            foreach (var message in messages)
            {
                read++;
                if (reader.Read(message))
                    break;
            }
        }
        catch (TransferRefusedException)
        {
            return;
        }
        if (!reader.Done)
            return;
        if (read < messages.Count)
        {
            try
            {
                reader.Read(messages[read]);
                throw new FuzzInvariantException("a message after the closing SOA was read");
            }
            catch (TransferRefusedException)
            {
                // As it must be.
            }
        }
        Check(reader, DnsName.ToLowerCopy(origin), ixfr ? held : null);
    }

    private static void Check(TransferReader reader, byte[] origin, uint? held)
    {
        switch (reader.Kind)
        {
            case TransferKind.Whole:
                Require(reader.Records.Count > 0 && reader.Records[0].Type == RecordType.SOA, "a whole transfer that does not start with the SOA");
                Require(reader.Records.Count(r => r.Type == RecordType.SOA) == 1, "a whole transfer with the SOA more than once");
                Require(reader.Records.All(r => DnsName.IsSubdomainOf(r.Owner, origin)), "a record outside the zone");
                break;
            case TransferKind.Incremental:
                Require(held is not null && reader.Steps.Count > 0 && reader.Steps[0].From == held, "differences that do not start at the serial held");
                for (int i = 0; i < reader.Steps.Count; i++)
                {
                    var step = reader.Steps[i];
                    Require(i == 0 || step.From == reader.Steps[i - 1].To, "differences that do not chain");
                    Require(SoaSerial.IsAfter(step.To, step.From), "a version that does not move the serial forward");
                    Require(step.Removed[0].Type == RecordType.SOA && step.Added[0].Type == RecordType.SOA, "a version that does not start with its SOA");
                    Require(step.Removed.Concat(step.Added).All(r => DnsName.IsSubdomainOf(r.Owner, origin)), "a difference outside the zone");
                }
                Require(reader.Steps[^1].To == reader.Serial, "differences that end short of the primary's serial");
                break;
            case TransferKind.UpToDate:
                Require(held is not null && !SoaSerial.IsAfter(reader.Serial, held.Value), "up to date with a newer serial");
                break;
        }
    }

    private static List<byte[]> Messages(ReadOnlySpan<byte> framed)
    {
        var messages = new List<byte[]>();
        while (framed.Length >= 2)
        {
            int length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(framed), framed.Length - 2);
            messages.Add(framed.Slice(2, length).ToArray());
            framed = framed[(2 + length)..];
        }
        return messages;
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
            throw new FuzzInvariantException(what);
    }
}
