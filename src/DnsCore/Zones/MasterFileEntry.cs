using MiniDns.Wire;

namespace MiniDns.Zones;

/// <summary>One logical line of a master file (parentheses joined), with the line it starts on.</summary>
public sealed record MasterFileEntry(int Line, bool StartsWithBlank, IReadOnlyList<TextToken> Tokens);
