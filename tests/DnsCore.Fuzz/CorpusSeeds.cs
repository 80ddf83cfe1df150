using System.Buffers.Binary;
using MiniDns.Fuzz.Targets;
using MiniDns.Storage;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Fuzz;

/// <summary>
/// Writes each target's seed corpus from valid inputs and the hostile packets of the wire tests, so the
/// checked-in corpora can be made again (then minimised with afl-cmin by bench/fuzz.sh).
/// </summary>
public static class CorpusSeeds
{
    private static readonly ushort[] Types = [RecordType.A, RecordType.MX, RecordType.ANY, RecordType.NS, RecordType.TXT];

    public static void WriteAll(string folder)
    {
        var zoneFiles = Directory.GetFiles(Path.Combine(FuzzTargets.BaseDirectory, "Zones"), "*.zone").Order(StringComparer.Ordinal).ToArray();
        var zones = zoneFiles.Select(path => MasterFileParser.ParseFile(path)).ToArray();

        var queries = new List<byte[]>();
        foreach (var zone in zones)
        {
            var owners = zone.Records.Select(r => r.Owner).DistinctBy(o => NameText.Format(o)).Take(4).ToList();
            owners.Add([4, (byte)'n', (byte)'o', (byte)'n', (byte)'e', .. zone.Origin!]);
            for (int i = 0; i < owners.Count; i++)
                queries.Add(Query(owners[i], Types[i % Types.Length], edns: i % 2 == 0 ? (ushort)1232 : null));
        }
        queries.AddRange(Hostile(queries[0]));
        Write(folder, "answer", queries);

        Write(folder, "masterfile", [.. zoneFiles.Select(File.ReadAllBytes), .. Snippets.Select(System.Text.Encoding.UTF8.GetBytes)]);

        var blocks = new List<byte[]>();
        foreach (var zone in zones)
        {
            var block = new NameBlock();
            foreach (var name in zone.Records.GroupBy(r => NameText.Format(r.Owner)))
                block.Set(DnsName.ToLowerCopy(name.First().Owner), [.. name]);
            blocks.Add(block.Encode());
        }
        Write(folder, "block", blocks);

        var answer = new byte[65535];
        var context = new QueryContext();
        var snapshot = new ZoneSnapshot(zones.Select(z => ZoneBuilder.Build(z.Origin!, z.Records)));
        var responses = new List<byte[]>();
        foreach (var query in queries.Take(40))
        {
            int length = QueryProcessor.Process(query, answer, snapshot, context);
            if (length > 0)
                responses.Add(answer[..length]);
        }
        Write(folder, "message", responses);
        // An upstream's replies: the same responses, their header flags as a server sends them; the target
        // splices the question in when the first octet is even, so both forms are seeds.
        Write(folder, "upstream", [.. responses.Select(r => WithFirstOctet([.. r.AsSpan(0, 12), .. AfterQuestion(r)], 0)), .. responses.Take(5).Select(r => WithFirstOctet(r, 1))]);

        Write(folder, "control", ControlFrames(zones.First(z => z.Records.Any(r => r.Type == RecordType.A))));

        // Transfers of each zone: AXFR, IXFR from the serial before (the target's journal) and from one it
        // does not hold, signed with the targets' key and unsigned.
        var transfers = new List<byte[]>();
        foreach (var zone in zones)
        {
            uint serial = SoaSerial.Read(zone.Records.First(r => r.Type == RecordType.SOA).Data);
            transfers.Add(Query(zone.Origin!, RecordType.AXFR, edns: null));
            transfers.Add(Ixfr(zone.Origin!, serial - 1));
            transfers.Add(Signed(Ixfr(zone.Origin!, serial + 5)));
        }
        transfers.Add(Signed(Query(zones[0].Origin!, RecordType.AXFR, edns: 1232)));
        Write(folder, "transfer", transfers);
        Write(folder, "transferin", TransfersIn(snapshot));
        Write(folder, "tsig", [.. queries.Take(8), .. queries.Take(4).Select(Signed), .. transfers.Take(3)]);
        // Edits as the journal target reads them: three bytes each (operation, name, value).
        Write(folder, "journal", [[1, 0, 1, 1, 1, 2, 2, 0, 1], [1, 3, 0x41, 1, 3, 0x81, 0, 0, 0, 6, 3, 0, 3, 4, 4], [.. Enumerable.Range(0, 60).Select(i => (byte)(i * 37))]]);
    }

