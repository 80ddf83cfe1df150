using System.Buffers.Binary;

namespace MiniDns.Wire;

/// <summary>
/// Record data in its canonical stored form: uncompressed wire bytes. Converts from a received message
/// (decompressing names) and to an outgoing one (compressing the names RFC 1035 types allow), and checks
/// that data matches its type's layout.
/// </summary>
public static class RdataCodec
{
    /// <summary>
    /// Reads <paramref name="length"/> octets of record data at <paramref name="start"/> in a message,
    /// expanding compressed names; false when the data does not fit its type's layout exactly.
    /// </summary>
    public static bool TryReadFromMessage(ushort type, ReadOnlySpan<byte> message, int start, int length, out byte[] rdata)
    {
        rdata = [];
        if (start + length > message.Length)
            return false;
        var fields = RecordLayout.Of(type);
        if (fields is null || !RecordLayout.HasNames(type))
        {
            rdata = message.Slice(start, length).ToArray();
            return fields is null || IsValid(type, rdata);
        }
        Span<byte> output = stackalloc byte[length + fields.Length * DnsName.MaxLength];
        Span<byte> name = stackalloc byte[DnsName.MaxLength];
        int p = start, end = start + length, w = 0;
        foreach (var field in fields)
        {
            if (field is RdataField.Name or RdataField.CompressibleName)
            {
                // A name's pointers may reach back before the record data, but its labels must end inside it.
                if (!DnsName.TryRead(message[..end], ref p, name, out int nameLength))
                    return false;
                name[..nameLength].CopyTo(output[w..]);
                w += nameLength;
                continue;
            }
            int size = FieldSize(field, message[p..end]);
            if (size < 0)
                return false;
            message.Slice(p, size).CopyTo(output[w..]);
            p += size;
            w += size;
        }
        if (p != end)
            return false;
        rdata = output[..w].ToArray();
        return true;
    }

    /// <summary>True when <paramref name="rdata"/> is exactly one instance of its type's layout (opaque types always are).</summary>
    public static bool IsValid(ushort type, ReadOnlySpan<byte> rdata)
    {
        var fields = RecordLayout.Of(type);
        if (fields is null)
            return rdata.Length <= ushort.MaxValue;
        int p = 0;
        foreach (var field in fields)
        {
            int size = FieldSize(field, rdata[p..]);
            if (size < 0)
                return false;
            p += size;
        }
        return p == rdata.Length;
    }

    /// <summary>Writes stored record data into a message, compressing the names its type allows.</summary>
    public static void WriteToMessage(ushort type, ReadOnlySpan<byte> rdata, ref MessageWriter writer)
    {
        var fields = RecordLayout.Of(type);
        if (fields is null || !fields.Contains(RdataField.CompressibleName))
        {
            writer.WriteBytes(rdata);
            return;
        }
        int p = 0;
        foreach (var field in fields)
        {
            int size = FieldSize(field, rdata[p..]);
            if (field == RdataField.CompressibleName)
                writer.WriteName(rdata.Slice(p, size), compress: true);
            else
                writer.WriteBytes(rdata.Slice(p, size));
            p += size;
        }
    }

    /// <summary>Size of the field at the start of <paramref name="data"/>, or -1 when it does not fit.</summary>
    internal static int FieldSize(RdataField field, ReadOnlySpan<byte> data) => field switch
    {
        RdataField.U8 => data.Length >= 1 ? 1 : -1,
        RdataField.U16 => data.Length >= 2 ? 2 : -1,
        RdataField.U32 or RdataField.IPv4 => data.Length >= 4 ? 4 : -1,
        RdataField.IPv6 => data.Length >= 16 ? 16 : -1,
        RdataField.Name or RdataField.CompressibleName => DnsName.MeasureUncompressed(data),
        RdataField.CharString or RdataField.Tag => data.Length >= 1 && data.Length >= 1 + data[0] ? 1 + data[0] : -1,
        RdataField.CharStrings => CharStringsSize(data),
        RdataField.QuotedRest or RdataField.HexRest => data.Length,
        _ => -1,
    };

    private static int CharStringsSize(ReadOnlySpan<byte> data)
    {
        int p = 0;
        while (p < data.Length)
        {
            if (p + 1 + data[p] > data.Length)
                return -1;
            p += 1 + data[p];
        }
        return data.Length == 0 ? -1 : p;
    }

    /// <summary>The 32-bit number at the given field of an SOA-like record.</summary>
    public static uint ReadU32(ReadOnlySpan<byte> rdata, int offset) => BinaryPrimitives.ReadUInt32BigEndian(rdata[offset..]);
}
