namespace MiniDns.Tests.Fuzz;

/// <summary>One mutation of a corpus input, as the mutation tests make them: bit flips, a splice of two inputs, or a count that lies.</summary>
public static class CorpusMutation
{
    public static byte[] Next(Random random, byte[][] corpus, int kind)
    {
        var input = (byte[])corpus[random.Next(corpus.Length)].Clone();
        switch (kind % 3)
        {
            case 0:
                for (int flips = random.Next(1, 6); flips > 0 && input.Length > 0; flips--)
                    input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8));
                return input;
            case 1:
                var other = corpus[random.Next(corpus.Length)];
                int cut = random.Next(Math.Min(input.Length, other.Length) + 1);
                return [.. input.AsSpan(0, cut), .. other.AsSpan(cut)];
            default:
                if (input.Length >= 12)
                    input[4 + 2 * random.Next(4) + 1] = (byte)random.Next(256);
                return input;
        }
    }
}
