namespace City.Protocols.Modbus.Tests;

/// <summary>Rows from Modbus Application Protocol V1.1b3, sections 6.3, 6.4, 6.6, 6.12 and 7.</summary>
public sealed class PduCodecTests
{
    [Theory]
    [InlineData("Spec 6.3 read holding registers 108-110", ModbusFunctionCode.ReadHoldingRegisters, 0x006B, 3, "03 00 6B 00 03")]
    [InlineData("Spec 6.4 read input register 9", ModbusFunctionCode.ReadInputRegisters, 0x0008, 1, "04 00 08 00 01")]
    [InlineData("Largest read", ModbusFunctionCode.ReadHoldingRegisters, 0xFF82, 125, "03 FF 82 00 7D")]
    public void EncodeReadRegistersRequest_MatchesSpec(string description, ModbusFunctionCode function, int address, int quantity, string expectedHex)
    {
        _ = description;
        byte[] destination = new byte[MbapHeader.MaxPduLength];

        Assert.True(ModbusPdu.TryEncodeReadRegistersRequest(function, (ushort)address, (ushort)quantity, destination, out int written));
        Assert.Equal(Hex.Format(Hex.Parse(expectedHex)), Hex.Format(destination.AsSpan(0, written)));
    }

    [Theory]
    [InlineData("Quantity 0", ModbusFunctionCode.ReadHoldingRegisters, 0, 253)]
    [InlineData("Quantity 126", ModbusFunctionCode.ReadInputRegisters, 126, 253)]
    [InlineData("Not a read function", ModbusFunctionCode.WriteSingleRegister, 1, 253)]
    [InlineData("Destination too short", ModbusFunctionCode.ReadHoldingRegisters, 1, 4)]
    public void EncodeReadRegistersRequest_InvalidArguments_ReturnsFalse(string description, ModbusFunctionCode function, int quantity, int destinationLength)
    {
        _ = description;
        Assert.False(ModbusPdu.TryEncodeReadRegistersRequest(function, 0, (ushort)quantity, new byte[destinationLength], out int written));
        Assert.Equal(0, written);
    }

    [Fact]
    public void EncodeWriteRequests_MatchSpec()
    {
        byte[] destination = new byte[MbapHeader.MaxPduLength];

        Assert.True(ModbusPdu.TryEncodeWriteSingleRegisterRequest(0x0001, 0x0003, destination, out int written));
        Assert.Equal("0600010003", Hex.Format(destination.AsSpan(0, written)));

        Assert.True(ModbusPdu.TryEncodeWriteMultipleRegistersRequest(0x0001, [0x000A, 0x0102], destination, out written));
        Assert.Equal("100001000204000A0102", Hex.Format(destination.AsSpan(0, written)));
    }

    [Fact]
    public void EncodeWriteMultipleRegistersRequest_CountOutside1To123_ReturnsFalse()
    {
        byte[] destination = new byte[400];

        Assert.False(ModbusPdu.TryEncodeWriteMultipleRegistersRequest(0, [], destination, out _));
        Assert.False(ModbusPdu.TryEncodeWriteMultipleRegistersRequest(0, new ushort[124], destination, out _));
        Assert.True(ModbusPdu.TryEncodeWriteMultipleRegistersRequest(0, new ushort[123], destination, out int written));
        Assert.Equal(MbapHeader.MaxPduLength - 1, written);
    }

    [Theory]
    [InlineData("Spec 6.3 response", ModbusFunctionCode.ReadHoldingRegisters, "03 06 02 2B 00 00 00 64", "022B,0000,0064")]
    [InlineData("Spec 6.4 response", ModbusFunctionCode.ReadInputRegisters, "04 02 00 0A", "000A")]
    [InlineData("High values", ModbusFunctionCode.ReadHoldingRegisters, "03 04 FF FF 80 00", "FFFF,8000")]
    public void DecodeReadRegistersResponse_MatchesSpec(string description, ModbusFunctionCode function, string pduHex, string expectedRegisters)
    {
        _ = description;
        ushort[] expected = [.. expectedRegisters.Split(',').Select(r => Convert.ToUInt16(r, 16))];
        ushort[] registers = new ushort[expected.Length];

        ModbusPduStatus status = ModbusPdu.DecodeReadRegistersResponse(Hex.Parse(pduHex), function, registers, out _);

        Assert.Equal(ModbusPduStatus.Valid, status);
        Assert.Equal(expected, registers);
    }

