using MiniDns.Wire;

namespace MiniDns.Tests.Wire;

/// <summary>RFC 1035 3.1 and 4.1.4: names, labels and compression pointers, read from hostile input.</summary>
public sealed class NameReadingTests
{
    private static bool Read(byte[] message, int start, out string name)
    {
        var buffer = new byte[DnsName.MaxLength];
        int pos = start;
        bool ok = DnsName.TryRead(message, ref pos, buffer, out int length);
        name = ok ? NameText.Format(buffer.AsSpan(0, length)) : "";
        return ok;
    }

    [Fact]
    public void A_backward_pointer_is_followed()
    {
        byte[] message =
        [
            3, (byte)'c', (byte)'o', (byte)'m', 0, // offset 0: com.
            3, (byte)'w', (byte)'w', (byte)'w',    // offset 5: www
            0xC0, 0x00,                            // pointer to offset 0
        ];
        Assert.True(Read(message, 5, out var name));
        Assert.Equal("www.com.", name);
    }

    [Fact]
    public void A_pointer_to_itself_is_rejected() => Assert.False(Read([0xC0, 0x00], 0, out _));

    [Fact]
    public void A_pointer_loop_is_rejected()
    {
        byte[] message =
        [
            1, (byte)'a', 0xC0, 0x04, // offset 0: a, then pointer forward to 4
            1, (byte)'b', 0xC0, 0x00, // offset 4: b, then pointer back to 0
        ];
        Assert.False(Read(message, 4, out _));
        Assert.False(Read(message, 0, out _));
    }

    [Fact]
    public void A_forward_pointer_is_rejected() => Assert.False(Read([0xC0, 0x02, 0], 0, out _));

    [Fact]
    public void A_pointer_past_the_end_is_rejected()
    {
        Assert.False(Read([1, (byte)'a', 0xC0, 0x40], 2, out _));
        Assert.False(Read([1, (byte)'a', 0xC0], 2, out _)); // half a pointer
    }

    [Fact]
    public void A_label_longer_than_63_octets_is_rejected()
    {
        var message = new byte[1 + 64 + 1];
        message[0] = 64; // 0x40: an extended label type, not a length
        Assert.False(Read(message, 0, out _));
    }

    [Fact]
    public void A_name_longer_than_255_octets_is_rejected()
    {
        var message = new List<byte>();
        for (int i = 0; i < 5; i++)
        {
            message.Add(63);
            message.AddRange(Enumerable.Repeat((byte)'x', 63));
        }
        message.Add(0); // 5 * 64 + 1 = 321 octets
        Assert.False(Read([.. message], 0, out _));
    }

    [Fact]
    public void A_name_of_exactly_255_octets_is_accepted()
    {
        var message = new List<byte>();
        for (int i = 0; i < 3; i++)
        {
            message.Add(63);
            message.AddRange(Enumerable.Repeat((byte)'x', 63));
        }
        message.Add(61);
        message.AddRange(Enumerable.Repeat((byte)'y', 61));
        message.Add(0); // 3 * 64 + 62 + 1 = 255
        Assert.True(Read([.. message], 0, out _));
    }

    [Fact]
    public void A_name_cut_short_is_rejected() => Assert.False(Read([5, (byte)'a', (byte)'b'], 0, out _));

    [Theory]
    [InlineData("www.example.com.", "www.example.com.")]
    [InlineData("a\\.b.example.", "a\\.b.example.")]
    [InlineData("\\065bc.", "Abc.")]
    [InlineData("sp\\032ace.", "sp\\032ace.")]
    [InlineData(".", ".")]
    public void Presentation_names_round_trip(string text, string formatted)
    {
        Assert.True(NameText.TryParse(text, [], out var wire, out var error), error);
        Assert.Equal(formatted, NameText.Format(wire));
    }

    [Theory]
    [InlineData("a..b.", "empty label")]
    [InlineData("\\300.", "not an octet")]
    [InlineData("relative", "no origin")]
    public void Bad_presentation_names_say_why(string text, string reason)
    {
        Assert.False(NameText.TryParse(text, [], out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void A_presentation_label_over_63_octets_is_refused()
    {
        Assert.False(NameText.TryParse(new string('x', 64) + ".com.", [], out _, out var error));
        Assert.Contains("63", error);
    }
}
