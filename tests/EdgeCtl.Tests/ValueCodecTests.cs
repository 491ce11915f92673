using System.Globalization;
using City.EdgeCtl.Modbus;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.EdgeCtl.Tests;

public class ValueCodecTests
{
    // Registers as written on the wire, one hex word per register; values chosen so that every byte differs.
    [Theory]
    [InlineData(RegisterDataType.UInt16, WordOrder.Abcd, "1234", "4660")]
    [InlineData(RegisterDataType.UInt16, WordOrder.Cdab, "1234", "4660")]
    [InlineData(RegisterDataType.UInt16, WordOrder.Badc, "3412", "4660")]
    [InlineData(RegisterDataType.UInt16, WordOrder.Dcba, "3412", "4660")]
    [InlineData(RegisterDataType.Int16, WordOrder.Abcd, "FEDC", "-292")]
    [InlineData(RegisterDataType.Int16, WordOrder.Cdab, "FEDC", "-292")]
    [InlineData(RegisterDataType.Int16, WordOrder.Badc, "DCFE", "-292")]
    [InlineData(RegisterDataType.Int16, WordOrder.Dcba, "DCFE", "-292")]
    [InlineData(RegisterDataType.UInt32, WordOrder.Abcd, "1122 3344", "287454020")]
    [InlineData(RegisterDataType.UInt32, WordOrder.Cdab, "3344 1122", "287454020")]
    [InlineData(RegisterDataType.UInt32, WordOrder.Badc, "2211 4433", "287454020")]
    [InlineData(RegisterDataType.UInt32, WordOrder.Dcba, "4433 2211", "287454020")]
    [InlineData(RegisterDataType.Int32, WordOrder.Abcd, "8765 4321", "-2023406815")]
    [InlineData(RegisterDataType.Int32, WordOrder.Cdab, "4321 8765", "-2023406815")]
    [InlineData(RegisterDataType.Int32, WordOrder.Badc, "6587 2143", "-2023406815")]
    [InlineData(RegisterDataType.Int32, WordOrder.Dcba, "2143 6587", "-2023406815")]
    [InlineData(RegisterDataType.Float32, WordOrder.Abcd, "4366 8000", "230.5")]
    [InlineData(RegisterDataType.Float32, WordOrder.Cdab, "8000 4366", "230.5")]
    [InlineData(RegisterDataType.Float32, WordOrder.Badc, "6643 0080", "230.5")]
    [InlineData(RegisterDataType.Float32, WordOrder.Dcba, "0080 6643", "230.5")]
    [InlineData(RegisterDataType.Float32, WordOrder.Abcd, "BDCC CCCD", "-0.1")]
    [InlineData(RegisterDataType.UInt64, WordOrder.Abcd, "0102 0304 0506 0708", "72623859790382856")]
    [InlineData(RegisterDataType.UInt64, WordOrder.Cdab, "0708 0506 0304 0102", "72623859790382856")]
    [InlineData(RegisterDataType.UInt64, WordOrder.Badc, "0201 0403 0605 0807", "72623859790382856")]
    [InlineData(RegisterDataType.UInt64, WordOrder.Dcba, "0807 0605 0403 0201", "72623859790382856")]
    [InlineData(RegisterDataType.Int64, WordOrder.Abcd, "FFFF FFFF FFFF FFFE", "-2")]
    [InlineData(RegisterDataType.Int64, WordOrder.Cdab, "FFFE FFFF FFFF FFFF", "-2")]
    [InlineData(RegisterDataType.Int64, WordOrder.Badc, "FFFF FFFF FFFF FEFF", "-2")]
    [InlineData(RegisterDataType.Int64, WordOrder.Dcba, "FEFF FFFF FFFF FFFF", "-2")]
    [InlineData(RegisterDataType.Float64, WordOrder.Abcd, "C05E DD2F 1A9F BE77", "-123.456")]
    [InlineData(RegisterDataType.Float64, WordOrder.Cdab, "BE77 1A9F DD2F C05E", "-123.456")]
    [InlineData(RegisterDataType.Float64, WordOrder.Badc, "5EC0 2FDD 9F1A 77BE", "-123.456")]
    [InlineData(RegisterDataType.Float64, WordOrder.Dcba, "77BE 9F1A 2FDD 5EC0", "-123.456")]
    public void DecodeAndEncode_EveryTypeAndOrder_MatchTheWireRegisters(RegisterDataType type, WordOrder order, string wireHex, string text)
    {
        ushort[] wire = Registers(wireHex);
        Assert.Equal(wire.Length, RegisterDecoding.Width(type));

        Assert.True(ValueCodec.TryDecode(wire, type, order, out string decoded));
        Assert.Equal(text, decoded);

        var encoded = new ushort[wire.Length];
        Assert.True(ValueCodec.TryEncode(text, type, order, encoded, out string error), error);
        Assert.Equal(wire, encoded);
    }

