using MiniDns.Zones;

namespace MiniDns.Server;

/// <summary>
/// The step a listener calls for each message: <see cref="QueryProcessor.Process"/>, or in tests one that
/// fails on purpose, to show that a failure while answering costs one message and not the server.
/// </summary>
public delegate int AnswerMessage(ReadOnlySpan<byte> request, Span<byte> response, ZoneSnapshot snapshot, QueryContext context, int? maxResponse);
