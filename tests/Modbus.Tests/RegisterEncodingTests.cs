using City.Protocols.Modbus.DataModel;

namespace City.Protocols.Modbus.Tests;

/// <summary>Raw values into registers (written as wire bytes, see <see cref="RegisterDecodingTests"/>), refusals, and the round trip through decoding.</summary>
public sealed class RegisterEncodingTests
{
    [Theory]
    [InlineData("spec 6.6 example: 00 03 into register 2", RegisterDataType.UInt16, WordOrder.Abcd, "3", "00 03")]
    [InlineData("uint16 maximum", RegisterDataType.UInt16, WordOrder.Abcd, "65535", "FF FF")]
    [InlineData("int16 minimum", RegisterDataType.Int16, WordOrder.Abcd, "-32768", "80 00")]
    [InlineData("int16, byte-swapped", RegisterDataType.Int16, WordOrder.Dcba, "-292", "DC FE")]
    [InlineData("uint32 CDAB", RegisterDataType.UInt32, WordOrder.Cdab, "287454020", "33 44 11 22")]
    [InlineData("int32 BADC", RegisterDataType.Int32, WordOrder.Badc, "-2023406815", "65 87 21 43")]
    [InlineData("uint64 maximum", RegisterDataType.UInt64, WordOrder.Abcd, "18446744073709551615", "FF FF FF FF FF FF FF FF")]
    [InlineData("int64 minimum, DCBA", RegisterDataType.Int64, WordOrder.Dcba, "-9223372036854775808", "00 00 00 00 00 00 00 80")]
    [InlineData("a whole decimal with a fraction part of zeros", RegisterDataType.UInt16, WordOrder.Abcd, "215.000", "00 D7")]
    public void TryEncodeInteger_WritesTheWireBytes(string source, RegisterDataType type, WordOrder order, string value, string wireHex)
    {
        var registers = new ushort[RegisterDecoding.Width(type)];
        Assert.True(RegisterEncoding.TryEncodeInteger(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), type, order, registers), source);
        Assert.Equal(RegisterDecodingTests.Registers(wireHex), registers);
    }

    [Theory]
    [InlineData("above uint16", RegisterDataType.UInt16, "65536", 1)]
    [InlineData("negative uint16", RegisterDataType.UInt16, "-1", 1)]
    [InlineData("below int16", RegisterDataType.Int16, "-32769", 1)]
    [InlineData("above int64", RegisterDataType.Int64, "9223372036854775808", 4)]
    [InlineData("not whole", RegisterDataType.Int32, "615.5", 2)]
    [InlineData("too few registers", RegisterDataType.UInt32, "1", 1)]
    [InlineData("not an integer type", RegisterDataType.Float32, "1", 2)]
    [InlineData("bool is not an integer type", RegisterDataType.Bool, "1", 1)]
    public void TryEncodeInteger_Refusals_WriteNothing(string source, RegisterDataType type, string value, int registerCount)
    {
        var registers = new ushort[registerCount];
        Array.Fill(registers, (ushort)0xAAAA);

        Assert.False(RegisterEncoding.TryEncodeInteger(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), type, WordOrder.Abcd, registers), source);
        Assert.All(registers, r => Assert.Equal(0xAAAA, r));
    }

    [Theory]
    [InlineData("IEEE 754 binary32 230.5", RegisterDataType.Float32, WordOrder.Abcd, 230.5, "43 66 80 00")]
    [InlineData("binary32 230.5, CDAB", RegisterDataType.Float32, WordOrder.Cdab, 230.5, "80 00 43 66")]
    [InlineData("binary32 largest finite", RegisterDataType.Float32, WordOrder.Abcd, 3.4028234663852886e38, "7F 7F FF FF")]
    [InlineData("binary32 NaN is written as it is", RegisterDataType.Float32, WordOrder.Abcd, double.NaN, "FF C0 00 00")]
    [InlineData("binary32 infinity", RegisterDataType.Float32, WordOrder.Abcd, double.PositiveInfinity, "7F 80 00 00")]
    [InlineData("IEEE 754 binary64 -123.456", RegisterDataType.Float64, WordOrder.Abcd, -123.456, "C0 5E DD 2F 1A 9F BE 77")]
    [InlineData("binary64 -123.456, DCBA", RegisterDataType.Float64, WordOrder.Dcba, -123.456, "77 BE 9F 1A 2F DD 5E C0")]
    public void TryEncodeFloat_WritesTheWireBytes(string source, RegisterDataType type, WordOrder order, double value, string wireHex)
    {
        var registers = new ushort[RegisterDecoding.Width(type)];
        Assert.True(RegisterEncoding.TryEncodeFloat(value, type, order, registers), source);
        Assert.Equal(RegisterDecodingTests.Registers(wireHex), registers);
    }

    [Theory]
    [InlineData("beyond binary32", RegisterDataType.Float32, 1e39, 2)]
    [InlineData("too few registers", RegisterDataType.Float64, 1.0, 2)]
    [InlineData("not a float type", RegisterDataType.Int32, 1.0, 2)]
    public void TryEncodeFloat_Refusals(string source, RegisterDataType type, double value, int registerCount) =>
        Assert.False(RegisterEncoding.TryEncodeFloat(value, type, WordOrder.Abcd, new ushort[registerCount]), source);

    [Theory]
    [InlineData("ABCD, padded with NULs", WordOrder.Abcd, "SDM63", 4, "53 44 4D 36 33 00 00 00")]
    [InlineData("BADC swaps the bytes of each register", WordOrder.Badc, "SDM630", 3, "44 53 36 4D 30 33")]
    [InlineData("empty text is all NULs", WordOrder.Abcd, "", 2, "00 00 00 00")]
    public void TryEncodeString_TwoAsciiCharactersPerRegister(string source, WordOrder order, string text, int registerCount, string wireHex)
    {
        var registers = new ushort[registerCount];
        Assert.True(RegisterEncoding.TryEncodeString(text, order, registers, out var error), $"{source}: {error}");
        Assert.Equal(RegisterDecodingTests.Registers(wireHex), registers);
        Assert.Equal(text, RegisterDecoding.DecodeString(registers, order));
    }

    [Theory]
    [InlineData("ABCDEFG", 3, "the text has 7 characters; the point holds at most 6 (3 registers)")]
    [InlineData("tab\there", 8, "the text may hold printable ASCII only (found U+0009)")]
    [InlineData("café", 8, "the text may hold printable ASCII only (found U+00E9)")]
    public void TryEncodeString_Refusals_SayWhy(string text, int registerCount, string expected)
    {
        Assert.False(RegisterEncoding.TryEncodeString(text, WordOrder.Abcd, new ushort[registerCount], out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData(RegisterDataType.UInt16)]
    [InlineData(RegisterDataType.Int16)]
    [InlineData(RegisterDataType.UInt32)]
    [InlineData(RegisterDataType.Int32)]
    [InlineData(RegisterDataType.UInt64)]
    [InlineData(RegisterDataType.Int64)]
    public void RandomIntegers_RoundTripThroughRegistersInEveryOrder(RegisterDataType type)
    {
        var random = new Random(11);
        var (min, max) = RegisterEncoding.IntegerRange(type);
        var registers = new ushort[RegisterDecoding.Width(type)];
        for (var i = 0; i < 500; i++)
        {
            var bits = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 33);
            var value = RegisterDecoding.Width(type) switch
            {
                1 => min < 0 ? (decimal)(short)bits : (ushort)bits,
                2 => min < 0 ? (decimal)(int)bits : (uint)bits,
                _ => min < 0 ? (decimal)(long)bits : bits,
            };
            Assert.InRange(value, min, max);
            foreach (var order in Enum.GetValues<WordOrder>())
            {
                Assert.True(RegisterEncoding.TryEncodeInteger(value, type, order, registers));
                Assert.True(RegisterDecoding.TryReadRawBits(registers, type, order, out var raw));
                Assert.Equal(bits & (ulong.MaxValue >> (64 - (16 * registers.Length))), raw);
            }
        }
    }

    [Fact]
    public void RandomRegisters_DecodeWithoutThrowing_AndFloatsRoundTrip()
    {
        var random = new Random(7);
        var registers = new ushort[4];
        var again = new ushort[4];
        for (var i = 0; i < 2000; i++)
        {
            for (var r = 0; r < registers.Length; r++)
            {
                registers[r] = (ushort)random.Next(0x10000);
            }

            foreach (var order in Enum.GetValues<WordOrder>())
            {
                foreach (var type in Enum.GetValues<RegisterDataType>().Where(t => t != RegisterDataType.String))
                {
                    _ = RegisterDecoding.Decode(registers, type, order, scale: 0.1, offset: -40);
                }

                _ = RegisterDecoding.DecodeString(registers, order);
                Assert.True(ModbusRegisterValue.TryReadFloat64(registers, order, out var f64));
                Assert.True(RegisterEncoding.TryEncodeFloat(f64, RegisterDataType.Float64, order, again));
                if (!double.IsNaN(f64))
                {
                    Assert.Equal(registers, again);
                }
            }
        }
    }
}
