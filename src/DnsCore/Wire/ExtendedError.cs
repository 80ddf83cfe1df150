using System.Text;

namespace MiniDns.Wire;

/// <summary>
/// An Extended DNS Error (RFC 8914): an INFO-CODE and a short EXTRA-TEXT saying why an answer failed,
/// sent as EDNS option 15. Made once per reason and shared, so answering with one allocates nothing.
/// </summary>
public sealed class ExtendedError
{
    public const ushort OptionCode = 15;

    // The INFO-CODEs of RFC 8914 4 that the resolver gives.
    public const ushort Other = 0, StaleAnswer = 3, Prohibited = 18, NoReachableAuthority = 22, NetworkError = 23;

    private readonly byte[] _text;

    public ExtendedError(ushort code, string text)
    {
        Code = code;
        Text = text;
        _text = Encoding.UTF8.GetBytes(text);
    }

    public ushort Code { get; }
    public string Text { get; }

    /// <summary>The option's length in OPT: code, length, INFO-CODE, text.</summary>
    public int OptionLength => 6 + _text.Length;

    public void Write(ref MessageWriter writer)
    {
        writer.WriteU16(OptionCode);
        writer.WriteU16((ushort)(2 + _text.Length));
        writer.WriteU16(Code);
        writer.WriteBytes(_text);
    }

    public override string ToString() => $"EDE {Code}: {Text}";
}