    // Our primary's answers as the transferin target reads them: flags (IXFR, signed), the serial held, the
    // framed messages. AXFR, IXFR through the transfer target's journal, IXFR of a current secondary, and signed.
    private static IEnumerable<byte[]> TransfersIn(ZoneSnapshot snapshot)
    {
        var buffer = new byte[Transfer.TransferWriter.MaxMessage];
        byte[] Run(Zone zone, byte[] request, byte flags, uint held)
        {
            var signer = (flags & 2) == 0 ? null : new Tsig.TsigSigner(Targets.FuzzKey.Value.Value, new byte[32]);
            var writer = Transfer.TransferRequest.Read(request)!.Writer(zone, () => TransferTarget.Journal(zone), out _, signer?.Reserve ?? 0);
            var input = new List<byte> { flags, (byte)(held >> 24), (byte)(held >> 16), (byte)(held >> 8), (byte)held };
            for (int length; (length = writer.WriteNext(buffer)) > 0;)
            {
                length = signer?.Sign(buffer, length, timeSigned: TransferReaderTarget.SignedAt) ?? length;
                input.AddRange([(byte)(length >> 8), (byte)length, .. buffer.AsSpan(0, length)]);
            }
            return [.. input];
        }
        foreach (var zone in snapshot.Zones.Take(6))
        {
            yield return Run(zone, Query(zone.Origin, RecordType.AXFR, edns: null), 0, 0);
            yield return Run(zone, Ixfr(zone.Origin, zone.Serial - 1), 1, zone.Serial - 1);
            yield return Run(zone, Ixfr(zone.Origin, zone.Serial), 1, zone.Serial);
        }
        var signed = snapshot.Zones[0];
        yield return Run(signed, Query(signed.Origin, RecordType.AXFR, edns: null), 2, 0);
        yield return Run(signed, Ixfr(signed.Origin, signed.Serial - 1), 3, signed.Serial - 1);
    }

    // An IXFR query with the client's SOA in the authority section (RFC 1995 3).
    private static byte[] Ixfr(byte[] zone, uint serial)
    {
        var query = Query(zone, RecordType.IXFR, edns: null).ToList();
        query[9] = 1;
        query.AddRange([0xC0, 12, 0, (byte)RecordType.SOA, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0]);
        query.AddRange([(byte)(serial >> 24), (byte)(serial >> 16), (byte)(serial >> 8), (byte)serial]);
        query.AddRange(new byte[16]);
        return [.. query];
    }

    private static byte[] Signed(byte[] message)
    {
        var buffer = new byte[message.Length + 512];
        message.CopyTo(buffer, 0);
        int length = Tsig.TsigMessage.Sign(buffer, message.Length, Targets.FuzzKey.Value.Value, [], timersOnly: false, 1_000_000, out _);
        return buffer[..length];
    }

    // Every kind of request the CLI sends, a reply, and frames the server must refuse, each length-prefixed.
    private static IEnumerable<byte[]> ControlFrames(MasterFile zone)
    {
        var origin = zone.Origin!;
        var records = zone.Records.Select(Control.WireRecord.From).ToList();
        var www = zone.Records.First(r => r.Type == RecordType.A);
        Control.ControlRequest[] requests =
        [
            new() { Command = Control.ControlCommand.ZoneImport, Zones = [new Control.WireZone(origin, records)], Replace = true },
            new() { Command = Control.ControlCommand.ZoneEdit, Zones = [new Control.WireZone(origin, records)], Serial = 1 },
            new() { Command = Control.ControlCommand.RecordAdd, Name = www.Owner, Type = www.Type, Data = www.Data, Ttl = 60 },
            new() { Command = Control.ControlCommand.Apply, Edits = [Control.WireEdit.From(RecordEdit.Set(www.Owner, www.Type, [www.Data], 30, "stdin:1")), Control.WireEdit.From(RecordEdit.Remove(www.Owner, null, null))] },
            new() { Command = Control.ControlCommand.ZoneAdd, Name = origin, NameServers = [origin], Admin = origin, Ttl = 300 },
            new() { Command = Control.ControlCommand.ZoneSoa, Name = origin, Soa = new SoaFields(origin, null, 1, 2, 3, 4, 5) },
            new() { Command = Control.ControlCommand.ZoneSerial, Name = origin, Policy = "unixtime", Bump = true },
            new() { Command = Control.ControlCommand.Status },
            new() { Command = Control.ControlCommand.ZoneList, Version = 99 },
        ];
        foreach (var request in requests)
            yield return Framed(Control.ControlProtocol.Encode(request));
        yield return Framed(Control.ControlProtocol.Encode(new Control.ControlReply { Records = records, Changes = [1, 0], Error = "store", Messages = ["a refusal"] }));
        yield return Framed("{\"version\":1,\"command\":\"record add\",\"name\":\"wA==\",\"type\":1,\"data\":\"AAAA\"}"u8.ToArray());
        yield return [0, 0, 0, 9, (byte)'{'];
    }

