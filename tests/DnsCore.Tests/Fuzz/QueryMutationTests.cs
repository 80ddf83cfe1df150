using System.Buffers.Binary;
using MiniDns.Fuzz.Targets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Fuzz;

/// <summary>
/// 200,000 mutations of valid queries through the whole answer path (<see cref="AnswerTarget"/>: never throws,
/// fits the limit, QR=1, ID and question echoed): bit flips, splices of two queries, a compression pointer
/// written at every offset, and length fields that lie. The seed is printed; MINIDNS_MUTATION_SEED replays one.
/// </summary>
public sealed class QueryMutationTests(ITestOutputHelper output)
{
    private const int Mutations = 200_000;

    private static readonly byte[][] Valid =
    [
        QueryBytes.Build("www.cctv.com.", RecordType.A),
        QueryBytes.Build("news.cctv.com.", RecordType.AAAA, ednsPayload: 1232),
        QueryBytes.Build("www.baidu.com.", RecordType.A, ednsPayload: 4096),
        QueryBytes.Build("x.cdn.baidu.com.", RecordType.ANY),
        QueryBytes.Build("missing.cctv.com.", RecordType.MX, ednsPayload: 512),
        QueryBytes.Build("81.2.0.192.in-addr.arpa.", RecordType.PTR),
        QueryBytes.Build("email.bank.", RecordType.A, ednsPayload: 1232),
        QueryBytes.Build("example.org.", RecordType.TXT),
    ];

    [Fact]
    public void Mutated_queries_never_break_the_answer_invariants()
    {
        int seed = Environment.GetEnvironmentVariable("MINIDNS_MUTATION_SEED") is { } replay ? int.Parse(replay) : Random.Shared.Next();
        output.WriteLine($"mutation seed {seed} (replay with MINIDNS_MUTATION_SEED={seed})");
        var random = new Random(seed);
        var target = new AnswerTarget();
        for (int i = 0; i < Mutations; i++)
        {
            var message = Mutate(random, i);
            try
            {
                target.Run(message);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, mutation {i}, message {Convert.ToHexString(message)}: {e}");
            }
        }
    }

    private static byte[] Mutate(Random random, int i)
    {
        var message = (byte[])Valid[random.Next(Valid.Length)].Clone();
        switch (i % 4)
        {
            case 0: // bit flips
                for (int flips = random.Next(1, 5); flips > 0; flips--)
                    message[random.Next(message.Length)] ^= (byte)(1 << random.Next(8));
                return message;
            case 1: // a splice: the head of one query, the tail of another
                var other = Valid[random.Next(Valid.Length)];
                int cut = random.Next(message.Length + 1), from = random.Next(other.Length + 1);
                return [.. message[..cut], .. other[from..]];
            case 2: // a pointer at every offset in turn, to any target
                int at = (i / 4) % (message.Length - 1);
                message[at] = (byte)(0xC0 | random.Next(0x40));
                message[at + 1] = (byte)random.Next(256);
                return message;
            default: // a length that lies: a count, a label length or the OPT's payload size and RDLENGTH
                int field = random.Next(3);
                if (field == 0)
                    BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4 + 2 * random.Next(4)), (ushort)random.Next(4));
                else if (field == 1)
                    message[LabelStart(message, random)] = (byte)random.Next(256);
                else if (message.Length > 28)
                    BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(message.Length - 2 * random.Next(1, 6)), (ushort)random.Next(65536));
                return random.Next(4) == 0 ? message[..random.Next(message.Length)] : message;
        }
    }

    // The offset of one of the question name's length octets.
    private static int LabelStart(byte[] message, Random random)
    {
        var starts = new List<int>();
        for (int p = 12; p < message.Length && message[p] != 0 && message[p] < 64; p += 1 + message[p])
            starts.Add(p);
        return starts.Count == 0 ? 12 : starts[random.Next(starts.Count)];
    }
}
