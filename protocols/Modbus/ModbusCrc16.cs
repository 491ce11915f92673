namespace City.Protocols.Modbus;

/// <summary>
/// CRC-16/MODBUS (Modbus over Serial Line V1.02, 6.2.2): reflected polynomial 0xA001, initial value 0xFFFF, no final XOR.
/// On the wire the low byte comes first. Pure functions over spans.
/// </summary>
public static class ModbusCrc16
{
    /// <summary>Bytes the CRC occupies at the end of an RTU frame.</summary>
    public const int Size = 2;

    private static readonly ushort[] Table = CreateTable();

    /// <summary>The CRC of <paramref name="data"/> as a number (wire order: low byte, then high byte).</summary>
    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        ushort[] table = Table;
        foreach (byte b in data)
        {
            crc = (ushort)((crc >> 8) ^ table[(crc ^ b) & 0xFF]);
        }

        return crc;
    }

    /// <summary>Writes the CRC of <paramref name="data"/> in wire order. Returns false when <paramref name="destination"/> is shorter than 2 bytes.</summary>
    public static bool TryWrite(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            return false;
        }

        ushort crc = Compute(data);
        destination[0] = (byte)crc;
        destination[1] = (byte)(crc >> 8);
        return true;
    }

    /// <summary>True when the last two bytes of <paramref name="frame"/> are the CRC (wire order) of the bytes before them.</summary>
    public static bool IsValid(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < Size)
        {
            return false;
        }

        ushort crc = Compute(frame[..^Size]);
        return frame[^2] == (byte)crc && frame[^1] == (byte)(crc >> 8);
    }

    private static ushort[] CreateTable()
    {
        var table = new ushort[256];
        for (int i = 0; i < table.Length; i++)
        {
            ushort value = (ushort)i;
            for (int bit = 0; bit < 8; bit++)
            {
                value = (value & 1) != 0 ? (ushort)((value >> 1) ^ 0xA001) : (ushort)(value >> 1);
            }

            table[i] = value;
        }

        return table;
    }
}
