using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using MiniDns.Transfer;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Tests.Support;

/// <summary>
/// A primary that answers each transfer request over TCP as its script says: the whole zone of a master
/// file, differences, or a trickle (the SOA, then one record every few seconds, never the end). It counts
/// what it was asked. For the secondary's tests against a primary that misbehaves.
/// </summary>
public sealed class ScriptedPrimary : IAsyncDisposable
{
    /// <summary>How the primary answers: given the request's type (AXFR or IXFR), the messages' records, or null to trickle.</summary>
    public Func<ushort, IReadOnlyList<ZoneRecord>?> Answer { get; set; } = _ => null;

    /// <summary>Sends the start of a message and then nothing more, holding the connection open.</summary>
    public bool Stalls { get; init; }

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _axfr, _ixfr;

    public ScriptedPrimary(IPAddress address)
    {
        _listener = new TcpListener(address, 0);
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;
    public int AxfrAsked => Volatile.Read(ref _axfr);
    public int IxfrAsked => Volatile.Read(ref _ixfr);

    /// <summary>A zone's records as a master file gives them, its SOA first, for a whole transfer.</summary>
    public static IReadOnlyList<ZoneRecord> Whole(string zoneText)
    {
        var records = MasterFileParser.Parse(zoneText, "scripted.zone").Records;
        var soa = records.Single(r => r.Type == RecordType.SOA);
        return [soa, .. records.Where(r => r.Type != RecordType.SOA), soa];
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                var prefix = new byte[2];
                await client.ReceiveAsync(prefix, _stop.Token);
                var request = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                for (int read = 0; read < request.Length;)
                    read += await client.ReceiveAsync(request.AsMemory(read), _stop.Token);
                int nameEnd = HeaderFlags.HeaderLength;
                while (request[nameEnd] != 0)
                    nameEnd += 1 + request[nameEnd];
                var question = request[HeaderFlags.HeaderLength..(nameEnd + 5)];
                ushort type = BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(nameEnd + 1));
                Interlocked.Increment(ref type == RecordType.AXFR ? ref _axfr : ref _ixfr);
                ushort id = BinaryPrimitives.ReadUInt16BigEndian(request);
                if (Stalls)
                {
                    await client.SendAsync(new byte[] { 0, 100, (byte)(id >> 8), (byte)id });
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
                if (Answer(type) is { } records)
                {
                    await SendAsync(client, records, id, question);
                    return;
                }
                // A trickle: the opening SOA, then one record every 3 s, until the secondary gives up.
                var origin = question[..(nameEnd - HeaderFlags.HeaderLength + 1)];
                var soa = MasterFileParser.Parse("@ 60 IN SOA ns1 hostmaster 1 2 2 6 60\n", "trickle.zone", origin).Records;
                await SendAsync(client, soa, id, question);
                for (int i = 0; i < 1000 && !_stop.IsCancellationRequested; i++)
                {
                    await Task.Delay(3000, _stop.Token);
                    await client.SendAsync(OneRecordMessage(id, WireName.Name($"t{i}.{NameText.Format(origin)}")));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The secondary hung up, or the test ended.
            }
        }
    }

    // A later message of a transfer, framed: no question, one A record.
    private static byte[] OneRecordMessage(ushort id, byte[] owner)
    {
        var message = new byte[2 + HeaderFlags.HeaderLength + owner.Length + 14];
        var span = message.AsSpan(2);
        BinaryPrimitives.WriteUInt16BigEndian(message, (ushort)span.Length);
        BinaryPrimitives.WriteUInt16BigEndian(span, id);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)(HeaderFlags.QR | HeaderFlags.AA));
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], 1);
        owner.CopyTo(span[HeaderFlags.HeaderLength..]);
        var rest = span[(HeaderFlags.HeaderLength + owner.Length)..];
        BinaryPrimitives.WriteUInt16BigEndian(rest, RecordType.A);
        BinaryPrimitives.WriteUInt16BigEndian(rest[2..], DnsClass.IN);
        BinaryPrimitives.WriteUInt32BigEndian(rest[4..], 60);
        BinaryPrimitives.WriteUInt16BigEndian(rest[8..], 4);
        rest[10] = 10;
        rest[13] = 1;
        return message;
    }

    private static async Task SendAsync(Socket client, IReadOnlyList<ZoneRecord> records, ushort id, byte[] question)
    {
        var writer = new TransferWriter(records.Select(r => new TransferRecord(r.Owner, r.Type, r.Ttl, r.Data)), id, 0, question);
        var buffer = new byte[2 + TransferWriter.MaxMessage];
        for (int length; (length = writer.WriteNext(buffer.AsSpan(2))) > 0;)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)length);
            await client.SendAsync(buffer.AsMemory(0, 2 + length));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
