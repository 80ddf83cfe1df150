namespace MiniDns.Cli;

/// <summary>
/// Bad input on the command line, or a failure talking to the server: printed as one line on stderr, exit
/// code 2. <see cref="OutcomeUnknown"/>: the server took the request and went away before answering, so it
/// may have been carried out.
/// </summary>
public sealed class CliException(string message, bool outcomeUnknown = false) : Exception(message)
{
    public bool OutcomeUnknown { get; } = outcomeUnknown;
}
