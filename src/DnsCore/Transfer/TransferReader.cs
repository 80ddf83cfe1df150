using MiniDns.Tsig;
using MiniDns.Wire;
using MiniDns.Zones;

namespace MiniDns.Transfer;

/// <summary>What a transfer in brought (<see cref="TransferReader"/>).</summary>
public enum TransferKind
{
    /// <summary>IXFR answered with the primary's SOA alone: we hold its serial, or a newer one.</summary>
    UpToDate,
    /// <summary>The whole zone (AXFR, or IXFR answered AXFR style).</summary>
    Whole,
    /// <summary>IXFR differences, version by version.</summary>
    Incremental,
}

/// <summary>One version's differences in an IXFR: the records removed and added, each list starting with the version's SOA.</summary>
public sealed record TransferStep(uint From, uint To, IReadOnlyList<ZoneRecord> Removed, IReadOnlyList<ZoneRecord> Added);

/// <summary>A transfer in the primary sent that cannot be taken; nothing of it is stored.</summary>
public sealed class TransferRefusedException(string message, ResponseCode? rcode = null) : Exception(message)
{
    /// <summary>The primary's rcode, when it refused the transfer itself (NOTIMP, FORMERR: IXFR falls back to AXFR).</summary>
    public ResponseCode? Rcode { get; } = rcode;
}

/// <summary>
/// Reads a transfer in, message by message, as a secondary must (RFC 5936 2.2, RFC 1995 4): every message an
/// answer to our request (QR, our ID, opcode QUERY, NOERROR, no TC, the question ours when it is there); every
/// record of class IN and inside the zone; the first record the zone's SOA (serial N), and the transfer ending
/// with the SOA of serial N as the last record of a message. IXFR differences must chain: the first version
/// starts at the serial we hold, each starts where the one before ended, each moves the serial forward, and
/// the last ends at N. With a TSIG key, the first and last messages must be signed and no more than 99 in a
/// row unsigned (RFC 8945 5.3.1), each MAC chained on the one before. Anything else throws
/// <see cref="TransferRefusedException"/>: the primary's bytes are hostile input like any other.
/// </summary>
public sealed class TransferReader
{
    /// <summary>
    /// The most a transfer may cost by default (<c>--max-transfer-size</c>): about 800,000 records of a usual
    /// size (some 160 bytes each, wire and held), nearly three times a 200,000-name zone. A primary that goes on is refused.
    /// </summary>
    public const long DefaultMaxSize = 128L << 20;

    // What holding one record costs beyond its owner and data: the ZoneRecord, two array headers, the list slot.
    // Counted, not its wire size: a 2-byte compression pointer stands for an owner of up to 255 bytes (found by
    // attack: 104 MB of such records held 2.1 GB).
    private const int RecordOverhead = 96;

    private const int MaxUnsignedInARow = 99;

    private enum Part
    {
        First,        // expecting the opening SOA
        Second,       // after it: an SOA of our serial makes it incremental, anything else whole
        Whole,        // AXFR records until the closing SOA
        Removing,     // an IXFR version's removed records, until its new SOA
        Adding,       // its added records, until the next version's old SOA or the closing SOA
        Done,
    }

    private readonly byte[] _origin;
    private readonly ushort _id;
    private readonly ushort _type;
    private readonly uint? _held;
    private readonly TsigKey? _key;
    private readonly Func<long> _now;
    private byte[] _priorMac;
    private bool _signedOnce;
    private int _unsignedInARow;
    private readonly List<byte> _unsigned = [];
    private readonly long _maxSize;
    private long _bytes, _size;
    private int _messages;
    private Part _part = Part.First;
    private uint _serial;
    private readonly List<ZoneRecord> _records = [];
    private readonly List<TransferStep> _steps = [];
    private uint _stepFrom, _stepTo;
    private List<ZoneRecord> _removed = [], _added = [];

