namespace MiniDns.Wire;

/// <summary>One whitespace-separated token of presentation format; escapes are still in <see cref="Text"/>.</summary>
public readonly record struct TextToken(string Text, bool Quoted);