    [Theory]
    [InlineData(RegisterDataType.Float32, "7FC0 0000", "NaN")]
    [InlineData(RegisterDataType.Float32, "7F80 0000", "Infinity")]
    [InlineData(RegisterDataType.Float32, "FF80 0000", "-Infinity")]
    [InlineData(RegisterDataType.Float64, "7FF8 0000 0000 0000", "NaN")]
    [InlineData(RegisterDataType.UInt16, "FFFF", "65535")]
    [InlineData(RegisterDataType.Int16, "8000", "-32768")]
    [InlineData(RegisterDataType.UInt64, "FFFF FFFF FFFF FFFF", "18446744073709551615")]
    public void TryDecode_EdgeValues(RegisterDataType type, string wireHex, string text)
    {
        Assert.True(ValueCodec.TryDecode(Registers(wireHex), type, WordOrder.Abcd, out string decoded));
        Assert.Equal(text, decoded);
    }

    [Theory]
    [InlineData(RegisterDataType.UInt32, "1234")]
    [InlineData(RegisterDataType.Float64, "1234 5678 9ABC")]
    [InlineData(RegisterDataType.UInt16, "")]
    public void TryDecode_TooFewRegisters_ReturnsFalse(RegisterDataType type, string wireHex)
    {
        Assert.False(ValueCodec.TryDecode(Registers(wireHex), type, WordOrder.Abcd, out _));
    }

    [Theory]
    [InlineData(RegisterDataType.UInt16, "0x1234", "1234")]
    [InlineData(RegisterDataType.Int16, "0xFFFF", "FFFF")]
    [InlineData(RegisterDataType.Int32, "0x80000000", "8000 0000")]
    [InlineData(RegisterDataType.UInt64, "0xFFFFFFFFFFFFFFFF", "FFFF FFFF FFFF FFFF")]
    [InlineData(RegisterDataType.Int64, "-9223372036854775808", "8000 0000 0000 0000")]
    [InlineData(RegisterDataType.Float32, "1e3", "447A 0000")]
    [InlineData(RegisterDataType.Float32, "NaN", "FFC0 0000")]
    public void TryEncode_OtherNotations(RegisterDataType type, string text, string wireHex)
    {
        ushort[] wire = Registers(wireHex);
        var encoded = new ushort[wire.Length];
        Assert.True(ValueCodec.TryEncode(text, type, WordOrder.Abcd, encoded, out string error), error);
        Assert.Equal(wire, encoded);
    }

    [Theory]
    [InlineData(RegisterDataType.UInt16, "65536", "bad value '65536' for uint16 (0..65535")]
    [InlineData(RegisterDataType.UInt16, "-1", "bad value '-1' for uint16")]
    [InlineData(RegisterDataType.UInt16, "0x10000", "bad value '0x10000' for uint16")]
    [InlineData(RegisterDataType.UInt16, "1.5", "bad value '1.5' for uint16")]
    [InlineData(RegisterDataType.UInt16, "", "bad value '' for uint16")]
    [InlineData(RegisterDataType.Int16, "32768", "bad value '32768' for int16 (-32768..32767)")]
    [InlineData(RegisterDataType.Int16, "0x1FFFF", "bad value '0x1FFFF' for int16")]
    [InlineData(RegisterDataType.UInt32, "4294967296", "bad value '4294967296' for uint32")]
    [InlineData(RegisterDataType.Int32, "abc", "bad value 'abc' for int32")]
    [InlineData(RegisterDataType.UInt64, "18446744073709551616", "bad value '18446744073709551616' for uint64")]
    [InlineData(RegisterDataType.Int64, "9223372036854775808", "bad value '9223372036854775808' for int64")]
    [InlineData(RegisterDataType.Float32, "1e40", "bad value '1e40' for float32")]
    [InlineData(RegisterDataType.Float32, "230,5", "bad value '230,5' for float32")]
    [InlineData(RegisterDataType.Float64, "volts", "bad value 'volts' for float64")]
    [InlineData(RegisterDataType.Bool, "1", "bool values go to coils")]
    [InlineData(RegisterDataType.String, "AB", "string values are not supported here")]
    public void TryEncode_BadText_ReturnsFalseWithMessage(RegisterDataType type, string text, string expected)
    {
        var destination = new ushort[4];
        Assert.False(ValueCodec.TryEncode(text, type, WordOrder.Abcd, destination, out string error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("true", true)]
    [InlineData("FALSE", false)]
    [InlineData("on", true)]
    [InlineData("off", false)]
    public void TryParseBool_AcceptsOnOffWords(string text, bool expected)
    {
        Assert.True(ValueCodec.TryParseBool(text, out bool value, out _));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("yes")]
    [InlineData("")]
    public void TryParseBool_Rejects(string text)
    {
        Assert.False(ValueCodec.TryParseBool(text, out _, out string error));
        Assert.Contains("for bool", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ModbusExceptionCode.IllegalFunction, "illegal function")]
    [InlineData(ModbusExceptionCode.IllegalDataAddress, "illegal data address")]
    [InlineData(ModbusExceptionCode.GatewayTargetDeviceFailedToRespond, "gateway target device failed to respond")]
    [InlineData((ModbusExceptionCode)0x7F, "unknown exception")]
    public void ExceptionName_IsLowerCaseWords(ModbusExceptionCode code, string expected) => Assert.Equal(expected, ModbusCli.ExceptionName(code));

    private static ushort[] Registers(string hex) =>
        hex.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word => ushort.Parse(word, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
}
