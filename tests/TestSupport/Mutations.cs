namespace City.TestSupport;

/// <summary>
/// Seeded random inputs for a decoder, afl-style but without coverage: mostly mutations of known-good seeds (bit flips,
/// interesting values, byte runs inserted, deleted, duplicated, truncation, splicing of two seeds), some pure noise.
/// The same seed gives the same inputs, so a failure names an input that can be replayed.
/// </summary>
public sealed class Mutations(int seed)
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x02, 0x7E, 0x7F, 0x80, 0x81, 0xFE, 0xFF];
    private static readonly uint[] InterestingWords = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];

    private readonly Random _random = new(seed);

    /// <summary><paramref name="count"/> inputs: every seed as is first, then mutations of them (one in ten pure random bytes).</summary>
    public IEnumerable<byte[]> Of(IReadOnlyList<byte[]> seeds, int count, int maxLength = 4096)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        foreach (var s in seeds)
        {
            yield return s;
        }

        for (int i = seeds.Count; i < count; i++)
        {
            if (seeds.Count == 0 || _random.Next(10) == 0)
            {
                var noise = new byte[_random.Next(0, 300)];
                _random.NextBytes(noise);
                yield return noise;
                continue;
            }

            var input = new List<byte>(seeds[_random.Next(seeds.Count)]);
            for (int m = 1 << _random.Next(0, 4); m > 0; m--)
            {
                Mutate(input, seeds);
            }

            yield return input.Count > maxLength ? [.. input.GetRange(0, maxLength)] : [.. input];
        }
    }

    private void Mutate(List<byte> input, IReadOnlyList<byte[]> seeds)
    {
        if (input.Count == 0)
        {
            input.Add((byte)_random.Next(256));
            return;
        }

        int at = _random.Next(input.Count);
        switch (_random.Next(10))
        {
            case 0:
                input[at] ^= (byte)(1 << _random.Next(8));
                break;
            case 1:
                input[at] = InterestingBytes[_random.Next(InterestingBytes.Length)];
                break;
            case 2:
                input[at] = (byte)_random.Next(256);
                break;
            case 3:
                input[at] = (byte)(input[at] + _random.Next(-8, 9));
                break;
            case 4:
                WriteWord(input, at);
                break;
            case 5:
                input.RemoveRange(at, _random.Next(1, Math.Min(16, input.Count - at) + 1));
                break;
            case 6:
                var inserted = new byte[_random.Next(1, 17)];
                _random.NextBytes(inserted);
                input.InsertRange(at, inserted);
                break;
            case 7:
                int length = _random.Next(1, Math.Min(32, input.Count - at) + 1);
                input.InsertRange(_random.Next(input.Count + 1), input.GetRange(at, length));
                break;
            case 8:
                input.RemoveRange(at, input.Count - at);
                break;
            default:
                var other = seeds[_random.Next(seeds.Count)];
                int from = _random.Next(other.Length + 1);
                input.RemoveRange(at, input.Count - at);
                input.AddRange(other.AsSpan(from).ToArray());
                break;
        }
    }

    private void WriteWord(List<byte> input, int at)
    {
        uint word = InterestingWords[_random.Next(InterestingWords.Length)];
        int width = _random.Next(2) == 0 ? 2 : 4;
        bool bigEndian = _random.Next(2) == 0;
        for (int i = 0; i < width && at + i < input.Count; i++)
        {
            int shift = 8 * (bigEndian ? width - 1 - i : i);
            input[at + i] = (byte)(word >> shift);
        }
    }
}
