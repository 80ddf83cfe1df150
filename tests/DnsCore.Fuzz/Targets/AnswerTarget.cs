using System.Buffers.Binary;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Fuzz.Targets;

/// <summary>
/// The whole answer path, bytes to <see cref="QueryProcessor.Process"/> to bytes, over the example zones and
/// a sample of Ferret-style zones (wildcards, cuts, CNAME and DNAME chains), once as UDP and once as TCP.
/// Invariants: never throws; the response fits the limit; a response has QR=1, the query's ID and, when it
/// carries a question, the query's question exactly; it reads back as a well-formed message.
/// </summary>
public sealed class AnswerTarget : IFuzzTarget
{
    private static readonly Lazy<ZoneSnapshot> Snapshot = new(LoadZones);
    private readonly byte[] _response = new byte[65535];
    // Made at the first input: under afl-fuzz no DnsCore code may run before the fuzzer has mapped its coverage
    // memory, and this target is constructed before that.
    private QueryContext? _context;

    public string Name => "answer";

    public void Run(ReadOnlySpan<byte> input)
    {
        Check(input, tcp: false);
        Check(input, tcp: true);
    }

    private void Check(ReadOnlySpan<byte> request, bool tcp)
    {
        if (_context is null)
        {
            // Cookies on, from a fixed client, so the COOKIE option's parsing and answering are fuzzed too.
            _context = new QueryContext { Cookies = new ServerCookies(new byte[SipHash.KeyLength]) };
            _context.SetClient([2, 0, 0, 53, 192, 0, 2, 1]); // sockaddr_in: AF_INET, port 53, 192.0.2.1
        }
        int length = QueryProcessor.Process(request, _response, Snapshot.Value, _context, tcp ? 65535 : null);
        if (length == 0)
            return;
        var query = _context.Query;
        int limit = tcp ? 65535 : ResponseWriter.UdpLimit(query);
        var response = _response.AsSpan(0, length);
        Require(length >= HeaderFlags.HeaderLength && length <= limit, $"response of {length} octets, limit {limit}");
        Require(request.Length >= 4, "answered a message shorter than its ID and flags");
        Require(response[..2].SequenceEqual(request[..2]), "ID not echoed");
        Require((BinaryPrimitives.ReadUInt16BigEndian(response[2..]) & HeaderFlags.QR) != 0, "QR clear");
        int questions = BinaryPrimitives.ReadUInt16BigEndian(response[4..]);
        Require(questions <= 1, $"{questions} questions");
        if (questions == 1)
        {
            var asked = request.Slice(query.QuestionOffset, query.QuestionLength);
            Require(query.QuestionOffset == HeaderFlags.HeaderLength && response.Slice(HeaderFlags.HeaderLength, asked.Length).SequenceEqual(asked),
                "question not echoed as asked");
        }
        Require(MessageReader.TryRead(response, out _, out string error), $"response does not read back: {error}");
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
            throw new FuzzInvariantException(what);
    }

    /// <summary>The fuzzers' zones (Zones/), as one snapshot.</summary>
    public static ZoneSnapshot LoadZones()
    {
        var zones = new List<Zone>();
        foreach (var path in Directory.GetFiles(Path.Combine(FuzzTargets.BaseDirectory, "Zones"), "*.zone").Order(StringComparer.Ordinal))
        {
            var file = MasterFileParser.ParseFile(path);
            if (!file.IsValid)
                throw new InvalidOperationException($"{path}: {string.Join("; ", file.Errors)}");
            zones.Add(ZoneBuilder.Build(file.Origin!, file.Records));
        }
        return new ZoneSnapshot(zones);
    }
}
