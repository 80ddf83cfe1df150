namespace MiniDns.Fuzz.Targets;

/// <summary>Every target; a test checks each has a corpus.</summary>
public static class FuzzTargets
{
    public static readonly IReadOnlyList<IFuzzTarget> All =
    [
        new AnswerTarget(),
        new MasterFileTarget(),
        new NameBlockTarget(),
        new MessageTarget(),
        new ControlFrameTarget(),
        new UpstreamReplyTarget(),
        new TransferTarget(),
        new TransferReaderTarget(),
        new TsigTarget(),
        new JournalTarget(),
    ];

    public static IFuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>The folder beside the fuzzer's assembly that holds Corpus/ and Zones/.</summary>
    public static string BaseDirectory => AppContext.BaseDirectory;
}
