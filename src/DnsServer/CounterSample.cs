namespace MiniDns.Server;

/// <summary>
/// One counter's value now, as <c>minidns stats</c> ("responses.noerror 12") and /metrics
/// (<c>minidns_responses_total{rcode="noerror"} 12</c>) show it.
/// </summary>
public sealed record CounterSample(string Metric, string Help, long Value, string? Label = null, string? LabelValue = null)
{
    public string Key => LabelValue is null ? Metric : $"{Metric}.{LabelValue}";
}
