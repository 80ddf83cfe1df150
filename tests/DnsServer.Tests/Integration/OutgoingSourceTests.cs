using System.Net;
using MiniDns.Server;

namespace MiniDns.Tests.Integration;

/// <summary>Our requests to peers leave from the address we listen on, where that can reach them.</summary>
public sealed class OutgoingSourceTests
{
    [Theory]
    [InlineData("127.0.0.61", "127.0.0.62", "127.0.0.61")]
    [InlineData("127.0.0.61,192.0.2.1", "198.51.100.7", "192.0.2.1")]
    [InlineData("127.0.0.61", "198.51.100.7", null)]
    [InlineData("192.0.2.1", "127.0.0.1", null)]
    [InlineData("0.0.0.0", "127.0.0.62", null)]
    [InlineData("192.0.2.1,::", "198.51.100.7", null)]
    [InlineData("192.0.2.1,2001:db8::1", "2001:db8::53", "2001:db8::1")]
    [InlineData("192.0.2.1", "2001:db8::53", null)]
    [InlineData("::1", "::ffff:127.0.0.62", null)]
    [InlineData("127.0.0.61", "::ffff:127.0.0.62", "127.0.0.61")]
    public void The_source_is_the_first_address_we_listen_on_of_the_peers_family_and_scope(string listen, string peer, string? expected)
    {
        var source = new OutgoingSource(listen.Split(',').Select(IPAddress.Parse).ToArray());
        Assert.Equal(expected, source.For(IPAddress.Parse(peer))?.ToString());
    }
}
