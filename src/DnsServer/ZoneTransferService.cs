using System.Buffers.Binary;
using System.Diagnostics;
using MiniDns.Storage;
using MiniDns.Transfer;
using MiniDns.Tsig;
using MiniDns.Wire;
using MiniDns.Zones;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// Zone transfers out, to the clients <c>--allow-transfer</c> names: by network, or by TSIG key (RFC 8945),
/// whose requests must be signed with it; everyone else hears REFUSED, as before. Over TCP, AXFR gets the
/// whole zone from the snapshot current when asked; IXFR the differences from the client's serial out of the
/// journal, our SOA alone when the client is current, or the whole zone when the journal does not reach back
/// to its serial. Over UDP, AXFR is NOTIMP, as NSD and Knot answer it, and IXFR gets our SOA when the client
/// is current, else an empty TC=1 reply that sends it to TCP (RFC 1995 2). A zone we do not serve is NOTAUTH
/// for an allowed client. A signed request is answered signed, every message of it; one whose key, MAC or
/// time is wrong gets NOTAUTH with BADKEY, BADSIG or BADTIME, and nothing of the zone.
/// </summary>
public sealed class ZoneTransferService(NetworkList networks, IReadOnlyList<byte[]> keyNames, ZoneStore store, ILogger log)
{
    private long _transfers, _refused;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _lastOut = new(StringComparer.Ordinal);

    /// <summary>The zone's last transfer out, as a line for <c>minidns zone status</c>; null when there was none since the start.</summary>
    public string? LastTransferOf(ReadOnlySpan<byte> zone) => _lastOut.TryGetValue(NameText.Format(zone), out var line) ? line : null;

    public long TransfersOut => Interlocked.Read(ref _transfers);
    public long Refused => Interlocked.Read(ref _refused);

    // What a request comes to before any record is sent: the zone to send (and the signer of its messages),
    // or a response already written.
    private readonly record struct Decision(Zone? Zone, TransferRequest? Request, TsigSigner? Signer, int Written);

    /// <summary>The response to a transfer asked over UDP, written into <paramref name="response"/> (sliced to the client's limit).</summary>
    public int AnswerUdp(ReadOnlySpan<byte> request, Span<byte> response, ZoneSnapshot snapshot, ReadOnlySpan<byte> clientAddress)
    {
        var decision = Decide(request, response, snapshot, clientAddress, "udp");
        if (decision.Zone is not { } zone)
            return decision.Written;
        var transfer = decision.Request!;
        int reserve = decision.Signer?.Reserve ?? 0;
        int length;
        if (transfer.Type == RecordType.AXFR)
            length = transfer.WriteEmpty(response, ResponseCode.NotImp);
        else if (!transfer.IsCurrent(zone) || (length = transfer.Writer(zone, () => [], out _, reserve).WriteNext(response)) <= 0)
            length = transfer.WriteEmpty(response, ResponseCode.NoError, truncated: true);
        return decision.Signer is { } signer ? signer.Sign(response, length) : length;
    }

    /// <summary>
    /// Answers a transfer asked over TCP, message by message through the connection's sender; the buffer
    /// holds a framed message (2 + 65,535 bytes).
    /// </summary>
    public async Task AnswerTcpAsync(byte[] request, Memory<byte> buffer, ZoneSnapshot snapshot, byte[] clientAddress, TcpReplies replies, string client)
    {
        var decision = Decide(request, buffer.Span[2..], snapshot, clientAddress, client);
        if (decision.Zone is not { } zone)
        {
            await SendAsync(buffer, decision.Written, replies);
            return;
        }
        var transfer = decision.Request!;
        var signer = decision.Signer;
        var clock = Stopwatch.StartNew();
        var writer = transfer.Writer(zone, () => store.ReadJournal(zone.Origin), out string kind, signer?.Reserve ?? 0);
        while (true)
        {
            int length = writer.WriteNext(buffer.Span[2..]);
            if (length == 0)
                break;
            if (length < 0)
            {
                log.Error("Transfer of {Zone} to {Client} failed: a record does not fit in a message", NameText.Format(zone.Origin), client);
                length = transfer.WriteEmpty(buffer.Span[2..], ResponseCode.ServFail);
                await SendAsync(buffer, signer?.Sign(buffer.Span[2..], length) ?? length, replies);
                return;
            }
            await SendAsync(buffer, signer?.Sign(buffer.Span[2..], length) ?? length, replies);
        }
        Interlocked.Increment(ref _transfers);
        _lastOut[NameText.Format(zone.Origin)] = $"last transfer out: {RecordType.ToText(transfer.Type)} ({kind}) of serial {zone.Serial} to {client}"
            + $"{(signer is null ? "" : ", key " + NameText.Format(signer.Key.Name))}, {writer.Records} records, at {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}";
        log.Information("{Type} of {Zone} serial {Serial} to {Client} ({Kind}{Key}): {Records} records in {Messages} messages, {Elapsed:0} ms",
            RecordType.ToText(transfer.Type), NameText.Format(zone.Origin), zone.Serial, client, kind,
            signer is null ? "" : ", key " + NameText.Format(signer.Key.Name), writer.Records, writer.Messages, clock.Elapsed.TotalMilliseconds);
    }

