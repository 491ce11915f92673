namespace City.Protocols.Modbus.Tests;

public sealed class RegisterValueTests
{
    // 123.456f is 0x42F6E979.
    [Theory]
    [InlineData(WordOrder.Abcd, 0x42F6, 0xE979)]
    [InlineData(WordOrder.Cdab, 0xE979, 0x42F6)]
    [InlineData(WordOrder.Badc, 0xF642, 0x79E9)]
    [InlineData(WordOrder.Dcba, 0x79E9, 0xF642)]
    public void Float32_InEveryWordOrder_DecodesAndEncodes(WordOrder order, int first, int second)
    {
        ushort[] registers = [(ushort)first, (ushort)second];

        Assert.True(ModbusRegisterValue.TryReadFloat32(registers, order, out float value));
        Assert.Equal(123.456f, value);

        ushort[] encoded = new ushort[2];
        Assert.True(ModbusRegisterValue.TryWriteFloat32(123.456f, order, encoded));
        Assert.Equal(registers, encoded);
    }

    [Theory]
    [InlineData(WordOrder.Abcd, 0x1234, 0x5678)]
    [InlineData(WordOrder.Cdab, 0x5678, 0x1234)]
    [InlineData(WordOrder.Badc, 0x3412, 0x7856)]
    [InlineData(WordOrder.Dcba, 0x7856, 0x3412)]
    public void UInt32AndInt32_InEveryWordOrder_DecodeAndEncode(WordOrder order, int first, int second)
    {
        ushort[] registers = [(ushort)first, (ushort)second];

        Assert.True(ModbusRegisterValue.TryReadUInt32(registers, order, out uint unsigned));
        Assert.True(ModbusRegisterValue.TryReadInt32(registers, order, out int signed));
        Assert.Equal(0x12345678u, unsigned);
        Assert.Equal(0x12345678, signed);

        ushort[] encoded = new ushort[2];
        Assert.True(ModbusRegisterValue.TryWriteUInt32(0x12345678u, order, encoded));
        Assert.Equal(registers, encoded);
        Assert.True(ModbusRegisterValue.TryWriteInt32(0x12345678, order, encoded));
        Assert.Equal(registers, encoded);
    }

    // 123.456 as a double is 0x405EDD2F1A9FBE77.
    [Theory]
    [InlineData(WordOrder.Abcd, 0x405E, 0xDD2F, 0x1A9F, 0xBE77)]
    [InlineData(WordOrder.Cdab, 0xBE77, 0x1A9F, 0xDD2F, 0x405E)]
    [InlineData(WordOrder.Badc, 0x5E40, 0x2FDD, 0x9F1A, 0x77BE)]
    [InlineData(WordOrder.Dcba, 0x77BE, 0x9F1A, 0x2FDD, 0x5E40)]
    public void Float64_InEveryWordOrder_DecodesAndEncodes(WordOrder order, int r0, int r1, int r2, int r3)
    {
        ushort[] registers = [(ushort)r0, (ushort)r1, (ushort)r2, (ushort)r3];

        Assert.True(ModbusRegisterValue.TryReadFloat64(registers, order, out double value));
        Assert.Equal(123.456, value);

        ushort[] encoded = new ushort[4];
        Assert.True(ModbusRegisterValue.TryWriteFloat64(123.456, order, encoded));
        Assert.Equal(registers, encoded);
    }

    [Theory]
    [InlineData(WordOrder.Abcd)]
    [InlineData(WordOrder.Cdab)]
    [InlineData(WordOrder.Badc)]
    [InlineData(WordOrder.Dcba)]
    public void Integers64_RoundTripInEveryWordOrder(WordOrder order)
    {
        ushort[] registers = new ushort[4];

        Assert.True(ModbusRegisterValue.TryWriteUInt64(0x0102030405060708UL, order, registers));
        Assert.True(ModbusRegisterValue.TryReadUInt64(registers, order, out ulong unsigned));
        Assert.Equal(0x0102030405060708UL, unsigned);

        Assert.True(ModbusRegisterValue.TryWriteInt64(-2, order, registers));
        Assert.True(ModbusRegisterValue.TryReadInt64(registers, order, out long signed));
        Assert.Equal(-2L, signed);
    }

    [Fact]
    public void UInt64_Cdab_ReversesRegisterOrder()
    {
        Assert.True(ModbusRegisterValue.TryReadUInt64([0x0708, 0x0506, 0x0304, 0x0102], WordOrder.Cdab, out ulong value));
        Assert.Equal(0x0102030405060708UL, value);
    }

    [Theory]
    [InlineData(WordOrder.Abcd, 0xFFFE)]
    [InlineData(WordOrder.Cdab, 0xFFFE)]
    [InlineData(WordOrder.Badc, 0xFEFF)]
    [InlineData(WordOrder.Dcba, 0xFEFF)]
    public void Int16_ByteSwappedOrdersSwapTheTwoBytes(WordOrder order, int register)
    {
        Assert.True(ModbusRegisterValue.TryReadInt16([(ushort)register], order, out short signed));
        Assert.True(ModbusRegisterValue.TryReadUInt16([(ushort)register], order, out ushort unsigned));
        Assert.Equal(-2, signed);
        Assert.Equal(0xFFFE, unsigned);

        ushort[] encoded = new ushort[1];
        Assert.True(ModbusRegisterValue.TryWriteInt16(-2, order, encoded));
        Assert.Equal(register, encoded[0]);
        Assert.True(ModbusRegisterValue.TryWriteUInt16(0xFFFE, order, encoded));
        Assert.Equal(register, encoded[0]);
    }

    [Fact]
    public void TooFewRegisters_ReturnsFalse()
    {
        ushort[] three = new ushort[3];

        Assert.False(ModbusRegisterValue.TryReadUInt16([], WordOrder.Abcd, out _));
        Assert.False(ModbusRegisterValue.TryReadFloat32(three[..1], WordOrder.Abcd, out _));
        Assert.False(ModbusRegisterValue.TryReadFloat64(three, WordOrder.Abcd, out _));
        Assert.False(ModbusRegisterValue.TryWriteInt32(1, WordOrder.Abcd, three.AsSpan(0, 1)));
        Assert.False(ModbusRegisterValue.TryWriteInt64(1, WordOrder.Abcd, three));
    }

    [Fact]
    public void ExtraRegisters_AreIgnored()
    {
        Assert.True(ModbusRegisterValue.TryReadFloat32([0x42F6, 0xE979, 0xFFFF], WordOrder.Abcd, out float value));
        Assert.Equal(123.456f, value);
    }
}
