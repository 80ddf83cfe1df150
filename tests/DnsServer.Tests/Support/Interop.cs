namespace MiniDns.Tests.Support;

/// <summary>
/// External tools for end-to-end tests: a test skips with the reason when one is missing, unless
/// MINIDNS_REQUIRE_INTEROP=1 (as CI sets it), where a missing tool fails the run.
/// </summary>
public static class Interop
{
    public static string RequireTool(string name, string package = "bind9-dnsutils")
    {
        // Daemons (unbound, nsd) live in sbin, which a non-login PATH may lack.
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
        if (path is not null)
            return path;
        string reason = $"'{name}' is not installed (apt-get install -y {package})";
        if (Environment.GetEnvironmentVariable("MINIDNS_REQUIRE_INTEROP") == "1")
            Assert.Fail($"{reason}, and MINIDNS_REQUIRE_INTEROP=1 requires it");
        Assert.Skip(reason);
        return "";
    }
}
