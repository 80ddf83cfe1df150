using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using MiniDns.Transfer;
using MiniDns.Wire;
using MiniDns.Zones;
using Serilog;

namespace MiniDns.Server;

/// <summary>
/// Zone transfers out, to the clients in <c>--allow-transfer</c> (none by default: REFUSED, as before).
/// Over TCP, AXFR gets the whole zone from the snapshot current when asked; IXFR the differences from the
/// client's serial out of the journal, our SOA alone when the client is current, or the whole zone when the
/// journal does not reach back to its serial. Over UDP, AXFR is NOTIMP, as NSD and Knot answer it, and IXFR gets our SOA
/// when the client is current, else an empty TC=1 reply that sends it to TCP (RFC 1995 2). A zone we do not
/// serve is NOTAUTH for an allowed client; everyone else hears REFUSED whether we serve it or not.
/// </summary>
public sealed class ZoneTransferService(NetworkList allowed, Storage.ZoneStore store, ILogger log)
{
    private long _transfers, _refused;

    public long TransfersOut => Interlocked.Read(ref _transfers);
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>The response to a transfer asked over UDP, written into <paramref name="response"/> (sliced to the client's limit).</summary>
    public int AnswerUdp(ReadOnlySpan<byte> request, Span<byte> response, ZoneSnapshot snapshot, ReadOnlySpan<byte> clientAddress)
    {
        if (TransferRequest.Read(request) is not { } transfer)
            return ResponseWriter.WriteHeaderOnly(request, ResponseCode.FormErr, response);
        if (Decide(transfer, snapshot, clientAddress) is not { } zone)
            return transfer.WriteEmpty(response, Refusal(transfer, clientAddress));
        if (transfer.Type == RecordType.AXFR)
            return transfer.WriteEmpty(response, ResponseCode.NotImp);
        if (!transfer.IsCurrent(zone))
            return transfer.WriteEmpty(response, ResponseCode.NoError, truncated: true);
        int length = transfer.Writer(zone, () => [], out _).WriteNext(response);
        return length > 0 ? length : transfer.WriteEmpty(response, ResponseCode.NoError, truncated: true);
    }

    /// <summary>
    /// Answers a transfer asked over TCP, message by message through the connection's sender; the buffer
    /// holds a framed message (2 + 65,535 bytes).
    /// </summary>
    public async Task AnswerTcpAsync(byte[] request, Memory<byte> buffer, ZoneSnapshot snapshot, byte[] clientAddress, TcpReplies replies, string client)
    {
        var transfer = TransferRequest.Read(request);
        if (transfer is null)
        {
            await SendAsync(buffer, ResponseWriter.WriteHeaderOnly(request, ResponseCode.FormErr, buffer.Span[2..]), replies);
            return;
        }
        if (Decide(transfer, snapshot, clientAddress) is not { } zone)
        {
            await SendAsync(buffer, transfer.WriteEmpty(buffer.Span[2..], Refusal(transfer, clientAddress)), replies);
            return;
        }
        var clock = Stopwatch.StartNew();
        var writer = transfer.Writer(zone, () => store.ReadJournal(zone.Origin), out string kind);
        while (true)
        {
            int length = writer.WriteNext(buffer.Span[2..]);
            if (length == 0)
                break;
            if (length < 0)
            {
                log.Error("Transfer of {Zone} to {Client} failed: a record does not fit in a message", NameText.Format(zone.Origin), client);
                await SendAsync(buffer, transfer.WriteEmpty(buffer.Span[2..], ResponseCode.ServFail), replies);
                return;
            }
            await SendAsync(buffer, length, replies);
        }
        Interlocked.Increment(ref _transfers);
        log.Information("{Type} of {Zone} serial {Serial} to {Client} ({Kind}): {Records} records in {Messages} messages, {Elapsed:0} ms",
            RecordType.ToText(transfer.Type), NameText.Format(zone.Origin), zone.Serial, client, kind, writer.Records, writer.Messages, clock.Elapsed.TotalMilliseconds);
    }

    // The zone to transfer, or null when the answer is a refusal.
    private Zone? Decide(TransferRequest transfer, ZoneSnapshot snapshot, ReadOnlySpan<byte> clientAddress) =>
        allowed.Contains(clientAddress) && snapshot.FindZone(transfer.Zone) is { } zone && zone.Origin.AsSpan().SequenceEqual(transfer.Zone) ? zone : null;

    private ResponseCode Refusal(TransferRequest transfer, ReadOnlySpan<byte> clientAddress)
    {
        if (!allowed.Contains(clientAddress))
        {
            Interlocked.Increment(ref _refused);
            log.Debug("Transfer of {Zone} refused: the client is not in --allow-transfer", NameText.Format(transfer.Zone));
            return ResponseCode.Refused;
        }
        return ResponseCode.NotAuth;
    }

    private static async Task SendAsync(Memory<byte> buffer, int length, TcpReplies replies)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer.Span, (ushort)length);
        await replies.SendAsync(buffer[..(2 + length)]);
    }
}
