using MiniDns.Wire;

namespace MiniDns.Tests.Wire;

/// <summary>
/// The compressor's table against a list searched in full: the same offset found for every suffix, through
/// adds, roll-backs and resets in random order (linear probing survives removals only newest first).
/// </summary>
public sealed class NameCompressorTests
{
    [Fact]
    public void The_table_finds_what_a_full_search_finds_through_adds_rollbacks_and_resets()
    {
        var random = new Random(20261206);
        var compressor = new NameCompressor(512);
        var reference = new List<(int Hash, int Offset)>();
        // Suffixes are one-byte labels at their offsets: a message of "\x01X\0" names, X the hash's letter.
        var message = new byte[0x4000 + 8];
        int position = 0;
        for (int step = 0; step < 20_000; step++)
        {
            int action = random.Next(100);
            if (action < 2)
            {
                compressor.Reset();
                reference.Clear();
                position = 0;
            }
            else if (action < 10 && position > 0)
            {
                position = 3 * random.Next(position / 3); // a writer rolls back to where a record began
                compressor.Truncate(position);
                reference.RemoveAll(e => e.Offset >= position);
            }
            else if (position + 3 <= message.Length)
            {
                // Few distinct letters and hashes that collide in the table: long probe chains.
                byte letter = (byte)('a' + random.Next(6));
                int hash = letter * 1024;
                message[position] = 1;
                message[position + 1] = letter;
                message[position + 2] = 0;
                compressor.Add(hash, position);
                if (reference.Count < 512 && position <= 0x3FFF)
                    reference.Add((hash, position));
                position += 3;
            }
            for (byte letter = (byte)'a'; letter < 'a' + 6; letter++)
            {
                byte[] suffix = [1, letter, 0];
                int expected = reference.FindIndex(e => e.Hash == letter * 1024) is int i and >= 0 ? reference[i].Offset : -1;
                Assert.Equal(expected, compressor.Find(message.AsSpan(0, position), suffix, letter * 1024));
            }
        }
    }
}
