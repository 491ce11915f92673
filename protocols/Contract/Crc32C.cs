using System.Buffers.Binary;
using System.Numerics;

namespace City.Contract;

/// <summary>
/// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected; initial value and final XOR 0xFFFFFFFF), the checksum of
/// iSCSI (RFC 3720) and SCTP. <see cref="BitOperations.Crc32C(uint, ulong)"/> uses the CPU's CRC instruction
/// (SSE 4.2, ARMv8) where there is one, 8 bytes at a time.
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
