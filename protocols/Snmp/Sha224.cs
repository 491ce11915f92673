using System.Buffers.Binary;
using System.Numerics;

namespace City.Protocols.Snmp;

/// <summary>
/// SHA-224 (FIPS 180-4: SHA-256 with other initial values, truncated to 28 bytes) and its HMAC (RFC 2104).
/// .NET has no SHA-224, and RFC 7860's usmHMAC128SHA224AuthProtocol needs it.
/// </summary>
internal static class Sha224
{
    private const int BlockSize = 64;
    private const int DigestSize = 28;

    private static readonly uint[] InitialState =
    [
        0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
    ];

    private static readonly uint[] RoundConstants =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var digest = new byte[DigestSize];
        Hash(data, default, digest);
        return digest;
    }

    /// <summary>SHA-224 of <paramref name="first"/> followed by <paramref name="second"/>.</summary>
    private static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> digest)
    {
        Span<uint> state = stackalloc uint[8];
        InitialState.CopyTo(state);
        Span<byte> block = stackalloc byte[BlockSize];
        int filled = 0;
        ulong totalLength = (ulong)first.Length + (ulong)second.Length;

        foreach (ReadOnlySpan<byte> part in new[] { first.ToArray(), second.ToArray() })
        {
            ReadOnlySpan<byte> rest = part;
            while (!rest.IsEmpty)
            {
                int take = Math.Min(BlockSize - filled, rest.Length);
                rest[..take].CopyTo(block[filled..]);
                filled += take;
                rest = rest[take..];
                if (filled == BlockSize)
                {
                    Compress(state, block);
                    filled = 0;
                }
            }
        }

        block[filled++] = 0x80;
        if (filled > BlockSize - 8)
        {
            block[filled..].Clear();
            Compress(state, block);
            filled = 0;
        }

        block[filled..(BlockSize - 8)].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(block[(BlockSize - 8)..], totalLength * 8);
        Compress(state, block);
        for (int i = 0; i < 7; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest[(i * 4)..], state[i]);
        }
    }

    public static int Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> destination)
    {
        Span<byte> keyBlock = stackalloc byte[BlockSize];
        keyBlock.Clear();
        if (key.Length > BlockSize)
        {
            Hash(key, default, keyBlock);
        }
        else
        {
            key.CopyTo(keyBlock);
        }

        Span<byte> pad = stackalloc byte[BlockSize];
        for (int i = 0; i < BlockSize; i++)
        {
            pad[i] = (byte)(keyBlock[i] ^ 0x36);
        }

        Span<byte> inner = stackalloc byte[DigestSize];
        Hash(pad, message, inner);
        for (int i = 0; i < BlockSize; i++)
        {
            pad[i] = (byte)(keyBlock[i] ^ 0x5c);
        }

        Hash(pad, inner, destination);
        return DigestSize;
    }

    private static void Compress(Span<uint> state, ReadOnlySpan<byte> block)
    {
        Span<uint> w = stackalloc uint[64];
        for (int i = 0; i < 16; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32BigEndian(block[(i * 4)..]);
        }

        for (int i = 16; i < 64; i++)
        {
            uint s0 = BitOperations.RotateRight(w[i - 15], 7) ^ BitOperations.RotateRight(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint s1 = BitOperations.RotateRight(w[i - 2], 17) ^ BitOperations.RotateRight(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }

        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
        for (int i = 0; i < 64; i++)
        {
            uint sum1 = BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25);
            uint choice = (e & f) ^ (~e & g);
            uint temp1 = h + sum1 + choice + RoundConstants[i] + w[i];
            uint sum0 = BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22);
            uint majority = (a & b) ^ (a & c) ^ (b & c);
            uint temp2 = sum0 + majority;
            h = g;
            g = f;
            f = e;
            e = d + temp1;
            d = c;
            c = b;
            b = a;
            a = temp1 + temp2;
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}
