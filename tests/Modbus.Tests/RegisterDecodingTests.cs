using System.Buffers.Binary;
using City.Protocols.Modbus.DataModel;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// The Modbus value vocabulary: names of tables, data types and word orders, and numbers and texts decoded from registers.
/// Registers are written as the bytes on the wire: each register big-endian (Modbus Application Protocol V1.1b3, 4.2);
/// the word orders only rearrange those registers.
/// </summary>
public sealed class RegisterDecodingTests
{
    [Theory]
    [InlineData("input", ModbusTable.Input)]
    [InlineData("holding", ModbusTable.Holding)]
    [InlineData("coil", ModbusTable.Coil)]
    [InlineData("coils", ModbusTable.Coil)]
    [InlineData("discrete", ModbusTable.Discrete)]
    [InlineData("discrete-input", ModbusTable.Discrete)]
    [InlineData("discrete-inputs", ModbusTable.Discrete)]
    [InlineData(" Holding ", ModbusTable.Holding)]
    [InlineData("DISCRETE-INPUT", ModbusTable.Discrete)]
    public void TryParseTable_AcceptsEverySpelling(string text, ModbusTable expected)
    {
        Assert.True(RegisterDecoding.TryParseTable(text, out var table));
        Assert.Equal(expected, table);
    }

    [Theory]
    [InlineData("uint16", RegisterDataType.UInt16)]
    [InlineData("int16", RegisterDataType.Int16)]
    [InlineData("uint32", RegisterDataType.UInt32)]
    [InlineData("int32", RegisterDataType.Int32)]
    [InlineData("float32", RegisterDataType.Float32)]
    [InlineData("float", RegisterDataType.Float32)]
    [InlineData("uint64", RegisterDataType.UInt64)]
    [InlineData("int64", RegisterDataType.Int64)]
    [InlineData("float64", RegisterDataType.Float64)]
    [InlineData("double", RegisterDataType.Float64)]
    [InlineData("bool", RegisterDataType.Bool)]
    [InlineData("boolean", RegisterDataType.Bool)]
    [InlineData("string", RegisterDataType.String)]
    [InlineData(" Float32 ", RegisterDataType.Float32)]
    public void TryParseDataType_AcceptsEverySpelling(string text, RegisterDataType expected)
    {
        Assert.True(RegisterDecoding.TryParseDataType(text, out var type));
        Assert.Equal(expected, type);
    }

    [Theory]
    [InlineData("ABCD", WordOrder.Abcd)]
    [InlineData("cdab", WordOrder.Cdab)]
    [InlineData(" Badc", WordOrder.Badc)]
    [InlineData("DCBA ", WordOrder.Dcba)]
    public void TryParseWordOrder_IgnoresCaseAndBlanks(string text, WordOrder expected)
    {
        Assert.True(RegisterDecoding.TryParseWordOrder(text, out var order));
        Assert.Equal(expected, order);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("register")]
    [InlineData("discrete input")]
    [InlineData("real")]
    [InlineData("ABDC")]
    public void TryParse_UnknownText_IsRefused(string? text)
    {
        Assert.False(RegisterDecoding.TryParseTable(text, out _));
        Assert.False(RegisterDecoding.TryParseDataType(text, out _));
        Assert.False(RegisterDecoding.TryParseWordOrder(text, out _));
    }

    [Fact]
    public void ConfigNames_ParseBackToTheSameValue()
    {
        foreach (var table in Enum.GetValues<ModbusTable>())
        {
            Assert.True(RegisterDecoding.TryParseTable(table.ConfigName(), out var parsed));
            Assert.Equal(table, parsed);
        }

        foreach (var type in Enum.GetValues<RegisterDataType>())
        {
            Assert.True(RegisterDecoding.TryParseDataType(RegisterDecoding.ConfigName(type), out var parsed));
            Assert.Equal(type, parsed);
        }

        foreach (var order in Enum.GetValues<WordOrder>())
        {
            Assert.True(RegisterDecoding.TryParseWordOrder(order.ToString(), out var parsed));
            Assert.Equal(order, parsed);
        }
    }

    [Theory]
    [InlineData(ModbusTable.Coil, ModbusFunctionCode.ReadCoils, true, true)]
    [InlineData(ModbusTable.Discrete, ModbusFunctionCode.ReadDiscreteInputs, true, false)]
    [InlineData(ModbusTable.Holding, ModbusFunctionCode.ReadHoldingRegisters, false, true)]
    [InlineData(ModbusTable.Input, ModbusFunctionCode.ReadInputRegisters, false, false)]
    public void Tables_ReadFunctionBitsAndWritability_FollowTheDataModel(ModbusTable table, ModbusFunctionCode read, bool bits, bool writable)
    {
        Assert.Equal(read, table.ReadFunction());
        Assert.Equal(bits, table.IsBitTable());
        Assert.Equal(writable, table.IsWritableTable());
    }

