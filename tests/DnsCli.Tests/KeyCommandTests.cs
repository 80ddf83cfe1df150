using System.Text.RegularExpressions;
using MiniDns.Tests.Support;

namespace MiniDns.Tests;

/// <summary>minidns key add | list | remove, both ways: the secret printed once in BIND's form, never listed.</summary>
public sealed partial class KeyCommandTests
{
    [Theory]
    [InlineData(StoreMode.Offline)]
    [InlineData(StoreMode.Server)]
    public async Task A_key_is_made_listed_without_its_secret_and_removed(StoreMode mode)
    {
        await using var store = await StoreFolder.CreateAsync(mode);
        var added = await store.RunAsync("key", "add", "Transfer.CCTV.com");
        Assert.True(added.ExitCode == 0, added.ToString());
        var secret = BindKey().Match(added.Output);
        Assert.True(secret.Success, added.Output);
        Assert.Equal(32, Convert.FromBase64String(secret.Groups[1].Value).Length);

        var sha512 = await store.RunAsync("key", "add", "other.cctv.com", "--algorithm", "hmac-sha512");
        Assert.Contains("algorithm hmac-sha512;", sha512.Output);
        Assert.Equal(64, Convert.FromBase64String(Regex.Match(sha512.Output, "secret \"([^\"]+)\"").Groups[1].Value).Length);

        var listed = await store.RunAsync("key", "list");
        Assert.Matches(@"transfer\.cctv\.com\.\s+hmac-sha256\n", listed.Output);
        Assert.Matches(@"other\.cctv\.com\.\s+hmac-sha512\n", listed.Output);
        Assert.DoesNotContain(secret.Groups[1].Value, listed.Output);

        var again = await store.RunAsync("key", "add", "transfer.cctv.com");
        Assert.Equal(2, again.ExitCode);
        Assert.Equal("minidns: key transfer.cctv.com. exists already (remove it first to make a new secret)\n", again.Error);

        Assert.Equal("removed key transfer.cctv.com.\n", (await store.RunAsync("key", "remove", "transfer.cctv.com")).Output);
        var gone = await store.RunAsync("key", "remove", "transfer.cctv.com");
        Assert.Equal(2, gone.ExitCode);
        Assert.Equal("minidns: there is no key transfer.cctv.com.\n", gone.Error);
        Assert.DoesNotContain("transfer.cctv.com", (await store.RunAsync("key", "list")).Output);
    }

    [Fact]
    public async Task An_algorithm_we_do_not_have_is_refused_by_name()
    {
        await using var store = await StoreFolder.CreateAsync(StoreMode.Offline);
        var md5 = await store.RunAsync("key", "add", "old.cctv.com", "--algorithm", "hmac-md5");
        Assert.Equal(2, md5.ExitCode);
        Assert.Contains("hmac-md5", md5.Error);
    }

    [GeneratedRegex("^key \"transfer\\.cctv\\.com\" \\{\n\talgorithm hmac-sha256;\n\tsecret \"([A-Za-z0-9+/=]+)\";\n\\};\n$")]
    private static partial Regex BindKey();
}
