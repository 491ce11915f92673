using System.Text;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// Rows for functions 01, 02, 05, 15, 17, 22, 23 and 43/14 from Modbus Application Protocol V1.1b3
/// (6.1, 6.2, 6.5, 6.11, 6.13, 6.16, 6.17, 6.21), plus malformed rows.
/// </summary>
public sealed class ExtendedPduCodecTests
{
    // Spec 6.1: coils 20..38 (address 19, quantity 19) read as CD 6B 05.
    private const string Spec61Bits = "1011001111010110101";

    // Spec 6.2: inputs 197..218 (address 196, quantity 22) read as AC DB 35.
    private const string Spec62Bits = "0011010111011011101011";

    // Spec 6.11: coils 20..29 written with CD 01.
    private const string Spec611Bits = "1011001110";

    private const string Spec621ResponseHex =
        "2B 0E 01 01 00 00 03 " +
        "00 16 43 6F 6D 70 61 6E 79 20 69 64 65 6E 74 69 66 69 63 61 74 69 6F 6E " +
        "01 0F 50 72 6F 64 75 63 74 20 63 6F 64 65 20 58 58 " +
        "02 05 56 32 2E 31 31";

    internal static bool[] Bits(string ones) => [.. ones.Select(c => c == '1')];

    [Theory]
    [InlineData("Spec 6.1 read coils 20-38", ModbusFunctionCode.ReadCoils, 0x0013, 19, "01 00 13 00 13")]
    [InlineData("Spec 6.2 read discrete inputs 197-218", ModbusFunctionCode.ReadDiscreteInputs, 0x00C4, 22, "02 00 C4 00 16")]
    [InlineData("Largest bit read", ModbusFunctionCode.ReadCoils, 0, 2000, "01 00 00 07 D0")]
    public void EncodeReadBitsRequest_MatchesSpec(string description, ModbusFunctionCode function, int address, int quantity, string expectedHex)
    {
        _ = description;
        byte[] destination = new byte[MbapHeader.MaxPduLength];

        Assert.True(ModbusPdu.TryEncodeReadBitsRequest(function, (ushort)address, (ushort)quantity, destination, out int written));
        Assert.Equal(Hex.Format(Hex.Parse(expectedHex)), Hex.Format(destination.AsSpan(0, written)));
    }

    [Theory]
    [InlineData("Quantity 0", ModbusFunctionCode.ReadCoils, 0)]
    [InlineData("Quantity 2001", ModbusFunctionCode.ReadDiscreteInputs, 2001)]
    [InlineData("Register function", ModbusFunctionCode.ReadHoldingRegisters, 1)]
    public void EncodeReadBitsRequest_InvalidArguments_ReturnsFalse(string description, ModbusFunctionCode function, int quantity)
    {
        _ = description;
        Assert.False(ModbusPdu.TryEncodeReadBitsRequest(function, 0, (ushort)quantity, new byte[MbapHeader.MaxPduLength], out int written));
        Assert.Equal(0, written);
    }

    [Theory]
    [InlineData("Spec 6.1 response", ModbusFunctionCode.ReadCoils, "01 03 CD 6B 05", Spec61Bits)]
    [InlineData("Spec 6.2 response", ModbusFunctionCode.ReadDiscreteInputs, "02 03 AC DB 35", Spec62Bits)]
    [InlineData("Exactly one byte", ModbusFunctionCode.ReadCoils, "01 01 81", "10000001")]
    public void ReadBitsResponse_DecodesAndEncodesSpecBytes(string description, ModbusFunctionCode function, string pduHex, string expectedBits)
    {
        _ = description;
        bool[] expected = Bits(expectedBits);
        bool[] bits = new bool[expected.Length];

        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeReadBitsResponse(Hex.Parse(pduHex), function, bits, out _));
        Assert.Equal(expected, bits);

