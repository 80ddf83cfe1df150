namespace MiniDns.Storage;

/// <summary>What an edit did: an edit that would change nothing writes nothing (edits are idempotent).</summary>
public enum EditOutcome
{
    Written,
    Unchanged,
}
