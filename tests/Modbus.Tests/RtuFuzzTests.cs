using System.Buffers;

namespace City.Protocols.Modbus.Tests;

/// <summary>Random and mutated input must never make an RTU decoder throw or report impossible lengths. A failure prints the seed and input.</summary>
public sealed class RtuFuzzTests
{
    private static readonly byte[] Functions = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0F, 0x10, 0x11, 0x16, 0x17, 0x2B, 0x41];

    private static readonly byte[][] ValidFrames =
    [
        Hex.Parse("11 03 00 6B 00 03 76 87"),
        Hex.Parse("11 03 06 AE 41 56 52 43 40 49 AD"),
        Hex.Parse("01 83 02 C0 F1"),
        Hex.Parse("01 01 03 01 00 0A ED 89"),
        Hex.Parse(RtuCodecTests.Framed(1, "10 00 01 00 02 04 00 0A 01 02")),
        Hex.Parse(RtuCodecTests.Framed(1, "17 00 03 00 06 00 0E 00 03 06 00 FF 00 FF 00 FF")),
        Hex.Parse(RtuCodecTests.Framed(1, "2B 0E 01 01 00 00 02 00 03 41 42 43 01 01 44")),
        Hex.Parse(RtuCodecTests.Framed(1, "2B 0E 01 00")),
        Hex.Parse(RtuCodecTests.Framed(1, "16 00 04 00 F2 00 25")),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RtuDecoders_RandomAndMutatedFrames_NeverThrow(int seed)
    {
        var random = new Random(seed);
        for (int iteration = 0; iteration < 20000; iteration++)
        {
            byte[] input = iteration % 2 == 0 ? RandomBytes(random) : Mutate(random, ValidFrames[random.Next(ValidFrames.Length)]);
            try
            {
                Feed(input, input.Length > 0 && random.Next(4) != 0 ? input[0] : (byte)random.Next(256), Functions[random.Next(Functions.Length)]);
                if (input.Length > 1)
                {
                    Feed(input, input[0], input[1]);
                }
            }
            catch (Exception ex)
            {
                Assert.Fail($"Seed {seed}, iteration {iteration}, input {Hex.Format(input)}: {ex}");
            }
        }
    }

    private static void Feed(byte[] input, byte unit, byte function)
    {
        OperationStatus status = ModbusRtuFraming.TryReadResponse(input, unit, function, out ReadOnlySpan<byte> pdu, out int consumed, out ModbusRtuFrameError error);
        CheckResult(input, status, pdu, consumed, error);
        if (status == OperationStatus.Done)
        {
            ModbusPdu.DecodeReadRegistersResponse(pdu, ModbusFunctionCode.ReadHoldingRegisters, new ushort[1 + (unit % 125)], out _);
            ModbusPdu.DecodeWriteMultipleRegistersResponse(pdu, 1, 2, out _);
        }

        status = ModbusRtuFraming.TryReadRequest(input, out _, out pdu, out consumed, out error);
        CheckResult(input, status, pdu, consumed, error);
        ModbusCrc16.IsValid(input);
    }

    private static void CheckResult(byte[] input, OperationStatus status, ReadOnlySpan<byte> pdu, int consumed, ModbusRtuFrameError error)
    {
        if (status == OperationStatus.Done)
        {
            Assert.InRange(consumed, ModbusRtuFraming.MinAduLength, Math.Min(input.Length, ModbusRtuFraming.MaxAduLength));
            Assert.Equal(consumed - 3, pdu.Length);
            Assert.True(ModbusCrc16.IsValid(input.AsSpan(0, consumed)));
            Assert.Equal(ModbusRtuFrameError.None, error);
        }
        else
        {
            Assert.Equal(0, consumed);
            Assert.Equal(status == OperationStatus.InvalidData, error != ModbusRtuFrameError.None);
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        byte[] bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] RandomTail(Random random)
    {
        byte[] tail = new byte[random.Next(0, 5)];
        random.NextBytes(tail);
        return tail;
    }

    private static byte[] Mutate(Random random, byte[] frame)
    {
        byte[] copy = random.Next(3) switch
        {
            0 => frame[..random.Next(frame.Length + 1)],
            1 => [.. frame, .. RandomTail(random)],
            _ => (byte[])frame.Clone(),
        };
        int flips = random.Next(0, 3);
        for (int i = 0; i < flips && copy.Length > 0; i++)
        {
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        }

        if (random.Next(4) == 0 && copy.Length > ModbusCrc16.Size)
        {
            // Fix the CRC so that the mutation reaches the length logic and the PDU decoders.
            ModbusCrc16.TryWrite(copy.AsSpan(0, copy.Length - 2), copy.AsSpan(copy.Length - 2));
        }

        return copy;
    }
}
