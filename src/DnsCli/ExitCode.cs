namespace MiniDns.Cli;

/// <summary>The exit codes other tools rely on (DESIGN.md).</summary>
public static class ExitCode
{
    public const int Success = 0;
    public const int Mismatch = 1;
    public const int BadInput = 2;
}