    private Decision Decide(ReadOnlySpan<byte> request, Span<byte> response, ZoneSnapshot snapshot, ReadOnlySpan<byte> clientAddress, string client)
    {
        bool signed = TsigMessage.TryFind(request, out var tsig, out bool malformed);
        if (malformed || TransferRequest.Read(request) is not { } transfer)
            return new Decision(null, null, null, ResponseWriter.WriteHeaderOnly(request, ResponseCode.FormErr, response));
        TsigSigner? signer = null;
        if (signed)
        {
            long now = TsigMessage.Now();
            var error = TsigMessage.VerifyRequest(request, tsig, store.ReadKeys(), now, out var key);
            if (error != TsigError.NoError)
            {
                Interlocked.Increment(ref _refused);
                log.Information("Transfer of {Zone} to {Client} refused: {Error} for key {Key}", NameText.Format(transfer.Zone), client, error, NameText.Format(tsig.KeyName));
                int length = transfer.WriteEmpty(response, ResponseCode.NotAuth);
                if (error != TsigError.BadTime)
                    return new Decision(null, null, null, TsigMessage.AppendUnsigned(response, length, tsig, error, now));
                // RFC 8945 5.2.3: BADTIME is signed, with the request's time and ours in the other data.
                Span<byte> ours = stackalloc byte[6];
                TsigMessage.WriteTime(ours, now);
                return new Decision(null, null, null, new TsigSigner(key!, tsig.Mac).Sign(response, length, error, ours, tsig.TimeSigned));
            }
            signer = new TsigSigner(key!, tsig.Mac);
        }
        bool allowed = networks.Contains(clientAddress) || signer is not null && keyNames.Any(k => k.AsSpan().SequenceEqual(signer.Key.Name));
        if (!allowed || snapshot.FindZone(transfer.Zone) is not { } zone || !zone.Origin.AsSpan().SequenceEqual(transfer.Zone))
        {
            // A client not allowed hears REFUSED whether we serve the zone or not: it learns nothing of which we hold.
            var rcode = allowed ? ResponseCode.NotAuth : ResponseCode.Refused;
            if (!allowed)
            {
                Interlocked.Increment(ref _refused);
                log.Debug("Transfer of {Zone} to {Client} refused: not in --allow-transfer", NameText.Format(transfer.Zone), client);
            }
            int length = transfer.WriteEmpty(response, rcode);
            return new Decision(null, null, null, signer?.Sign(response, length) ?? length);
        }
        if (zone.Unavailable)
        {
            // A secondary zone not transferred yet, or expired: nothing current to give.
            int length = transfer.WriteEmpty(response, ResponseCode.ServFail);
            return new Decision(null, null, null, signer?.Sign(response, length) ?? length);
        }
        return new Decision(zone, transfer, signer, 0);
    }

    private static async Task SendAsync(Memory<byte> buffer, int length, TcpReplies replies)
    {
        if (length <= 0)
            return;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.Span, (ushort)length);
        await replies.SendAsync(buffer[..(2 + length)]);
    }
}
