using System.Buffers.Binary;
using System.Text;
using MiniDns.Fuzz.Targets;

namespace MiniDns.Tests.Fuzz;

/// <summary>
/// 20,000 mutations of the control corpus through <see cref="ControlFrameTarget"/>: JSON values swapped for
/// nulls, huge numbers, bad base64, unknown strings and deep nesting, bytes flipped, frames cut short. The
/// server may only refuse them as protocol errors or zone data errors. The seed is printed;
/// MINIDNS_MUTATION_SEED replays one.
/// </summary>
public sealed class ControlMutationTests(ITestOutputHelper output)
{
    private const int Mutations = 20_000;

    private static readonly string[] Values =
    [
        "null", "[null]", "99999999999999999999", "-1", "65536", "1e400", "\"\"", "\"!!notbase64\"", "\"AAAA\"",
        "\"wA==\"", "\"weekly\"", "{}", "[]", "true", "\"Bogus\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ];

    [Fact]
    public void Mutated_control_frames_are_refused_only_as_protocol_or_data_errors()
    {
        var corpus = Directory.GetFiles(Path.Combine(FuzzTargets.BaseDirectory, "Corpus", "control"))
            .Order(StringComparer.Ordinal).Select(File.ReadAllBytes).Where(f => f.Length > 4).ToArray();
        int seed = Environment.GetEnvironmentVariable("MINIDNS_MUTATION_SEED") is { } replay ? int.Parse(replay) : Random.Shared.Next();
        output.WriteLine($"mutation seed {seed} (replay with MINIDNS_MUTATION_SEED={seed})");
        var random = new Random(seed);
        var target = new ControlFrameTarget();
        for (int i = 0; i < Mutations; i++)
        {
            var frame = Mutate(random, corpus[random.Next(corpus.Length)]);
            try
            {
                target.Run(frame);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, mutation {i}, frame {Encoding.UTF8.GetString(frame.AsSpan(4))}: {e}");
            }
        }
    }

    private static byte[] Mutate(Random random, byte[] frame)
    {
        string json = Encoding.UTF8.GetString(frame.AsSpan(4));
        switch (random.Next(4))
        {
            case 0: // one value after a colon or in an array replaced
            {
                int colon = json.IndexOf(':', random.Next(json.Length));
                if (colon < 0)
                    break;
                int end = colon + 1;
                int depth = 0;
                for (; end < json.Length; end++)
                {
                    char c = json[end];
                    if (c is '[' or '{') depth++;
                    else if (c is ']' or '}') { if (depth == 0) break; depth--; }
                    else if (c == ',' && depth == 0) break;
                }
                json = json[..(colon + 1)] + Values[random.Next(Values.Length)] + json[end..];
                break;
            }
            case 1: // characters flipped
            {
                var chars = json.ToCharArray();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                    chars[random.Next(chars.Length)] = (char)random.Next(32, 127);
                json = new string(chars);
                break;
            }
            case 2: // cut short
                json = json[..random.Next(json.Length)];
                break;
            default: // a field duplicated with another value
                json = json.Insert(1, $"\"{(random.Next(2) == 0 ? "version" : "command")}\":{Values[random.Next(Values.Length)]},");
                break;
        }
        var body = Encoding.UTF8.GetBytes(json);
        var result = new byte[4 + body.Length];
        // Now and then a length that lies, as a hostile peer's would.
        uint length = random.Next(10) == 0 ? (uint)random.Next() : (uint)body.Length;
        BinaryPrimitives.WriteUInt32BigEndian(result, length);
        body.CopyTo(result, 4);
        return result;
    }
}