        byte[] encoded = new byte[MbapHeader.MaxPduLength];
        Assert.True(ModbusPdu.TryEncodeReadBitsResponse(function, expected, encoded, out int written));
        Assert.Equal(Hex.Format(Hex.Parse(pduHex)), Hex.Format(encoded.AsSpan(0, written)));
    }

    [Theory]
    [InlineData("Empty", "", ModbusPduStatus.Truncated)]
    [InlineData("Function only", "01", ModbusPduStatus.Truncated)]
    [InlineData("Byte count 2 for 19 coils", "01 02 CD 6B", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Byte count 4 for 19 coils", "01 04 CD 6B 05 00", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Data cut short", "01 03 CD 6B", ModbusPduStatus.Truncated)]
    [InlineData("Trailing byte", "01 03 CD 6B 05 00", ModbusPduStatus.TrailingBytes)]
    [InlineData("Answer to discrete inputs", "02 03 CD 6B 05", ModbusPduStatus.UnexpectedFunction)]
    [InlineData("Exception illegal data address", "81 02", ModbusPduStatus.ExceptionResponse)]
    public void DecodeReadBitsResponse_Malformed_ReturnsTypedStatus(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeReadBitsResponse(Hex.Parse(pduHex), ModbusFunctionCode.ReadCoils, new bool[19], out _));
    }

    [Theory]
    [InlineData("Spec 6.1 request", "01 00 13 00 13", ModbusPduStatus.Valid)]
    [InlineData("Spec 6.2 request", "02 00 C4 00 16", ModbusPduStatus.Valid)]
    [InlineData("Quantity 2000", "02 00 00 07 D0", ModbusPduStatus.Valid)]
    [InlineData("Quantity 0", "01 00 00 00 00", ModbusPduStatus.QuantityOutOfRange)]
    [InlineData("Quantity 2001", "01 00 00 07 D1", ModbusPduStatus.QuantityOutOfRange)]
    [InlineData("Truncated", "01 00 13 00", ModbusPduStatus.Truncated)]
    [InlineData("Trailing byte", "01 00 13 00 13 00", ModbusPduStatus.TrailingBytes)]
    [InlineData("Register function", "03 00 13 00 13", ModbusPduStatus.UnexpectedFunction)]
    public void DecodeReadBitsRequest_ChecksQuantityAndLength(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeReadBitsRequest(Hex.Parse(pduHex), out _, out _, out _));
    }

    [Fact]
    public void WriteSingleCoil_Spec65_RoundTrips()
    {
        byte[] destination = new byte[MbapHeader.MaxPduLength];

        Assert.True(ModbusPdu.TryEncodeWriteSingleCoilRequest(0x00AC, true, destination, out int written));
        Assert.Equal("0500ACFF00", Hex.Format(destination.AsSpan(0, written)));
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeWriteSingleCoilRequest(Hex.Parse("05 00 AC FF 00"), out ushort address, out bool value));
        Assert.Equal(0x00AC, address);
        Assert.True(value);
        Assert.True(ModbusPdu.TryEncodeWriteSingleCoilResponse(0x00AC, true, destination, out written));
        Assert.Equal("0500ACFF00", Hex.Format(destination.AsSpan(0, written)));
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeWriteSingleCoilResponse(Hex.Parse("05 00 AC FF 00"), 0x00AC, true, out _));
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeWriteSingleCoilRequest(Hex.Parse("05 00 AC 00 00"), out _, out value));
        Assert.False(value);
    }

    [Theory]
    [InlineData("Value 1234", "05 00 AC 12 34", ModbusPduStatus.InvalidValue)]
    [InlineData("Value 00FF (byte order swapped)", "05 00 AC 00 FF", ModbusPduStatus.InvalidValue)]
    [InlineData("Value 0001", "05 00 AC 00 01", ModbusPduStatus.InvalidValue)]
    [InlineData("Truncated", "05 00 AC FF", ModbusPduStatus.Truncated)]
    [InlineData("Trailing byte", "05 00 AC FF 00 00", ModbusPduStatus.TrailingBytes)]
    public void DecodeWriteSingleCoilRequest_Malformed_ReturnsTypedStatus(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeWriteSingleCoilRequest(Hex.Parse(pduHex), out _, out _));
    }

    [Theory]
    [InlineData("Echo with value off", "05 00 AC 00 00", ModbusPduStatus.EchoMismatch)]
    [InlineData("Other address", "05 00 AD FF 00", ModbusPduStatus.EchoMismatch)]
    [InlineData("Exception", "85 03", ModbusPduStatus.ExceptionResponse)]
    public void DecodeWriteSingleCoilResponse_ChecksEcho(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeWriteSingleCoilResponse(Hex.Parse(pduHex), 0x00AC, true, out _));
    }

    [Fact]
    public void WriteMultipleCoils_Spec611_RoundTrips()
    {
        byte[] destination = new byte[MbapHeader.MaxPduLength];
        bool[] values = new bool[ModbusPdu.MaxWriteCoils];

        Assert.True(ModbusPdu.TryEncodeWriteMultipleCoilsRequest(0x0013, Bits(Spec611Bits), destination, out int written));
        Assert.Equal("0F0013000A02CD01", Hex.Format(destination.AsSpan(0, written)));
        Assert.Equal(ModbusPduStatus.Valid,
            ModbusPdu.DecodeWriteMultipleCoilsRequest(Hex.Parse("0F 00 13 00 0A 02 CD 01"), out ushort address, values, out int quantity));
        Assert.Equal(0x0013, address);
        Assert.Equal(Bits(Spec611Bits), values[..quantity]);
        Assert.True(ModbusPdu.TryEncodeWriteMultipleCoilsResponse(0x0013, 10, destination, out written));
        Assert.Equal("0F0013000A", Hex.Format(destination.AsSpan(0, written)));
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeWriteMultipleCoilsResponse(Hex.Parse("0F 00 13 00 0A"), 0x0013, 10, out _));
        Assert.Equal(ModbusPduStatus.EchoMismatch, ModbusPdu.DecodeWriteMultipleCoilsResponse(Hex.Parse("0F 00 13 00 09"), 0x0013, 10, out _));
    }

    [Fact]
    public void EncodeWriteMultipleCoilsRequest_CountOutside1To1968_ReturnsFalse()
    {
        byte[] destination = new byte[MbapHeader.MaxPduLength];

        Assert.False(ModbusPdu.TryEncodeWriteMultipleCoilsRequest(0, [], destination, out _));
        Assert.False(ModbusPdu.TryEncodeWriteMultipleCoilsRequest(0, new bool[1969], destination, out _));
        Assert.True(ModbusPdu.TryEncodeWriteMultipleCoilsRequest(0, new bool[1968], destination, out int written));
        Assert.Equal(6 + 246, written);
    }

    [Theory]
    [InlineData("Quantity 0", "0F 00 13 00 00 00", ModbusPduStatus.QuantityOutOfRange)]
    [InlineData("Byte count 1 for 10 coils", "0F 00 13 00 0A 01 CD", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Byte count 3 for 10 coils", "0F 00 13 00 0A 03 CD 01 00", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Data cut short", "0F 00 13 00 0A 02 CD", ModbusPduStatus.Truncated)]
    [InlineData("Header cut short", "0F 00 13 00 0A", ModbusPduStatus.Truncated)]
    [InlineData("Trailing byte", "0F 00 13 00 0A 02 CD 01 00", ModbusPduStatus.TrailingBytes)]
    public void DecodeWriteMultipleCoilsRequest_Malformed_ReturnsTypedStatus(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeWriteMultipleCoilsRequest(Hex.Parse(pduHex), out _, new bool[ModbusPdu.MaxWriteCoils], out _));
    }

    [Fact]
    public void DecodeWriteMultipleCoilsRequest_Quantity1969_IsOutOfRange()
    {
        byte[] pdu = [0x0F, 0x00, 0x00, 0x07, 0xB1, 247, .. new byte[247]];

        Assert.Equal(ModbusPduStatus.QuantityOutOfRange, ModbusPdu.DecodeWriteMultipleCoilsRequest(pdu, out _, new bool[2000], out _));
    }

    [Fact]
    public void MaskWriteRegister_Spec616_RoundTripsAndAppliesMask()
    {
        byte[] destination = new byte[MbapHeader.MaxPduLength];

        Assert.True(ModbusPdu.TryEncodeMaskWriteRegisterRequest(0x0004, 0x00F2, 0x0025, destination, out int written));
        Assert.Equal("16000400F20025", Hex.Format(destination.AsSpan(0, written)));
        Assert.Equal(ModbusPduStatus.Valid,
            ModbusPdu.DecodeMaskWriteRegisterRequest(Hex.Parse("16 00 04 00 F2 00 25"), out ushort address, out ushort andMask, out ushort orMask));
        Assert.Equal((0x0004, 0x00F2, 0x0025), (address, andMask, orMask));
        Assert.Equal(0x0017, ModbusPdu.ApplyMask(0x0012, 0x00F2, 0x0025));
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeMaskWriteRegisterResponse(Hex.Parse("16 00 04 00 F2 00 25"), 4, 0xF2, 0x25, out _));
    }

    [Theory]
    [InlineData("Other OR mask echoed", "16 00 04 00 F2 00 26", ModbusPduStatus.EchoMismatch)]
    [InlineData("Truncated", "16 00 04 00 F2 00", ModbusPduStatus.Truncated)]
    [InlineData("Trailing byte", "16 00 04 00 F2 00 25 00", ModbusPduStatus.TrailingBytes)]
    [InlineData("Exception", "96 02", ModbusPduStatus.ExceptionResponse)]
    public void DecodeMaskWriteRegisterResponse_Malformed_ReturnsTypedStatus(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeMaskWriteRegisterResponse(Hex.Parse(pduHex), 4, 0xF2, 0x25, out _));
        if (expected != ModbusPduStatus.EchoMismatch && expected != ModbusPduStatus.ExceptionResponse)
        {
            Assert.Equal(expected, ModbusPdu.DecodeMaskWriteRegisterRequest(Hex.Parse(pduHex), out _, out _, out _));
        }
    }

    [Fact]
    public void ReadWriteMultipleRegisters_Spec617_RoundTrips()
    {
        const string requestHex = "17 00 03 00 06 00 0E 00 03 06 00 FF 00 FF 00 FF";
        const string responseHex = "17 0C 00 FE 0A CD 00 01 00 03 00 0D 00 FF";
        ushort[] read = [0x00FE, 0x0ACD, 0x0001, 0x0003, 0x000D, 0x00FF];
        byte[] destination = new byte[MbapHeader.MaxPduLength];

        Assert.True(ModbusPdu.TryEncodeReadWriteMultipleRegistersRequest(3, 6, 14, [0xFF, 0xFF, 0xFF], destination, out int written));
        Assert.Equal(Hex.Format(Hex.Parse(requestHex)), Hex.Format(destination.AsSpan(0, written)));

        ushort[] values = new ushort[ModbusPdu.MaxReadWriteWriteRegisters];
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeReadWriteMultipleRegistersRequest(
            Hex.Parse(requestHex), out ushort readAddress, out ushort readQuantity, out ushort writeAddress, values, out int writeQuantity));
        Assert.Equal((3, 6, 14, 3), (readAddress, readQuantity, writeAddress, writeQuantity));
        Assert.Equal([0xFF, 0xFF, 0xFF], values[..writeQuantity]);

        Assert.True(ModbusPdu.TryEncodeReadWriteMultipleRegistersResponse(read, destination, out written));
        Assert.Equal(Hex.Format(Hex.Parse(responseHex)), Hex.Format(destination.AsSpan(0, written)));
        ushort[] registers = new ushort[6];
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeReadWriteMultipleRegistersResponse(Hex.Parse(responseHex), registers, out _));
        Assert.Equal(read, registers);
    }

    [Theory]
    [InlineData("Read quantity 0", 0, 1, false)]
    [InlineData("Read quantity 126", 126, 1, false)]
    [InlineData("Write quantity 0", 1, 0, false)]
    [InlineData("Write quantity 122", 1, 122, false)]
    [InlineData("Largest", 125, 121, true)]
    public void EncodeReadWriteMultipleRegistersRequest_EnforcesLimits(string description, int readQuantity, int writeQuantity, bool expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.TryEncodeReadWriteMultipleRegistersRequest(
            0, (ushort)readQuantity, 0, new ushort[writeQuantity], new byte[MbapHeader.MaxPduLength], out _));
    }

    [Theory]
    [InlineData("Read quantity 0", "17 00 03 00 00 00 0E 00 01 02 00 FF", ModbusPduStatus.QuantityOutOfRange)]
    [InlineData("Read quantity 126", "17 00 03 00 7E 00 0E 00 01 02 00 FF", ModbusPduStatus.QuantityOutOfRange)]
    [InlineData("Write quantity 0", "17 00 03 00 01 00 0E 00 00 00", ModbusPduStatus.QuantityOutOfRange)]
    [InlineData("Byte count 4 for 1 register", "17 00 03 00 01 00 0E 00 01 04 00 FF 00 FF", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Data cut short", "17 00 03 00 01 00 0E 00 01 02 00", ModbusPduStatus.Truncated)]
    [InlineData("Header cut short", "17 00 03 00 01 00 0E 00 01", ModbusPduStatus.Truncated)]
    public void DecodeReadWriteMultipleRegistersRequest_Malformed_ReturnsTypedStatus(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeReadWriteMultipleRegistersRequest(
            Hex.Parse(pduHex), out _, out _, out _, new ushort[ModbusPdu.MaxReadWriteWriteRegisters], out _));
    }

    [Fact]
    public void DecodeReadWriteMultipleRegistersRequest_WriteQuantity122_IsOutOfRange()
    {
        byte[] pdu = [0x17, 0x00, 0x03, 0x00, 0x01, 0x00, 0x0E, 0x00, 122, 244, .. new byte[244]];

        Assert.Equal(ModbusPduStatus.QuantityOutOfRange, ModbusPdu.DecodeReadWriteMultipleRegistersRequest(pdu, out _, out _, out _, new ushort[125], out _));
    }

    [Theory]
    [InlineData("Byte count for 5 registers", "17 0A 00 FE 0A CD 00 01 00 03 00 0D", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Truncated", "17 0C 00 FE", ModbusPduStatus.Truncated)]
    [InlineData("Answer to function 03", "03 0C 00 FE 0A CD 00 01 00 03 00 0D 00 FF", ModbusPduStatus.UnexpectedFunction)]
    [InlineData("Exception", "97 03", ModbusPduStatus.ExceptionResponse)]
    public void DecodeReadWriteMultipleRegistersResponse_Malformed_ReturnsTypedStatus(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeReadWriteMultipleRegistersResponse(Hex.Parse(pduHex), new ushort[6], out _));
    }

    [Fact]
    public void ReportServerId_RoundTrips()
    {
        byte[] destination = new byte[MbapHeader.MaxPduLength];
        byte[] serverId = new byte[ModbusPdu.MaxServerIdLength];

        Assert.True(ModbusPdu.TryEncodeReportServerIdRequest(destination, out int written));
        Assert.Equal("11", Hex.Format(destination.AsSpan(0, written)));
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeReportServerIdRequest(Hex.Parse("11")));
        Assert.Equal(ModbusPduStatus.TrailingBytes, ModbusPdu.DecodeReportServerIdRequest(Hex.Parse("11 00")));

        Assert.True(ModbusPdu.TryEncodeReportServerIdResponse("CSM"u8, true, destination, out written));
        Assert.Equal("110443534DFF", Hex.Format(destination.AsSpan(0, written)));
        Assert.Equal(ModbusPduStatus.Valid,
            ModbusPdu.DecodeReportServerIdResponse(destination.AsSpan(0, written), serverId, out int length, out bool running, out _));
        Assert.Equal("CSM"u8.ToArray(), serverId[..length]);
        Assert.True(running);
        Assert.False(ModbusPdu.TryEncodeReportServerIdResponse(new byte[251], true, destination, out _));
    }

    [Theory]
    [InlineData("Run indicator 12", "11 02 01 12", ModbusPduStatus.InvalidValue)]
    [InlineData("Byte count 0", "11 00", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Cut short", "11 03 01 FF", ModbusPduStatus.Truncated)]
    [InlineData("Trailing byte", "11 02 01 FF 00", ModbusPduStatus.TrailingBytes)]
    [InlineData("Run indicator off", "11 02 01 00", ModbusPduStatus.Valid)]
    [InlineData("Exception", "91 01", ModbusPduStatus.ExceptionResponse)]
    public void DecodeReportServerIdResponse_ReturnsTypedStatus(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeReportServerIdResponse(Hex.Parse(pduHex), new byte[250], out _, out _, out _));
    }

    [Fact]
    public void ReadDeviceIdentification_Spec621_RoundTrips()
    {
        byte[] destination = new byte[MbapHeader.MaxPduLength];

        Assert.True(ModbusPdu.TryEncodeReadDeviceIdentificationRequest(ModbusReadDeviceIdCode.Basic, 0, destination, out int written));
        Assert.Equal("2B0E0100", Hex.Format(destination.AsSpan(0, written)));
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeReadDeviceIdentificationRequest(Hex.Parse("2B 0E 01 00"), out ModbusReadDeviceIdCode code, out byte objectId));
        Assert.Equal((ModbusReadDeviceIdCode.Basic, (byte)0), (code, objectId));

        ModbusDeviceObject[] objects = [new(0, "Company identification"), new(1, "Product code XX"), new(2, "V2.11")];
        Assert.True(ModbusPdu.TryEncodeReadDeviceIdentificationResponse(ModbusReadDeviceIdCode.Basic, 0x01, objects, destination, out written, out int objectsWritten));
        Assert.Equal(3, objectsWritten);
        Assert.Equal(Hex.Format(Hex.Parse(Spec621ResponseHex)), Hex.Format(destination.AsSpan(0, written)));

        byte[] pdu = Hex.Parse(Spec621ResponseHex);
        var locations = new ModbusDeviceObjectLocation[255];
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeReadDeviceIdentificationResponse(
            pdu, ModbusReadDeviceIdCode.Basic, out ModbusDeviceIdentificationHeader header, locations, out _));
        Assert.Equal(new ModbusDeviceIdentificationHeader(ModbusReadDeviceIdCode.Basic, 0x01, false, 0, 3), header);
        Assert.Equal(
            ["Company identification", "Product code XX", "V2.11"],
            locations[..3].Select(l => Encoding.ASCII.GetString(pdu, l.Offset, l.Length)));
        Assert.Equal([0, 1, 2], locations[..3].Select(l => (int)l.ObjectId));
    }

    [Fact]
    public void EncodeReadDeviceIdentificationResponse_TooLongForOnePdu_SetsMoreFollows()
    {
        ModbusDeviceObject[] objects = [new(0, new string('V', 200)), new(1, new string('P', 100)), new(2, "1.0")];
        byte[] destination = new byte[MbapHeader.MaxAduLength];

        Assert.True(ModbusPdu.TryEncodeReadDeviceIdentificationResponse(ModbusReadDeviceIdCode.Basic, 0x81, objects, destination, out int written, out int objectsWritten));

        Assert.Equal(1, objectsWritten);
        Assert.Equal(7 + 2 + 200, written);
        Assert.Equal("2B0E0181FF010100C8", Hex.Format(destination.AsSpan(0, 9)));
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeReadDeviceIdentificationResponse(
            destination.AsSpan(0, written), ModbusReadDeviceIdCode.Basic, out ModbusDeviceIdentificationHeader header, new ModbusDeviceObjectLocation[255], out _));
        Assert.True(header.MoreFollows);
        Assert.Equal(1, header.NextObjectId);
    }

    [Theory]
    [InlineData("Read device id code 5", "2B 0E 05 00", ModbusPduStatus.InvalidValue)]
    [InlineData("Read device id code 0", "2B 0E 00 00", ModbusPduStatus.InvalidValue)]
    [InlineData("CANopen MEI type", "2B 0D 01 00", ModbusPduStatus.UnexpectedFunction)]
    [InlineData("Truncated", "2B 0E 01", ModbusPduStatus.Truncated)]
    [InlineData("Trailing byte", "2B 0E 01 00 00", ModbusPduStatus.TrailingBytes)]
    [InlineData("Individual object 2", "2B 0E 04 02", ModbusPduStatus.Valid)]
    public void DecodeReadDeviceIdentificationRequest_ReturnsTypedStatus(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeReadDeviceIdentificationRequest(Hex.Parse(pduHex), out _, out _));
    }

    [Theory]
    [InlineData("Object length beyond the PDU", "2B 0E 01 01 00 00 01 00 05 41 42", ModbusPduStatus.Truncated)]
    [InlineData("Fewer objects than announced", "2B 0E 01 01 00 00 02 00 01 41", ModbusPduStatus.Truncated)]
    [InlineData("Bytes after the last object", "2B 0E 01 01 00 00 01 00 01 41 42", ModbusPduStatus.TrailingBytes)]
    [InlineData("More follows 12", "2B 0E 01 01 12 00 01 00 01 41", ModbusPduStatus.InvalidValue)]
    [InlineData("Other read device id code", "2B 0E 02 01 00 00 01 00 01 41", ModbusPduStatus.EchoMismatch)]
    [InlineData("Other MEI type", "2B 0D 01 01 00 00 01 00 01 41", ModbusPduStatus.UnexpectedFunction)]
    [InlineData("Header cut short", "2B 0E 01 01 00 00", ModbusPduStatus.Truncated)]
    [InlineData("Exception", "AB 03", ModbusPduStatus.ExceptionResponse)]
    [InlineData("One object", "2B 0E 01 01 00 00 01 00 01 41", ModbusPduStatus.Valid)]
    public void DecodeReadDeviceIdentificationResponse_ReturnsTypedStatus(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeReadDeviceIdentificationResponse(
            Hex.Parse(pduHex), ModbusReadDeviceIdCode.Basic, out _, new ModbusDeviceObjectLocation[255], out _));
    }

    [Fact]
    public void DecodeReadDeviceIdentificationResponse_MoreObjectsThanTheDestination_IsDestinationTooSmall()
    {
        Assert.Equal(ModbusPduStatus.DestinationTooSmall, ModbusPdu.DecodeReadDeviceIdentificationResponse(
            Hex.Parse("2B 0E 01 01 00 00 02 00 01 41 01 01 42"), ModbusReadDeviceIdCode.Basic, out _, new ModbusDeviceObjectLocation[1], out _));
    }

    [Theory]
    [InlineData("01", "81")]
    [InlineData("02", "82")]
    [InlineData("05", "85")]
    [InlineData("0F", "8F")]
    [InlineData("11", "91")]
    [InlineData("16", "96")]
    [InlineData("17", "97")]
    [InlineData("2B", "AB")]
    public void EveryNewResponseDecoder_AcceptsItsExceptionResponse(string function, string exceptionFunction)
    {
        byte[] pdu = Hex.Parse(exceptionFunction + " 04");
        ModbusExceptionCode code = default;
        ModbusPduStatus status = function switch
        {
            "01" => ModbusPdu.DecodeReadBitsResponse(pdu, ModbusFunctionCode.ReadCoils, new bool[1], out code),
            "02" => ModbusPdu.DecodeReadBitsResponse(pdu, ModbusFunctionCode.ReadDiscreteInputs, new bool[1], out code),
            "05" => ModbusPdu.DecodeWriteSingleCoilResponse(pdu, 0, true, out code),
            "0F" => ModbusPdu.DecodeWriteMultipleCoilsResponse(pdu, 0, 1, out code),
            "11" => ModbusPdu.DecodeReportServerIdResponse(pdu, new byte[250], out _, out _, out code),
            "16" => ModbusPdu.DecodeMaskWriteRegisterResponse(pdu, 0, 0, 0, out code),
            "17" => ModbusPdu.DecodeReadWriteMultipleRegistersResponse(pdu, new ushort[1], out code),
            _ => ModbusPdu.DecodeReadDeviceIdentificationResponse(pdu, ModbusReadDeviceIdCode.Basic, out _, new ModbusDeviceObjectLocation[3], out code),
        };

        Assert.Equal(ModbusPduStatus.ExceptionResponse, status);
        Assert.Equal(ModbusExceptionCode.ServerDeviceFailure, code);
    }
}