    /// <param name="origin">the zone, wire form</param>
    /// <param name="id">the ID of our request</param>
    /// <param name="type">AXFR or IXFR</param>
    /// <param name="held">IXFR: the serial we hold, which the request carried</param>
    /// <param name="key">the TSIG key the request was signed with, and <paramref name="requestMac"/> its MAC</param>
    /// <param name="maxSize">the most the transfer may cost: its messages' bytes, and its records as held here</param>
    public TransferReader(byte[] origin, ushort id, ushort type, uint? held, TsigKey? key = null, byte[]? requestMac = null, Func<long>? now = null,
        long maxSize = DefaultMaxSize)
    {
        _maxSize = maxSize;
        _origin = DnsName.ToLowerCopy(origin);
        (_id, _type, _held, _key) = (id, type, type == RecordType.IXFR ? held : null, key);
        _priorMac = requestMac ?? [];
        _now = now ?? TsigMessage.Now;
    }

    /// <summary>True once the closing SOA has been read: <see cref="Kind"/> and the rest say what came.</summary>
    public bool Done => _part == Part.Done;

    public TransferKind Kind { get; private set; }

    /// <summary>The primary's serial (the first SOA's).</summary>
    public uint Serial => _serial;

    /// <summary>A whole transfer's records, the SOA first and once, owners lower-cased.</summary>
    public IReadOnlyList<ZoneRecord> Records => _records;

    /// <summary>An incremental transfer's versions, oldest first.</summary>
    public IReadOnlyList<TransferStep> Steps => _steps;

    public int Messages => _messages;

    public long Bytes => _bytes;

    /// <summary>Reads the next message of the transfer; true once it is complete.</summary>
    public bool Read(ReadOnlySpan<byte> message)
    {
        if (_part == Part.Done)
            throw new TransferRefusedException("the primary sent a message after the transfer's closing SOA");
        _messages++;
        _bytes += message.Length;
        Cost(message.Length);
        CheckSignature(message);
        if (!MessageReader.TryRead(message, out var parsed, out string error))
            throw new TransferRefusedException($"message {_messages} is malformed: {error}");
        if (!parsed.Has(HeaderFlags.QR) || parsed.Id != _id || (parsed.Flags & HeaderFlags.OpcodeMask) != 0)
            throw new TransferRefusedException($"message {_messages} is not an answer to our request");
        if (parsed.Rcode != ResponseCode.NoError)
            throw new TransferRefusedException($"the primary answered {parsed.Rcode}", parsed.Rcode);
        if (parsed.Has(HeaderFlags.TC))
            throw new TransferRefusedException($"message {_messages} is truncated");
        if (parsed.Questions.Count > 1 || parsed.Questions is [var q] && (!DnsName.EqualsIgnoreCase(q.Name, _origin) || q.Type != _type || q.Class != DnsClass.IN))
            throw new TransferRefusedException($"message {_messages} answers another question");
        if (parsed.Answer.Count == 0)
            throw new TransferRefusedException($"message {_messages} holds no record");
        for (int i = 0; i < parsed.Answer.Count; i++)
        {
            if (_part == Part.Done)
                throw new TransferRefusedException($"message {_messages} goes on after the closing SOA");
            Take(parsed.Answer[i]);
        }
        // IXFR: the SOA alone, of a serial that is not after ours, is the answer to a secondary that is current.
        if (_part == Part.Second && _messages == 1 && parsed.Answer.Count == 1 && _held is { } held && !SoaSerial.IsAfter(_serial, held))
        {
            _part = Part.Done;
            Kind = TransferKind.UpToDate;
        }
        if (_part == Part.Done && _key is not null && _unsignedInARow > 0)
            throw new TransferRefusedException("the transfer's last message is not signed");
        return _part == Part.Done;
    }

    private void Cost(long bytes)
    {
        if ((_size += bytes) > _maxSize)
            throw new TransferRefusedException($"the transfer costs more than the limit of {_maxSize >> 20} MiB (its messages and records as held)");
    }