    [Theory]
    [InlineData("Empty PDU", "", ModbusPduStatus.Truncated)]
    [InlineData("Function code only", "03", ModbusPduStatus.Truncated)]
    [InlineData("Data cut short", "03 06 02 2B 00 00 00", ModbusPduStatus.Truncated)]
    [InlineData("Byte count for 2 registers, 3 asked", "03 04 02 2B 00 00", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Odd byte count", "03 05 02 2B 00 00 00", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Byte count larger than data", "03 08 02 2B 00 00 00 64", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Trailing byte", "03 06 02 2B 00 00 00 64 FF", ModbusPduStatus.TrailingBytes)]
    [InlineData("Answer to another function", "04 06 02 2B 00 00 00 64", ModbusPduStatus.UnexpectedFunction)]
    [InlineData("Exception for another function", "84 02", ModbusPduStatus.UnexpectedFunction)]
    [InlineData("Exception without code", "83", ModbusPduStatus.Truncated)]
    [InlineData("Exception with trailing byte", "83 02 00", ModbusPduStatus.TrailingBytes)]
    [InlineData("Exception illegal data address", "83 02", ModbusPduStatus.ExceptionResponse)]
    public void DecodeReadRegistersResponse_MalformedOrException_ReturnsTypedStatus(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        ModbusPduStatus status = ModbusPdu.DecodeReadRegistersResponse(Hex.Parse(pduHex), ModbusFunctionCode.ReadHoldingRegisters, new ushort[3], out _);

        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData("01", ModbusExceptionCode.IllegalFunction)]
    [InlineData("02", ModbusExceptionCode.IllegalDataAddress)]
    [InlineData("03", ModbusExceptionCode.IllegalDataValue)]
    [InlineData("04", ModbusExceptionCode.ServerDeviceFailure)]
    [InlineData("05", ModbusExceptionCode.Acknowledge)]
    [InlineData("06", ModbusExceptionCode.ServerDeviceBusy)]
    [InlineData("08", ModbusExceptionCode.MemoryParityError)]
    [InlineData("0A", ModbusExceptionCode.GatewayPathUnavailable)]
    [InlineData("0B", ModbusExceptionCode.GatewayTargetDeviceFailedToRespond)]
    public void ExceptionResponse_EveryDefinedCode_IsDecodedByEveryResponseDecoder(string codeHex, ModbusExceptionCode expected)
    {
        Assert.Equal(ModbusPduStatus.ExceptionResponse,
            ModbusPdu.DecodeReadRegistersResponse(Hex.Parse("84" + codeHex), ModbusFunctionCode.ReadInputRegisters, new ushort[1], out ModbusExceptionCode read));
        Assert.Equal(ModbusPduStatus.ExceptionResponse,
            ModbusPdu.DecodeWriteSingleRegisterResponse(Hex.Parse("86" + codeHex), 1, 3, out ModbusExceptionCode single));
        Assert.Equal(ModbusPduStatus.ExceptionResponse,
            ModbusPdu.DecodeWriteMultipleRegistersResponse(Hex.Parse("90" + codeHex), 1, 2, out ModbusExceptionCode multiple));
        Assert.True(ModbusPdu.TryDecodeExceptionResponse(Hex.Parse("83" + codeHex), out byte function, out ModbusExceptionCode generic));

        Assert.Equal(expected, read);
        Assert.Equal(expected, single);
        Assert.Equal(expected, multiple);
        Assert.Equal(expected, generic);
        Assert.Equal(0x03, function);
    }

    [Theory]
    [InlineData("Not an exception", "03 02")]
    [InlineData("Too short", "83")]
    [InlineData("Too long", "83 02 00")]
    public void TryDecodeExceptionResponse_NotExactlyAnException_ReturnsFalse(string description, string pduHex)
    {
        _ = description;
        Assert.False(ModbusPdu.TryDecodeExceptionResponse(Hex.Parse(pduHex), out _, out _));
    }

    [Theory]
    [InlineData("Spec 6.6 echo", "06 00 01 00 03", ModbusPduStatus.Valid)]
    [InlineData("Other value echoed", "06 00 01 00 04", ModbusPduStatus.EchoMismatch)]
    [InlineData("Other address echoed", "06 00 02 00 03", ModbusPduStatus.EchoMismatch)]
    [InlineData("Truncated", "06 00 01 00", ModbusPduStatus.Truncated)]
    [InlineData("Trailing byte", "06 00 01 00 03 00", ModbusPduStatus.TrailingBytes)]
    [InlineData("Wrong function", "10 00 01 00 03", ModbusPduStatus.UnexpectedFunction)]
    public void DecodeWriteSingleRegisterResponse_ChecksEcho(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeWriteSingleRegisterResponse(Hex.Parse(pduHex), 0x0001, 0x0003, out _));
    }

    [Theory]
    [InlineData("Spec 6.12 response", "10 00 01 00 02", ModbusPduStatus.Valid)]
    [InlineData("Other quantity", "10 00 01 00 01", ModbusPduStatus.EchoMismatch)]
    [InlineData("Truncated", "10 00 01", ModbusPduStatus.Truncated)]
    public void DecodeWriteMultipleRegistersResponse_ChecksEcho(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeWriteMultipleRegistersResponse(Hex.Parse(pduHex), 0x0001, 2, out _));
    }

