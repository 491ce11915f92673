using System.Text.Json;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

/// <summary>Decoding registers into point values (string, offset, bit) and encoding written values back (inverse scaling, ranges, word orders).</summary>
public sealed class PointCodecTests
{
    private static PointDefinition Point(RegisterDataType type, WordOrder order = WordOrder.Abcd, double scale = 1, double offset = 0, int? bit = null, int length = 0,
        ModbusTable table = ModbusTable.Holding, bool writable = true) =>
        new("dev", "p", table, 0, type, order, scale, "", 1000, "") { Offset = offset, Bit = bit, Length = length, Writable = writable };

    private static ushort[] Hex(string hex) =>
        hex.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(h => Convert.ToUInt16(h, 16)).ToArray();

    [Theory]
    [InlineData("ABCD, trailing NULs trimmed", WordOrder.Abcd, "5344 4D36 3330 0000", "SDM630")]
    [InlineData("CDAB reads bytes like ABCD", WordOrder.Cdab, "5344 4D36", "SDM6")]
    [InlineData("BADC swaps the bytes of each register", WordOrder.Badc, "4453 364D 3033", "SDM630")]
    [InlineData("DCBA swaps the bytes too", WordOrder.Dcba, "4453 364D", "SDM6")]
    [InlineData("trailing spaces trimmed, inner ones kept", WordOrder.Abcd, "4120 4220 2020", "A B")]
    [InlineData("odd length: the NUL low byte is trimmed", WordOrder.Abcd, "4142 4300", "ABC")]
    [InlineData("non-printable bytes become ?", WordOrder.Abcd, "41FF 0742", "A??B")]
    [InlineData("all NULs is empty", WordOrder.Abcd, "0000 0000", "")]
    public void String_DecodesTwoAsciiCharactersPerRegister(string description, WordOrder order, string registers, string expected)
    {
        var regs = Hex(registers);
        var value = PointDecoding.DecodeValue(Point(RegisterDataType.String, order, length: regs.Length), regs);

        Assert.True(value.Type == PointType.Text, description);
        Assert.Equal(expected, value.Text);
    }

    [Theory]
    [InlineData("uint16 with offset", RegisterDataType.UInt16, "0BB8", 0.1, -40.0, 260.0)]
    [InlineData("int16 negative, scale and offset", RegisterDataType.Int16, "FF9C", 0.5, 10.0, -40.0)]
    [InlineData("offset only", RegisterDataType.UInt16, "0005", 1.0, 273.15, 278.15)]
    [InlineData("decimal-exact: 2304 x 0.1 + 0.3", RegisterDataType.UInt16, "0900", 0.1, 0.3, 230.7)]
    [InlineData("uint32", RegisterDataType.UInt32, "0001 0000", 0.001, 0.0, 65.536)]
    public void Number_IsRawTimesScalePlusOffset(string description, RegisterDataType type, string registers, double scale, double offset, double expected)
    {
        var value = PointDecoding.DecodeValue(Point(type, scale: scale, offset: offset), Hex(registers));

        Assert.True(value.Type == PointType.Number, description);
        Assert.Equal(expected, value.Number);
    }

    [Theory]
    [InlineData(RegisterDataType.UInt16, "0008", 3, true)]
    [InlineData(RegisterDataType.UInt16, "0008", 2, false)]
    [InlineData(RegisterDataType.UInt16, "8000", 15, true)]
    [InlineData(RegisterDataType.Int16, "8000", 15, true)]
    [InlineData(RegisterDataType.UInt32, "0000 0009", 0, true)]
    [InlineData(RegisterDataType.UInt32, "0000 0009", 3, true)]
    [InlineData(RegisterDataType.UInt32, "0001 0000", 16, true)]
    [InlineData(RegisterDataType.UInt32, "0001 0000", 0, false)]
    [InlineData(RegisterDataType.UInt64, "8000 0000 0000 0000", 63, true)]
    public void Bit_TurnsAnIntegerIntoABool(RegisterDataType type, string registers, int bit, bool expected)
    {
        var value = PointDecoding.DecodeValue(Point(type, bit: bit), Hex(registers));

        Assert.Equal(PointType.Boolean, value.Type);
        Assert.Equal(expected, value.Boolean);
    }

    [Fact]
    public void Bit_FollowsTheWordOrder()
    {
        // 0x00000001 in CDAB is registers [0x0001, 0x0000].
        Assert.True(PointDecoding.DecodeValue(Point(RegisterDataType.UInt32, WordOrder.Cdab, bit: 0), [0x0001, 0x0000]).Boolean);
        Assert.False(PointDecoding.DecodeValue(Point(RegisterDataType.UInt32, WordOrder.Cdab, bit: 16), [0x0001, 0x0000]).Boolean);
    }