    [Theory]
    [InlineData(RegisterDataType.UInt16, 1)]
    [InlineData(RegisterDataType.Int16, 1)]
    [InlineData(RegisterDataType.Bool, 1)]
    [InlineData(RegisterDataType.UInt32, 2)]
    [InlineData(RegisterDataType.Int32, 2)]
    [InlineData(RegisterDataType.Float32, 2)]
    [InlineData(RegisterDataType.UInt64, 4)]
    [InlineData(RegisterDataType.Int64, 4)]
    [InlineData(RegisterDataType.Float64, 4)]
    [InlineData(RegisterDataType.String, 0)]
    public void Width_IsRegistersPerValue(RegisterDataType type, int width) => Assert.Equal(width, RegisterDecoding.Width(type));

    [Theory]
    [InlineData("spec 6.3 example: register 108 is 02 2B", RegisterDataType.UInt16, WordOrder.Abcd, "02 2B", 555)]
    [InlineData("spec 6.3 example: register 110 is 00 64", RegisterDataType.UInt16, WordOrder.Abcd, "00 64", 100)]
    [InlineData("uint16, byte-swapped order", RegisterDataType.UInt16, WordOrder.Badc, "2B 02", 555)]
    [InlineData("int16 two's complement", RegisterDataType.Int16, WordOrder.Abcd, "FE DC", -292)]
    [InlineData("uint32 ABCD", RegisterDataType.UInt32, WordOrder.Abcd, "11 22 33 44", 287454020)]
    [InlineData("uint32 CDAB", RegisterDataType.UInt32, WordOrder.Cdab, "33 44 11 22", 287454020)]
    [InlineData("uint32 BADC", RegisterDataType.UInt32, WordOrder.Badc, "22 11 44 33", 287454020)]
    [InlineData("uint32 DCBA", RegisterDataType.UInt32, WordOrder.Dcba, "44 33 22 11", 287454020)]
    [InlineData("int32 negative", RegisterDataType.Int32, WordOrder.Abcd, "87 65 43 21", -2023406815)]
    [InlineData("IEEE 754 binary32 230.5 = 43668000", RegisterDataType.Float32, WordOrder.Abcd, "43 66 80 00", 230.5)]
    [InlineData("binary32 230.5, CDAB", RegisterDataType.Float32, WordOrder.Cdab, "80 00 43 66", 230.5)]
    [InlineData("binary32 230.5, BADC", RegisterDataType.Float32, WordOrder.Badc, "66 43 00 80", 230.5)]
    [InlineData("binary32 230.5, DCBA", RegisterDataType.Float32, WordOrder.Dcba, "00 80 66 43", 230.5)]
    [InlineData("binary32 230.47 gives its shortest text, not 230.470001220703", RegisterDataType.Float32, WordOrder.Abcd, "43 66 78 52", 230.47)]
    [InlineData("binary32 -0.1 = BDCCCCCD", RegisterDataType.Float32, WordOrder.Abcd, "BD CC CC CD", -0.1)]
    [InlineData("uint64 ABCD", RegisterDataType.UInt64, WordOrder.Abcd, "01 02 03 04 05 06 07 08", 72623859790382856)]
    [InlineData("uint64 CDAB reverses the four registers", RegisterDataType.UInt64, WordOrder.Cdab, "07 08 05 06 03 04 01 02", 72623859790382856)]
    [InlineData("uint64 DCBA", RegisterDataType.UInt64, WordOrder.Dcba, "08 07 06 05 04 03 02 01", 72623859790382856)]
    [InlineData("int64 -2", RegisterDataType.Int64, WordOrder.Abcd, "FF FF FF FF FF FF FF FE", -2)]
    [InlineData("IEEE 754 binary64 -123.456 = C05EDD2F1A9FBE77", RegisterDataType.Float64, WordOrder.Abcd, "C0 5E DD 2F 1A 9F BE 77", -123.456)]
    [InlineData("binary64 -123.456, BADC", RegisterDataType.Float64, WordOrder.Badc, "5E C0 2F DD 9F 1A 77 BE", -123.456)]
    [InlineData("bool register: not zero is 1", RegisterDataType.Bool, WordOrder.Abcd, "01 00", 1)]
    [InlineData("bool register: zero is 0", RegisterDataType.Bool, WordOrder.Abcd, "00 00", 0)]
    public void Decode_WireBytes_GiveTheValue(string source, RegisterDataType type, WordOrder order, string wireHex, double expected) =>
        Assert.True(expected == RegisterDecoding.Decode(Registers(wireHex), type, order, scale: 1), source);

