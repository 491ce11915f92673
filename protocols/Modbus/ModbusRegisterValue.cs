using System.Buffers.Binary;

namespace City.Protocols.Modbus;

/// <summary>
/// Converts between registers and 16/32/64-bit values in any <see cref="WordOrder"/>.
/// Reads take the first 1, 2 or 4 registers of the span; they return false when the span is shorter.
/// For 16-bit values only the byte swap of the order applies (BADC and DCBA swap the two bytes).
/// </summary>
public static class ModbusRegisterValue
{
    public static bool TryReadUInt16(ReadOnlySpan<ushort> registers, WordOrder order, out ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        bool ok = TryToBigEndianBytes(registers, order, bytes);
        value = ok ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : default;
        return ok;
    }

    public static bool TryReadInt16(ReadOnlySpan<ushort> registers, WordOrder order, out short value)
    {
        Span<byte> bytes = stackalloc byte[2];
        bool ok = TryToBigEndianBytes(registers, order, bytes);
        value = ok ? BinaryPrimitives.ReadInt16BigEndian(bytes) : default;
        return ok;
    }

    public static bool TryReadUInt32(ReadOnlySpan<ushort> registers, WordOrder order, out uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        bool ok = TryToBigEndianBytes(registers, order, bytes);
        value = ok ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : default;
        return ok;
    }

    public static bool TryReadInt32(ReadOnlySpan<ushort> registers, WordOrder order, out int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        bool ok = TryToBigEndianBytes(registers, order, bytes);
        value = ok ? BinaryPrimitives.ReadInt32BigEndian(bytes) : default;
        return ok;
    }

    public static bool TryReadFloat32(ReadOnlySpan<ushort> registers, WordOrder order, out float value)
    {
        Span<byte> bytes = stackalloc byte[4];
        bool ok = TryToBigEndianBytes(registers, order, bytes);
        value = ok ? BinaryPrimitives.ReadSingleBigEndian(bytes) : default;
        return ok;
    }

    public static bool TryReadUInt64(ReadOnlySpan<ushort> registers, WordOrder order, out ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        bool ok = TryToBigEndianBytes(registers, order, bytes);
        value = ok ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : default;
        return ok;
    }

    public static bool TryReadInt64(ReadOnlySpan<ushort> registers, WordOrder order, out long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        bool ok = TryToBigEndianBytes(registers, order, bytes);
        value = ok ? BinaryPrimitives.ReadInt64BigEndian(bytes) : default;
        return ok;
    }

    public static bool TryReadFloat64(ReadOnlySpan<ushort> registers, WordOrder order, out double value)
    {
        Span<byte> bytes = stackalloc byte[8];
        bool ok = TryToBigEndianBytes(registers, order, bytes);
        value = ok ? BinaryPrimitives.ReadDoubleBigEndian(bytes) : default;
        return ok;
    }

    public static bool TryWriteUInt16(ushort value, WordOrder order, Span<ushort> destination)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return TryFromBigEndianBytes(bytes, order, destination);
    }

    public static bool TryWriteInt16(short value, WordOrder order, Span<ushort> destination)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        return TryFromBigEndianBytes(bytes, order, destination);
    }

    public static bool TryWriteUInt32(uint value, WordOrder order, Span<ushort> destination)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return TryFromBigEndianBytes(bytes, order, destination);
    }

    public static bool TryWriteInt32(int value, WordOrder order, Span<ushort> destination)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return TryFromBigEndianBytes(bytes, order, destination);
    }

    public static bool TryWriteFloat32(float value, WordOrder order, Span<ushort> destination)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleBigEndian(bytes, value);
        return TryFromBigEndianBytes(bytes, order, destination);
    }

    public static bool TryWriteUInt64(ulong value, WordOrder order, Span<ushort> destination)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return TryFromBigEndianBytes(bytes, order, destination);
    }

    public static bool TryWriteInt64(long value, WordOrder order, Span<ushort> destination)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return TryFromBigEndianBytes(bytes, order, destination);
    }

    public static bool TryWriteFloat64(double value, WordOrder order, Span<ushort> destination)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(bytes, value);
        return TryFromBigEndianBytes(bytes, order, destination);
    }

    /// <summary>Rearranges registers into the value's big-endian byte sequence (A first).</summary>
    private static bool TryToBigEndianBytes(ReadOnlySpan<ushort> registers, WordOrder order, Span<byte> bigEndian)
    {
        int wordCount = bigEndian.Length / 2;
        if (registers.Length < wordCount)
        {
            return false;
        }

        for (int i = 0; i < wordCount; i++)
        {
            ushort word = registers[RegisterIndex(i, wordCount, order)];
            BinaryPrimitives.WriteUInt16BigEndian(bigEndian[(i * 2)..], SwapsBytes(order) ? BinaryPrimitives.ReverseEndianness(word) : word);
        }

        return true;
    }

    private static bool TryFromBigEndianBytes(ReadOnlySpan<byte> bigEndian, WordOrder order, Span<ushort> registers)
    {
        int wordCount = bigEndian.Length / 2;
        if (registers.Length < wordCount)
        {
            return false;
        }

        for (int i = 0; i < wordCount; i++)
        {
            ushort word = BinaryPrimitives.ReadUInt16BigEndian(bigEndian[(i * 2)..]);
            registers[RegisterIndex(i, wordCount, order)] = SwapsBytes(order) ? BinaryPrimitives.ReverseEndianness(word) : word;
        }

        return true;
    }

    /// <summary>Register that holds the value's <paramref name="wordIndex"/>-th most significant word.</summary>
    private static int RegisterIndex(int wordIndex, int wordCount, WordOrder order) =>
        order is WordOrder.Cdab or WordOrder.Dcba ? wordCount - 1 - wordIndex : wordIndex;

    private static bool SwapsBytes(WordOrder order) => order is WordOrder.Badc or WordOrder.Dcba;
}
