namespace City.Protocols.Dali;

/// <summary>
/// A forward frame as the bytes between start bit and stop condition: 16 bits for control gear (part 102: address byte +
/// opcode or level) or 24 bits for control devices (part 103: address byte + instance byte + opcode). Most significant byte
/// first, as on the wire.
/// </summary>
public readonly record struct DaliForwardFrame
{
    private DaliForwardFrame(int bits, uint data)
    {
        Bits = bits;
        Data = data;
    }

    /// <summary>16 or 24.</summary>
    public int Bits { get; }

    /// <summary>The frame's bits, right-aligned.</summary>
    public uint Data { get; }

    public int ByteCount => Bits / 8;

    /// <summary>First byte: the address byte (or a special command's opcode).</summary>
    public byte AddressByte => (byte)(Data >> (Bits - 8));

    /// <summary>Last byte: the opcode, DAPC level or special-command data.</summary>
    public byte LastByte => (byte)Data;

    /// <summary>Part 103 instance byte (24-bit frames only; 0 otherwise).</summary>
    public byte InstanceByte => Bits == 24 ? (byte)(Data >> 8) : (byte)0;

    public static DaliForwardFrame Frame16(byte addressByte, byte opcode) => new(16, (uint)((addressByte << 8) | opcode));

    public static DaliForwardFrame Frame24(byte addressByte, byte instanceByte, byte opcode) =>
        new(24, (uint)((addressByte << 16) | (instanceByte << 8) | opcode));

    /// <summary>Reads a frame from its 2 or 3 bytes; false for any other length.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out DaliForwardFrame frame)
    {
        switch (source.Length)
        {
            case 2:
                frame = Frame16(source[0], source[1]);
                return true;
            case 3:
                frame = Frame24(source[0], source[1], source[2]);
                return true;
            default:
                frame = default;
                return false;
        }
    }

    /// <summary>Writes the frame's 2 or 3 bytes, most significant first.</summary>
    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (Bits is not (16 or 24) || destination.Length < ByteCount)
        {
            return false;
        }

        for (int i = 0; i < ByteCount; i++)
        {
            destination[i] = (byte)(Data >> (Bits - 8 * (i + 1)));
        }

        bytesWritten = ByteCount;
        return true;
    }

    public override string ToString() => Bits == 24 ? $"{Data:X6}" : $"{Data:X4}";
}