    [Theory]
    [InlineData("scale in decimal: 2304 x 0.1 = 230.4", RegisterDataType.UInt16, "09 00", 0.1, 0.0, 230.4)]
    [InlineData("scale and offset: 3000 x 0.1 - 40 = 260", RegisterDataType.UInt16, "0B B8", 0.1, -40.0, 260.0)]
    [InlineData("negative raw: -100 x 0.5 + 10 = -40", RegisterDataType.Int16, "FF 9C", 0.5, 10.0, -40.0)]
    [InlineData("offset only: 5 + 273.15", RegisterDataType.UInt16, "00 05", 1.0, 273.15, 278.15)]
    [InlineData("bool is never scaled", RegisterDataType.Bool, "00 07", 10.0, 5.0, 1.0)]
    public void Decode_AppliesScaleThenOffset(string source, RegisterDataType type, string wireHex, double scale, double offset, double expected) =>
        Assert.True(expected == RegisterDecoding.Decode(Registers(wireHex), type, WordOrder.Abcd, scale, offset), source);

    [Fact]
    public void Decode_String_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RegisterDecoding.Decode([0x4142], RegisterDataType.String, WordOrder.Abcd, 1));

    [Theory]
    [InlineData(1e20, 1e10, 0.0, 1e30)]
    [InlineData(1e300, 2.0, 0.0, 2e300)]
    [InlineData(double.NaN, 0.1, 0.0, double.NaN)]
    [InlineData(double.PositiveInfinity, 0.1, 5.0, double.PositiveInfinity)]
    public void ApplyScale_BeyondDecimal_FallsBackToDoubles(double raw, double scale, double offset, double expected) =>
        Assert.Equal(expected, RegisterDecoding.ApplyScale(raw, scale, offset));

    [Theory]
    [InlineData(RegisterDataType.UInt16, WordOrder.Abcd, "80 08", 0x8008UL)]
    [InlineData(RegisterDataType.Int16, WordOrder.Badc, "08 80", 0x8008UL)]
    [InlineData(RegisterDataType.Int32, WordOrder.Cdab, "00 09 80 00", 0x80000009UL)]
    [InlineData(RegisterDataType.UInt64, WordOrder.Abcd, "80 00 00 00 00 00 00 01", 0x8000000000000001UL)]
    public void TryReadRawBits_IntegerTypes_GiveTheBitPattern(RegisterDataType type, WordOrder order, string wireHex, ulong expected)
    {
        Assert.True(RegisterDecoding.TryReadRawBits(Registers(wireHex), type, order, out var bits));
        Assert.Equal(expected, bits);
    }

    [Theory]
    [InlineData(RegisterDataType.Float32, "43 66 80 00")]
    [InlineData(RegisterDataType.Bool, "00 01")]
    [InlineData(RegisterDataType.UInt32, "00 01")]
    public void TryReadRawBits_OtherTypesOrTooFewRegisters_AreRefused(RegisterDataType type, string wireHex) =>
        Assert.False(RegisterDecoding.TryReadRawBits(Registers(wireHex), type, WordOrder.Abcd, out _));

    [Theory]
    [InlineData("ABCD, trailing NULs trimmed", WordOrder.Abcd, "53 44 4D 36 33 30 00 00", "SDM630")]
    [InlineData("CDAB reads bytes like ABCD", WordOrder.Cdab, "53 44 4D 36", "SDM6")]
    [InlineData("BADC swaps the bytes of each register", WordOrder.Badc, "44 53 36 4D 30 33", "SDM630")]
    [InlineData("DCBA swaps them too", WordOrder.Dcba, "44 53 36 4D", "SDM6")]
    [InlineData("trailing spaces trimmed, inner ones kept", WordOrder.Abcd, "41 20 42 20 20 20", "A B")]
    [InlineData("non-printable bytes become ?", WordOrder.Abcd, "41 FF 07 42", "A??B")]
    [InlineData("all NULs is empty", WordOrder.Abcd, "00 00 00 00", "")]
    public void DecodeString_TwoAsciiCharactersPerRegister(string source, WordOrder order, string wireHex, string expected) =>
        Assert.True(expected == RegisterDecoding.DecodeString(Registers(wireHex), order), source);

    /// <summary>Wire bytes (pairs, big-endian) to registers.</summary>
    internal static ushort[] Registers(string wireHex)
    {
        var bytes = Hex.Parse(wireHex);
        var registers = new ushort[bytes.Length / 2];
        for (var i = 0; i < registers.Length; i++)
        {
            registers[i] = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2 * i));
        }

        return registers;
    }
}