    private static byte[] Framed(byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    private static readonly string[] Snippets =
    [
        "$ORIGIN example.test.\n$TTL 1h\n@ IN SOA ns h ( 1 2 3 4 5 )\n@ NS ns\nns A 192.0.2.1\n",
        "$ORIGIN e.\n@ 60 IN SOA ns h 1 2 3 4 5\nx 60 IN TXT \"a\\\"b\" \"\\065\\.\" ; comment\n",
        "$ORIGIN e.\n@ 60 IN SOA ns h 1 2 3 4 5\ny 60 IN TYPE65280 \\# 2 ABCD\nz 60 IN CAA 0 issue \"ca.example\"\n",
        "$ORIGIN e.\n@ 60 IN SOA ns h 1 2 3 4 5\n*.w 60 IN AAAA 2001:db8::1\n_s._udp 60 IN SRV 0 0 53 ns\nd 60 IN DNAME x.\n",
    ];

    private static IEnumerable<byte[]> Hostile(byte[] valid)
    {
        for (byte offset = 0; offset < 12; offset++)
            yield return [.. valid[..12], 0xC0, offset, 0, 1, 0, 1];
        yield return [.. valid[..12], 1, (byte)'a', 0xC0, 0x0C, 0, 1, 0, 1];
        yield return [.. valid[..12], 64, .. new byte[64], 0, 0, 1, 0, 1];
        yield return valid[..7];
        yield return valid[..^3];
        var twoOpts = Query([3, (byte)'w', (byte)'w', (byte)'w', 0], RecordType.A, edns: 1232).ToList();
        twoOpts.AddRange(twoOpts[^11..]);
        twoOpts[11] = 2;
        yield return [.. twoOpts];
        var cookie = Query([3, (byte)'w', (byte)'w', (byte)'w', 0], RecordType.A, edns: 1232);
        cookie[^1] = 28;
        yield return [.. cookie, 0, 10, 0, 24, .. new byte[24]]; // a client cookie and a (wrong) server cookie
        var badVersion = Query([0], RecordType.SOA, edns: 4096);
        badVersion[^6] = 1;
        yield return badVersion;
    }

    private static byte[] Query(byte[] name, ushort type, ushort? edns)
    {
        var message = new byte[12 + name.Length + 4 + (edns is null ? 0 : 11)];
        BinaryPrimitives.WriteUInt16BigEndian(message, 0x1234);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(10), (ushort)(edns is null ? 0 : 1));
        name.CopyTo(message, 12);
        int p = 12 + name.Length;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(p), type);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(p + 2), DnsClass.IN);
        if (edns is { } payload)
        {
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(p + 5), RecordType.OPT);
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(p + 7), payload);
        }
        return message;
    }

    // The sections of a message after its one question.
    private static byte[] AfterQuestion(byte[] message)
    {
        int at = 12;
        while (message[at] != 0)
            at += 1 + message[at];
        return message[(at + 5)..];
    }

    private static byte[] WithFirstOctet(byte[] message, byte value)
    {
        var copy = (byte[])message.Clone();
        copy[0] = value;
        return copy;
    }

    private static void Write(string folder, string target, IEnumerable<byte[]> inputs)
    {
        var dir = Directory.CreateDirectory(Path.Combine(folder, target)).FullName;
        int n = 0;
        foreach (var input in inputs)
            File.WriteAllBytes(Path.Combine(dir, $"seed-{n++:D4}"), input);
    }
}
