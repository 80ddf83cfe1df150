using System.Buffers.Binary;
using System.Text.Json;

namespace MiniDns.Control;

/// <summary>
/// The control channel's framing, as DNS over TCP frames messages: a 4-byte big-endian length, then that
/// many bytes of one JSON document (<see cref="ControlJson"/>, generated serializers for the native build).
/// A frame longer than <see cref="MaxFrame"/> is refused before it is read: 64 MiB holds a 200,000-name
/// import with room to spare.
/// </summary>
public static class ControlProtocol
{
    /// <summary>Bumped when a request or reply changes shape; both sides refuse another version.</summary>
    public const int Version = 1;

    public const int MaxFrame = 64 << 20;

    /// <summary>The control socket's default path: beside the store.</summary>
    public static string DefaultPath(string database) => Path.GetFullPath(database) + ".ctl";

    /// <summary>Reads one frame; null when the peer closed the connection between frames.</summary>
    /// <summary>
    /// Reads one frame; null at a clean end of the stream. <paramref name="beforeBody"/> hears the announced length
    /// before the body is read, and may wait (the server bounds how many large frames it holds at once); when it
    /// says true, the body's room is taken at once rather than grown as the bytes come.
    /// </summary>
    public static async Task<byte[]?> ReadFrameAsync(Stream stream, CancellationToken cancel, Func<uint, CancellationToken, Task<bool>>? beforeBody = null)
    {
        var prefix = new byte[4];
        int got = await stream.ReadAtLeastAsync(prefix, 4, throwOnEndOfStream: false, cancel);
        if (got == 0)
            return null;
        if (got < 4)
            throw new ControlProtocolException("the connection closed inside a frame's length");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (length > MaxFrame)
            throw new ControlProtocolException($"a frame of {length} bytes is over the limit of {MaxFrame}");
        bool whole = beforeBody is not null && await beforeBody(length, cancel);
        // Grown as the bytes arrive, not allocated as announced: a peer that announces 64 MiB and stalls
        // holds only what it sent. Doubling leaves garbage as large as the frame, so a caller that bounds how
        // many large frames are read at once takes the room whole.
        var body = new byte[whole ? length : Math.Min(length, 64 * 1024)];
        int filled = 0;
        while (filled < length)
        {
            if (filled == body.Length)
                Array.Resize(ref body, (int)Math.Min(length, (long)body.Length * 2));
            int read = await stream.ReadAsync(body.AsMemory(filled), cancel);
            if (read == 0)
                throw new ControlProtocolException("the connection closed inside a frame");
            filled += read;
        }
        return body;
    }

    public static async Task WriteFrameAsync(Stream stream, byte[] body, CancellationToken cancel)
    {
        if (body.Length > MaxFrame)
            throw new ControlProtocolException($"a frame of {body.Length} bytes is over the limit of {MaxFrame}");
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, (uint)body.Length);
        await stream.WriteAsync(prefix, cancel);
        await stream.WriteAsync(body, cancel);
        await stream.FlushAsync(cancel);
    }

    public static byte[] Encode(ControlRequest request) => JsonSerializer.SerializeToUtf8Bytes(request, ControlJson.Default.ControlRequest);

    public static byte[] Encode(ControlReply reply) => JsonSerializer.SerializeToUtf8Bytes(reply, ControlJson.Default.ControlReply);

    public static ControlRequest DecodeRequest(byte[] frame) =>
        Decode(frame, ControlJson.Default.ControlRequest) is { Version: Version } request ? request
            : throw new ControlProtocolException($"the request is not of control protocol version {Version}: use the minidns of the server's release");

    public static ControlReply DecodeReply(byte[] frame) =>
        Decode(frame, ControlJson.Default.ControlReply) is { Version: Version } reply ? reply
            : throw new ControlProtocolException($"the server's reply is not of control protocol version {Version}: use the minidns of the server's release");

    private static T? Decode<T>(byte[] frame, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> shape)
    {
        try
        {
            return JsonSerializer.Deserialize(frame, shape);
        }
        catch (JsonException e)
        {
            throw new ControlProtocolException($"the frame is not a control message: {e.Message}");
        }
    }
}
