namespace MiniDns.Tests.Support;

/// <summary>The checkout the tests run from, found by its solution file.</summary>
public static class Repository
{
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MiniDns.sln")))
                directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException("MiniDns.sln not found above the test directory");
        }
    }

    public static string ZonesFolder => Path.Combine(Root, "zones");
}
