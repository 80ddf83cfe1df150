namespace MiniDns.Cli;

/// <summary>Bad input on the command line: printed as one line on stderr, exit code 2.</summary>
public sealed class CliException(string message) : Exception(message);