    private void Take(DnsRecord record)
    {
        if (record.Class != DnsClass.IN)
            throw new TransferRefusedException($"{NameText.Format(record.Owner)} {RecordType.ToText(record.Type)} is not of class IN");
        var owner = DnsName.ToLowerCopy(record.Owner);
        if (!DnsName.IsSubdomainOf(owner, _origin))
            throw new TransferRefusedException($"{NameText.Format(owner)} is outside the zone {NameText.Format(_origin)}");
        if (RecordType.IsQuestionOnly(record.Type) || record.Type == TsigMessage.Type)
            throw new TransferRefusedException($"{NameText.Format(owner)} {RecordType.ToText(record.Type)} cannot be in a zone");
        Cost(owner.Length + record.Data.Length + RecordOverhead);
        var zoneRecord = new ZoneRecord(owner, record.Type, record.Ttl, record.Data);
        bool soa = record.Type == RecordType.SOA;
        if (soa && (owner.Length != _origin.Length || record.Data.Length < 22))
            throw new TransferRefusedException($"an SOA record at {NameText.Format(owner)}, not at the zone's apex");
        uint serial = soa ? SoaSerial.Read(record.Data) : 0;
        switch (_part)
        {
            case Part.First:
                if (!soa)
                    throw new TransferRefusedException("the transfer does not start with the zone's SOA");
                _serial = serial;
                _records.Add(zoneRecord);
                _part = Part.Second;
                break;
            case Part.Second when soa && _held is { } held && serial == held && serial != _serial:
                Kind = TransferKind.Incremental;
                StartVersion(zoneRecord, serial);
                break;
            case Part.Second:
            case Part.Whole:
                if (soa)
                {
                    if (serial != _serial)
                        throw new TransferRefusedException($"the closing SOA has serial {serial}, the opening one {_serial}");
                    Kind = TransferKind.Whole;
                    _part = Part.Done;
                    break;
                }
                _records.Add(zoneRecord);
                _part = Part.Whole;
                break;
            case Part.Removing:
                if (!soa)
                {
                    _removed.Add(zoneRecord);
                    break;
                }
                if (!SoaSerial.IsAfter(serial, _stepFrom))
                    throw new TransferRefusedException($"an IXFR version goes from serial {_stepFrom} to {serial}, which is not after it");
                _stepTo = serial;
                _added.Add(zoneRecord);
                _part = Part.Adding;
                break;
            case Part.Adding:
                if (!soa)
                {
                    _added.Add(zoneRecord);
                    break;
                }
                _steps.Add(new TransferStep(_stepFrom, _stepTo, _removed, _added));
                if (_stepTo == _serial && serial == _serial)
                {
                    _part = Part.Done;
                    break;
                }
                if (serial != _stepTo)
                    throw new TransferRefusedException($"an IXFR version starts at serial {serial}, the one before it ended at {_stepTo}");
                StartVersion(zoneRecord, serial);
                break;
        }
    }

    private void StartVersion(ZoneRecord soa, uint from)
    {
        _stepFrom = from;
        _removed = [soa];
        _added = [];
        _part = Part.Removing;
    }

    // Each message's TSIG, when we signed the request: chained on the MAC before it, with the unsigned messages
    // between them (RFC 8945 5.3.1). Unasked-for signatures are refused too: they mean a primary we did not configure.
    private void CheckSignature(ReadOnlySpan<byte> message)
    {
        bool signed = TsigMessage.TryFind(message, out var tsig, out bool malformed);
        if (malformed)
            throw new TransferRefusedException($"message {_messages} has a malformed TSIG record");
        if (_key is null)
        {
            if (signed)
                throw new TransferRefusedException($"message {_messages} is signed (key {NameText.Format(tsig.KeyName)}), and we asked without a key");
            return;
        }
        if (!signed)
        {
            if (!_signedOnce)
                throw new TransferRefusedException("the primary's first message is not signed (is the key right on both sides?)");
            if (++_unsignedInARow > MaxUnsignedInARow)
                throw new TransferRefusedException($"more than {MaxUnsignedInARow} messages in a row are not signed");
            _unsigned.AddRange(message);
            return;
        }
        if (tsig.Error != 0)
            throw new TransferRefusedException($"the primary refused our signature: {(TsigError)tsig.Error}");
        var result = TsigMessage.VerifyResponse(message, tsig, _key, _priorMac, timersOnly: _signedOnce, _now(), _unsigned.ToArray());
        if (result != TsigError.NoError)
            throw new TransferRefusedException($"message {_messages}'s signature does not verify: {result}");
        _priorMac = tsig.Mac;
        _signedOnce = true;
        _unsignedInARow = 0;
        _unsigned.Clear();
    }
}
