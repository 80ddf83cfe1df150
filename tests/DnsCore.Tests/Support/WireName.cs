using MiniDns.Wire;

namespace MiniDns.Tests.Support;

/// <summary>A name in master-file text as wire bytes, failing the test with the parser's reason when it is not one.</summary>
public static class WireName
{
    public static byte[] Name(string text)
    {
        Assert.True(NameText.TryParse(text, [], out var name, out var error), error);
        return name;
    }
}
