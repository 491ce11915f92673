using City.Protocols.MBus;

namespace City.MBus.Tests;

/// <summary>Random bytes, every frame of the libmbus corpus with random damage, and libmbus's error frames: decoding never throws.</summary>
public sealed class RobustnessTests
{
    private static void DecodeAnything(byte[] bytes)
    {
        if (MBusFraming.TryRead(bytes, out var frame, out _, out _) == System.Buffers.OperationStatus.Done)
        {
            MBusVariableData.TryDecode(frame, out _, out _);
        }

        if (bytes.Length > 0)
        {
            MBusVariableData.TryDecode(bytes[0], bytes.AsSpan(1), out _, out _);
            MBusVariableData.TryDecode(0x72, bytes, out _, out _);
        }
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(1357);
        for (int i = 0; i < 5_000; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            DecodeAnything(bytes);
        }
    }

    [Fact]
    public void Mutated_corpus_frames_never_throw()
    {
        var random = new Random(2468);
        var frames = LibmbusCorpus.FrameNames().Select(LibmbusCorpus.Frame).ToList();
        for (int i = 0; i < 5_000; i++)
        {
            byte[] bytes = frames[random.Next(frames.Count)].ToArray();
            int mutations = random.Next(1, 4);
            for (int m = 0; m < mutations; m++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            int length = random.Next(2) == 0 ? bytes.Length : random.Next(bytes.Length + 1);
            byte[] cut = bytes[..length];
            DecodeAnything(cut);

            // Damaged data inside a frame with a fixed checksum, so that the record parser sees it.
            if (cut.Length > 10 && cut[0] == 0x68)
            {
                int l = Math.Min(cut[1], cut.Length - 6);
                if (l >= 3)
                {
                    var frame = MBusFrame.Long(cut[4], cut[5], cut[6], cut.AsMemory(7, l - 3));
                    MBusVariableData.TryDecode(frame, out _, out _);
                }
            }
        }
    }

    [Fact]
    public void Libmbus_error_frames_never_throw()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Vectors", "libmbus-error-frames");
        var files = Directory.GetFiles(directory, "*.hex");
        Assert.True(files.Length >= 20);
        foreach (string file in files)
        {
            // Some of them end in half a byte (a cut file): that nibble is dropped.
            string digits = string.Concat(File.ReadAllText(file).Where(char.IsAsciiHexDigit));
            byte[] bytes = Convert.FromHexString(digits[..(digits.Length & ~1)]);
            DecodeAnything(bytes);
        }
    }
}