    public static TheoryData<RegisterDataType, WordOrder, double> RoundTrips()
    {
        var data = new TheoryData<RegisterDataType, WordOrder, double>();
        foreach (var order in Enum.GetValues<WordOrder>())
        {
            data.Add(RegisterDataType.UInt16, order, 65535);
            data.Add(RegisterDataType.Int16, order, -32768);
            data.Add(RegisterDataType.UInt32, order, 4_000_000_000);
            data.Add(RegisterDataType.Int32, order, -2_000_000_000);
            data.Add(RegisterDataType.Float32, order, 230.47);
            data.Add(RegisterDataType.UInt64, order, 9_007_199_254_740_992);
            data.Add(RegisterDataType.Int64, order, -9_007_199_254_740_992);
            data.Add(RegisterDataType.Float64, order, -1.0e-300);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Encode_ThenDecode_GivesTheValueBack(RegisterDataType type, WordOrder order, double value)
    {
        var point = Point(type, order);

        Assert.True(PointEncoding.TryEncode(point, PointWriteValue.FromNumber(value), out var write, out var error), error);
        Assert.Equal(RegisterDecoding.Width(type), write.Registers.Length);
        Assert.Equal(value, PointDecoding.DecodeValue(point, write.Registers).Number);
    }

    [Theory]
    [InlineData(0.1, 0.0, "230.4", 2304)]
    [InlineData(0.1, -40.0, "21.5", 615)]
    [InlineData(0.01, 0.0, "-1.23", -123)]
    [InlineData(10.0, 0.0, "12340", 1234)]
    [InlineData(1.0, 273.15, "293.15", 20)]
    public void Encode_UndoesScaleAndOffsetExactly(double scale, double offset, string json, short raw)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(PointWriteValue.TryFromJson(document.RootElement, out var value, out var parseError), parseError);

        Assert.True(PointEncoding.TryEncode(Point(RegisterDataType.Int16, scale: scale, offset: offset), value, out var write, out var error), error);
        Assert.Equal([unchecked((ushort)raw)], write.Registers);
        Assert.Equal(ModbusFunctionCode.WriteSingleRegister, write.Function);
    }

    [Theory]
    [InlineData("uint16 above", RegisterDataType.UInt16, "65536", "65536 gives the raw value 65536, out of range for uint16 (0..65535)")]
    [InlineData("uint16 negative", RegisterDataType.UInt16, "-1", "-1 gives the raw value -1, out of range for uint16 (0..65535)")]
    [InlineData("int16 below", RegisterDataType.Int16, "-32769", "-32769 gives the raw value -32769, out of range for int16 (-32768..32767)")]
    [InlineData("uint32 above", RegisterDataType.UInt32, "4294967296", "4294967296 gives the raw value 4294967296, out of range for uint32 (0..4294967295)")]
    [InlineData("int64 fraction", RegisterDataType.Int64, "1.5", "1.5 gives the raw value 1.5, which is not a whole number as int64 needs")]
    [InlineData("float32 too big", RegisterDataType.Float32, "1e39", "1E+39 is out of range for float32")]
    [InlineData("a text to a number", RegisterDataType.UInt16, "\"ten\"", "a number point takes a number (got \"ten\")")]
    [InlineData("a bool to a number", RegisterDataType.UInt16, "true", "a number point takes a number (got true)")]
    public void Encode_RefusesValuesThatDoNotFit(string description, RegisterDataType type, string json, string expected)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(PointWriteValue.TryFromJson(document.RootElement, out var value, out _), description);

        Assert.False(PointEncoding.TryEncode(Point(type), value, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Encode_ScaledOutOfRange_MentionsTheScaling()
    {
        Assert.False(PointEncoding.TryEncode(Point(RegisterDataType.UInt16, scale: 0.1), PointWriteValue.FromNumber(6553.6), out _, out var error));
        Assert.Equal("6553.6 gives the raw value 65536, out of range for uint16 (0..65535) (scale 0.1, offset 0)", error);
    }

    [Theory]
    [InlineData("input table", ModbusTable.Input, true, null, "the input table is read-only")]
    [InlineData("discrete table", ModbusTable.Discrete, true, null, "the discrete table is read-only")]
    [InlineData("not Writable", ModbusTable.Holding, false, null, "the point is not Writable (set \"Writable\": true in its configuration)")]
    [InlineData("bit point", ModbusTable.Holding, true, 3, "a Bit point cannot be written (it is one bit of a wider register)")]
    public void Encode_RefusesPointsThatCannotBeWritten(string description, ModbusTable table, bool writable, int? bit, string expected)
    {
        var point = Point(RegisterDataType.UInt16, table: table, writable: writable, bit: bit);

        Assert.False(PointEncoding.TryEncode(point, PointWriteValue.FromNumber(1), out _, out var error), description);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("\"on\"", true)]
    public void Encode_Coil_IsFc05(string json, bool expected)
    {
        using var document = JsonDocument.Parse(json);
        PointWriteValue.TryFromJson(document.RootElement, out var value, out _);

        Assert.True(PointEncoding.TryEncode(Point(RegisterDataType.Bool, table: ModbusTable.Coil), value, out var write, out var error), error);
        Assert.Equal(ModbusFunctionCode.WriteSingleCoil, write.Function);
        Assert.Equal(expected, write.Coil);
    }

    [Fact]
    public void Encode_BoolInAHoldingRegister_Writes1Or0()
    {
        Assert.True(PointEncoding.TryEncode(Point(RegisterDataType.Bool), PointWriteValue.FromBoolean(true), out var write, out _));
        Assert.Equal([(ushort)1], write.Registers);
    }

    [Theory]
    [InlineData(WordOrder.Abcd, "ABC", "4142 4300 0000")]
    [InlineData(WordOrder.Badc, "ABC", "4241 0043 0000")]
    [InlineData(WordOrder.Abcd, "", "0000 0000 0000")]
    public void Encode_String_PadsWithNuls_AndDecodesBack(WordOrder order, string text, string expected)
    {
        var point = Point(RegisterDataType.String, order, length: 3);

        Assert.True(PointEncoding.TryEncode(point, PointWriteValue.FromText(text), out var write, out var error), error);
        Assert.Equal(Hex(expected), write.Registers);
        Assert.Equal(ModbusFunctionCode.WriteMultipleRegisters, write.Function);
        Assert.Equal(text, PointDecoding.DecodeValue(point, write.Registers).Text);
    }

    [Theory]
    [InlineData("ABCDEFG", "the text has 7 characters; the point holds at most 6 (3 registers)")]
    [InlineData("caf\u00e9", "the text may hold printable ASCII only (found U+00E9)")]
    [InlineData("a\nb", "the text may hold printable ASCII only (found U+000A)")]
    public void Encode_String_RefusesWhatDoesNotFit(string text, string expected)
    {
        Assert.False(PointEncoding.TryEncode(Point(RegisterDataType.String, length: 3), PointWriteValue.FromText(text), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[1]")]
    [InlineData("{}")]
    public void WriteValue_FromJson_RefusesOtherKinds(string json)
    {
        using var document = JsonDocument.Parse(json);

        Assert.False(PointWriteValue.TryFromJson(document.RootElement, out _, out var error));
        Assert.StartsWith("the value must be a number, true/false or a string", error, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteValue_FromJson_RefusesANumberBeyondDouble_AndKeepsTinyOnesAsDoubles()
    {
        using var huge = JsonDocument.Parse("1e400");
        using var tiny = JsonDocument.Parse("1e-300");

        Assert.False(PointWriteValue.TryFromJson(huge.RootElement, out _, out var error));
        Assert.Equal("the number 1e400 is not representable", error);
        Assert.True(PointWriteValue.TryFromJson(tiny.RootElement, out var value, out _));
        Assert.Null(value.Exact);
        Assert.Equal(1e-300, value.Number);
    }

    [Fact]
    public void RandomValuesAndPoints_NeverThrow()
    {
        var random = new Random(1234);
        var types = Enum.GetValues<RegisterDataType>();
        for (var i = 0; i < 20_000; i++)
        {
            var type = types[random.Next(types.Length)];
            var point = Point(type, (WordOrder)random.Next(4), scale: Math.Pow(10, random.Next(-6, 7)) * (random.Next(2) == 0 ? 1 : -1),
                offset: random.Next(-1000, 1000), length: type == RegisterDataType.String ? random.Next(1, 10) : 0);
            var value = random.Next(4) switch
            {
                0 => PointWriteValue.FromNumber((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(0, 40))),
                1 => PointWriteValue.FromBoolean(random.Next(2) == 0),
                2 => PointWriteValue.FromText(new string((char)random.Next(0, 300), random.Next(0, 30))),
                _ => PointWriteValue.FromDecimal((decimal)random.NextDouble() * random.Next()),
            };

            if (PointEncoding.TryEncode(point, value, out var write, out var error))
            {
                Assert.True(write.Table == ModbusTable.Coil || write.Registers.Length == point.Width);
                _ = PointDecoding.DecodeValue(point, write.Registers);
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(error));
            }

            var registers = Enumerable.Range(0, Math.Max(point.Width, 1)).Select(_ => (ushort)random.Next(65536)).ToArray();
            _ = type == RegisterDataType.Bool ? default : PointDecoding.DecodeValue(point, registers);
        }
    }
}
