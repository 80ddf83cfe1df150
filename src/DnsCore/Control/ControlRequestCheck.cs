using MiniDns.Wire;

namespace MiniDns.Control;

/// <summary>
/// The CLI sends what its parsers made; anything else on the socket is hostile. Names and record data that
/// are not well-formed wire bytes are refused here, before the store sees them, since the store and the zone
/// builder take them as the CLI's parsers made them. A fuzz target (control) runs frames through it.
/// </summary>
public static class ControlRequestCheck
{
    /// <summary>Throws <see cref="ControlProtocolException"/> for a name, record or edit that is not well-formed wire data.</summary>
    public static void WireForm(ControlRequest r)
    {
        static void Name(byte[]? name, string field)
        {
            if (name is not null && DnsName.MeasureUncompressed(name) != name.Length)
                throw new ControlProtocolException($"'{field}' is not a domain name in wire form");
        }
        static void Record(WireRecord record)
        {
            Name(record.Owner ?? throw Null("owner"), "owner");
            if (record.Data is null || record.Data.Length > ushort.MaxValue || !RdataCodec.IsValid(record.Type, record.Data))
                throw new ControlProtocolException($"record data of type {RecordType.ToText(record.Type)} does not match its type");
        }
        Name(r.Name, "name");
        Name(r.Admin, "admin");
        Name(r.Key, "key");
        Name(r.Soa?.Mname, "mname");
        Name(r.Soa?.Rname, "rname");
        foreach (var ns in r.NameServers ?? [])
            Name(ns ?? throw Null("nameServers"), "nameServers");
        if (r.Data is not null && (r.Type is not { } type || !RdataCodec.IsValid(type, r.Data)))
            throw new ControlProtocolException("'data' does not match 'type'");
        foreach (var zone in r.Zones ?? [])
        {
            Name((zone ?? throw Null("zones")).Origin ?? throw Null("origin"), "origin");
            foreach (var record in zone.Records ?? throw Null("records"))
                Record(record ?? throw Null("records"));
        }
        foreach (var edit in r.Edits ?? [])
        {
            if (edit is null || edit.Owner is null || edit.Data is null || !Enum.IsDefined(edit.Kind))
                throw new ControlProtocolException("an edit lacks its kind, owner or data");
            Name(edit.Owner, "owner");
            foreach (var data in edit.Data ?? [])
                if (edit.Type is not { } editType || data is null || !RdataCodec.IsValid(editType, data))
                    throw new ControlProtocolException("an edit's data does not match its type");
        }
    }

    private static ControlProtocolException Null(string field) => new($"'{field}' holds a null");
}
