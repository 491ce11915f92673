using System.Buffers;

namespace City.Protocols.Modbus.Tests;

/// <summary>Random and mutated input must never make a decoder throw. A failure prints the seed and input.</summary>
public sealed class CodecFuzzTests
{
    private static readonly byte[][] ValidFrames =
    [
        Hex.Parse("00 01 00 00 00 06 11 03 00 6B 00 03"),
        Hex.Parse("00 01 00 00 00 09 11 03 06 02 2B 00 00 00 64"),
        Hex.Parse("00 02 00 00 00 06 01 04 00 08 00 01"),
        Hex.Parse("00 02 00 00 00 05 01 04 02 00 0A"),
        Hex.Parse("00 03 00 00 00 06 01 06 00 01 00 03"),
        Hex.Parse("00 04 00 00 00 0B 01 10 00 01 00 02 04 00 0A 01 02"),
        Hex.Parse("00 04 00 00 00 06 01 10 00 01 00 02"),
        Hex.Parse("00 05 00 00 00 03 01 83 02"),
        Hex.Parse("00 06 00 00 00 06 01 01 00 13 00 13"),
        Hex.Parse("00 06 00 00 00 06 01 01 03 CD 6B 05"),
        Hex.Parse("00 07 00 00 00 06 01 02 03 AC DB 35"),
        Hex.Parse("00 08 00 00 00 06 01 05 00 AC FF 00"),
        Hex.Parse("00 09 00 00 00 09 01 0F 00 13 00 0A 02 CD 01"),
        Hex.Parse("00 0A 00 00 00 08 01 16 00 04 00 F2 00 25"),
        Hex.Parse("00 0B 00 00 00 11 01 17 00 03 00 06 00 0E 00 03 06 00 FF 00 FF 00 FF"),
        Hex.Parse("00 0B 00 00 00 0F 01 17 0C 00 FE 0A CD 00 01 00 03 00 0D 00 FF"),
        Hex.Parse("00 0C 00 00 00 02 01 11"),
        Hex.Parse("00 0C 00 00 00 06 01 11 03 01 02 FF"),
        Hex.Parse("00 0D 00 00 00 05 01 2B 0E 01 00"),
        Hex.Parse("00 0D 00 00 00 0F 01 2B 0E 01 81 00 00 02 00 01 41 01 02 42 43"),
    ];