    [Theory]
    [InlineData("Spec 6.3 request", "03 00 6B 00 03", ModbusPduStatus.Valid)]
    [InlineData("Spec 6.4 request", "04 00 08 00 01", ModbusPduStatus.Valid)]
    [InlineData("Quantity 125", "03 00 00 00 7D", ModbusPduStatus.Valid)]
    [InlineData("Quantity 0", "03 00 00 00 00", ModbusPduStatus.QuantityOutOfRange)]
    [InlineData("Quantity 126", "04 00 00 00 7E", ModbusPduStatus.QuantityOutOfRange)]
    [InlineData("Truncated", "03 00 6B 00", ModbusPduStatus.Truncated)]
    [InlineData("Trailing byte", "03 00 6B 00 03 00", ModbusPduStatus.TrailingBytes)]
    [InlineData("Write function", "06 00 6B 00 03", ModbusPduStatus.UnexpectedFunction)]
    [InlineData("Empty", "", ModbusPduStatus.Truncated)]
    public void DecodeReadRegistersRequest_ValidatesQuantityAndLength(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        Assert.Equal(expected, ModbusPdu.DecodeReadRegistersRequest(Hex.Parse(pduHex), out _, out _, out _));
    }

    [Fact]
    public void DecodeReadRegistersRequest_SpecExample_ReturnsFields()
    {
        ModbusPdu.DecodeReadRegistersRequest(Hex.Parse("03 00 6B 00 03"), out ModbusFunctionCode function, out ushort address, out ushort quantity);

        Assert.Equal(ModbusFunctionCode.ReadHoldingRegisters, function);
        Assert.Equal(0x6B, address);
        Assert.Equal(3, quantity);
    }

    [Fact]
    public void DecodeWriteSingleRegisterRequest_SpecExample_ReturnsFields()
    {
        Assert.Equal(ModbusPduStatus.Valid, ModbusPdu.DecodeWriteSingleRegisterRequest(Hex.Parse("06 00 01 00 03"), out ushort address, out ushort value));
        Assert.Equal(1, address);
        Assert.Equal(3, value);
        Assert.Equal(ModbusPduStatus.Truncated, ModbusPdu.DecodeWriteSingleRegisterRequest(Hex.Parse("06 00 01"), out _, out _));
    }

    [Theory]
    [InlineData("Spec 6.12 request", "10 00 01 00 02 04 00 0A 01 02", ModbusPduStatus.Valid)]
    [InlineData("Byte count 3 for 2 registers", "10 00 01 00 02 03 00 0A 01", ModbusPduStatus.ByteCountMismatch)]
    [InlineData("Quantity 0", "10 00 01 00 00 00", ModbusPduStatus.QuantityOutOfRange)]
    [InlineData("Values cut short", "10 00 01 00 02 04 00 0A 01", ModbusPduStatus.Truncated)]
    [InlineData("Trailing byte", "10 00 01 00 02 04 00 0A 01 02 03", ModbusPduStatus.TrailingBytes)]
    [InlineData("Header cut short", "10 00 01 00 02", ModbusPduStatus.Truncated)]
    public void DecodeWriteMultipleRegistersRequest_ValidatesByteCount(string description, string pduHex, ModbusPduStatus expected)
    {
        _ = description;
        ushort[] values = new ushort[ModbusPdu.MaxWriteRegisters];

        ModbusPduStatus status = ModbusPdu.DecodeWriteMultipleRegistersRequest(Hex.Parse(pduHex), out ushort address, values, out int quantity);

        Assert.Equal(expected, status);
        if (status == ModbusPduStatus.Valid)
        {
            Assert.Equal(1, address);
            Assert.Equal(2, quantity);
            Assert.Equal(new ushort[] { 0x000A, 0x0102 }, values[..quantity]);
        }
    }

    [Fact]
    public void DecodeWriteMultipleRegistersRequest_QuantityOver123_IsOutOfRange()
    {
        byte[] pdu = new byte[6 + 248];
        Hex.Parse("10 00 00 00 7C F8").CopyTo(pdu, 0);

        Assert.Equal(ModbusPduStatus.QuantityOutOfRange, ModbusPdu.DecodeWriteMultipleRegistersRequest(pdu, out _, new ushort[124], out _));
    }

    [Fact]
    public void EncodeResponses_MatchSpec()
    {
        byte[] destination = new byte[MbapHeader.MaxPduLength];

        Assert.True(ModbusPdu.TryEncodeReadRegistersResponse(ModbusFunctionCode.ReadHoldingRegisters, [0x022B, 0x0000, 0x0064], destination, out int written));
        Assert.Equal("0306022B00000064", Hex.Format(destination.AsSpan(0, written)));

        Assert.True(ModbusPdu.TryEncodeWriteSingleRegisterResponse(1, 3, destination, out written));
        Assert.Equal("0600010003", Hex.Format(destination.AsSpan(0, written)));

        Assert.True(ModbusPdu.TryEncodeWriteMultipleRegistersResponse(1, 2, destination, out written));
        Assert.Equal("1000010002", Hex.Format(destination.AsSpan(0, written)));

        Assert.True(ModbusPdu.TryEncodeExceptionResponse(0x03, ModbusExceptionCode.IllegalDataAddress, destination, out written));
        Assert.Equal("8302", Hex.Format(destination.AsSpan(0, written)));

        Assert.False(ModbusPdu.TryEncodeReadRegistersResponse(ModbusFunctionCode.ReadHoldingRegisters, new ushort[126], destination, out _));
        Assert.False(ModbusPdu.TryEncodeExceptionResponse(0x03, ModbusExceptionCode.IllegalFunction, new byte[1], out _));
    }
}
