using System.Net;

namespace MiniDns.Tests;

/// <summary>The servers we send to, as written (a primary, a forwarder, a secondary) and as zones give them.</summary>
public sealed class ServerAddressTests
{
    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1:53")]
    [InlineData("192.0.2.1:5353", "192.0.2.1:5353")]
    [InlineData("2001:db8::1", "[2001:db8::1]:53")]
    [InlineData("[2001:db8::1]:5353", "[2001:db8::1]:5353")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1:53")]
    [InlineData("[::ffff:192.0.2.1]:54", "192.0.2.1:54")]
    [InlineData("127.0.0.1", "127.0.0.1:53")]
    [InlineData("[2001:db8::1]", "[2001:db8::1]:53")]
    public void A_server_is_read_with_port_53_when_none_is_given(string text, string expected)
    {
        Assert.True(ServerAddress.TryParse(text, out var server));
        Assert.Equal(expected, server.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("ns1.example")]
    [InlineData("192.0.2.1:0")]
    [InlineData("192.0.2.1:65536")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3:53")]
    [InlineData("::")]
    [InlineData("[::ffff:0.0.0.0]:53")]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250:1900")]
    [InlineData("ff02::1")]
    [InlineData("[ff05::1:3]:547")]
    [InlineData("127.1")]
    [InlineData("2130706433")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("127.1:53")]
    [InlineData("[192.0.2.1]")]
    [InlineData("[192.0.2.1]:53")]
    public void Not_an_address_or_one_no_single_server_has_is_refused(string text) =>
        Assert.False(ServerAddress.TryParse(text, out _));

    [Theory]
    [InlineData("192.0.2.1", true)]
    [InlineData("1.0.0.0", true)]
    [InlineData("223.255.255.255", true)]
    [InlineData("240.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("0.255.255.255", false)]
    [InlineData("224.0.0.0", false)]
    [InlineData("239.255.255.255", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::", false)]
    [InlineData("ff00::", false)]
    [InlineData("::ffff:224.0.0.1", false)]
    public void Usable_is_a_single_servers_address(string address, bool usable) =>
        Assert.Equal(usable, ServerAddress.IsUsable(IPAddress.Parse(address)));
}