    private static readonly Lazy<InMemoryRegisterMap> FuzzMap = new(() =>
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(1, 300, 300, 3000, 3000);
        map.SetDeviceIdentification(1, "Vendor", "Product", "1.0");
        map.SetServerId(1, [1, 2, 3], isRunning: true);
        return map;
    });

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Decoders_RandomAndMutatedFrames_NeverThrow(int seed)
    {
        var random = new Random(seed);
        for (int iteration = 0; iteration < 5000; iteration++)
        {
            byte[] input = iteration % 2 == 0 ? RandomBytes(random) : Mutate(random, ValidFrames[random.Next(ValidFrames.Length)]);
            try
            {
                FeedAllDecoders(input, random.Next(0, 130));
            }
            catch (Exception ex)
            {
                Assert.Fail($"Seed {seed}, iteration {iteration}, input {Hex.Format(input)}: {ex}");
            }
        }
    }

    private static void FeedAllDecoders(byte[] input, int expectedQuantity)
    {
        ModbusTcpFraming.TryReadFrame(input, out ModbusTcpFrame frame, out int consumed);
        Assert.InRange(consumed, 0, input.Length);

        int split = input.Length / 2;
        ModbusTcpFraming.TryReadFrame(Segments.Create(input[..split], input[split..]), out _, out ReadOnlySequence<byte> _, out _);

        // Feed the framed PDU (if any), the bytes after a would-be MBAP header, and the raw bytes as a PDU.
        DecodePdu(frame.Pdu, expectedQuantity);
        DecodePdu(input.AsSpan(Math.Min(MbapHeader.Size, input.Length)), expectedQuantity);
        DecodePdu(input, expectedQuantity);
    }

    private static void DecodePdu(ReadOnlySpan<byte> pdu, int expectedQuantity)
    {
        ushort[] registers = new ushort[expectedQuantity];
        ushort[] writeValues = new ushort[ModbusPdu.MaxWriteRegisters];

        ModbusPdu.DecodeReadRegistersResponse(pdu, ModbusFunctionCode.ReadHoldingRegisters, registers, out _);
        ModbusPdu.DecodeReadRegistersResponse(pdu, ModbusFunctionCode.ReadInputRegisters, registers, out _);
        ModbusPdu.DecodeWriteSingleRegisterResponse(pdu, 1, 3, out _);
        ModbusPdu.DecodeWriteMultipleRegistersResponse(pdu, 1, 2, out _);
        ModbusPdu.TryDecodeExceptionResponse(pdu, out _, out _);
        ModbusPdu.DecodeReadRegistersRequest(pdu, out _, out _, out _);
        ModbusPdu.DecodeWriteSingleRegisterRequest(pdu, out _, out _);
        ModbusPdu.DecodeWriteMultipleRegistersRequest(pdu, out _, writeValues, out _);
        ModbusPdu.DecodeWriteMultipleRegistersRequest(pdu, out _, registers, out _);

        bool[] bits = new bool[Math.Min(expectedQuantity * 16, ModbusPdu.MaxReadBits)];
        ushort[] readWriteValues = new ushort[ModbusPdu.MaxReadWriteWriteRegisters];
        ModbusPdu.DecodeReadBitsResponse(pdu, ModbusFunctionCode.ReadCoils, bits, out _);
        ModbusPdu.DecodeReadBitsResponse(pdu, ModbusFunctionCode.ReadDiscreteInputs, bits, out _);
        ModbusPdu.DecodeWriteSingleCoilResponse(pdu, 0xAC, true, out _);
        ModbusPdu.DecodeWriteMultipleCoilsResponse(pdu, 0x13, 10, out _);
        ModbusPdu.DecodeMaskWriteRegisterResponse(pdu, 4, 0xF2, 0x25, out _);
        ModbusPdu.DecodeReadWriteMultipleRegistersResponse(pdu, registers, out _);
        ModbusPdu.DecodeReportServerIdResponse(pdu, new byte[ModbusPdu.MaxServerIdLength], out _, out _, out _);
        ModbusPdu.DecodeReportServerIdResponse(pdu, new byte[2], out _, out _, out _);
        ModbusPdu.DecodeReadDeviceIdentificationResponse(pdu, ModbusReadDeviceIdCode.Basic, out _, new ModbusDeviceObjectLocation[255], out _);
        ModbusPdu.DecodeReadDeviceIdentificationResponse(pdu, ModbusReadDeviceIdCode.Individual, out _, new ModbusDeviceObjectLocation[2], out _);
        ModbusPdu.DecodeReadBitsRequest(pdu, out _, out _, out _);
        ModbusPdu.DecodeWriteSingleCoilRequest(pdu, out _, out _);
        ModbusPdu.DecodeWriteMultipleCoilsRequest(pdu, out _, new bool[ModbusPdu.MaxWriteCoils], out _);
        ModbusPdu.DecodeWriteMultipleCoilsRequest(pdu, out _, bits, out _);
        ModbusPdu.DecodeMaskWriteRegisterRequest(pdu, out _, out _, out _);
        ModbusPdu.DecodeReadWriteMultipleRegistersRequest(pdu, out _, out _, out _, readWriteValues, out _);
        ModbusPdu.DecodeReadWriteMultipleRegistersRequest(pdu, out _, out _, out _, registers, out _);
        ModbusPdu.DecodeReportServerIdRequest(pdu);
        ModbusPdu.DecodeReadDeviceIdentificationRequest(pdu, out _, out _);

        // The dispatcher must answer or reject any request without throwing (the map here never throws).
        if (!pdu.IsEmpty && pdu.Length <= MbapHeader.MaxPduLength)
        {
            ModbusRequestDispatcher.Dispatch(pdu.Length % 2 == 0 ? (byte)1 : (byte)7, pdu, FuzzMap.Value, new byte[MbapHeader.MaxPduLength], out int length, ex => throw ex);
            Assert.InRange(length, 0, MbapHeader.MaxPduLength);
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        byte[] bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        if (bytes.Length >= 4 && random.Next(2) == 0)
        {
            // Valid protocol id half the time, so the length check is exercised rather than the protocol check.
            bytes[2] = 0;
            bytes[3] = 0;
        }

        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] frame)
    {
        List<byte> bytes = [.. frame];
        int mutations = random.Next(1, 4);
        for (int i = 0; i < mutations; i++)
        {
            switch (random.Next(4))
            {
                case 0 when bytes.Count > 0:
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    break;
                case 1 when bytes.Count > 0:
                    bytes.RemoveAt(random.Next(bytes.Count));
                    break;
                case 2:
                    bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256));
                    break;
                default:
                    int cut = random.Next(bytes.Count + 1);
                    bytes.RemoveRange(cut, bytes.Count - cut);
                    break;
            }
        }

        return [.. bytes];
    }
}
