using System.Buffers;

namespace City.Protocols.Modbus.Tests;

public sealed class RtuCodecTests
{
    [Theory]
    [InlineData("02 01 01 00", "51 CC")]
    [InlineData("01 01 03 01 00 0A", "ED 89")]
    [InlineData("11 03 00 6B 00 03", "76 87")]
    [InlineData("01 83 02", "C0 F1")]
    public void Crc16_SpecVectors_MatchInWireOrder(string data, string crc)
    {
        Span<byte> written = stackalloc byte[2];
        Assert.True(ModbusCrc16.TryWrite(Hex.Parse(data), written));
        Assert.Equal(crc.Replace(" ", "", StringComparison.Ordinal), Hex.Format(written));
        Assert.True(ModbusCrc16.IsValid(Hex.Parse(data + " " + crc)));
    }

    [Fact]
    public void Crc16_EmptyInput_IsInitialValue() => Assert.Equal(0xFFFF, ModbusCrc16.Compute([]));

    [Fact]
    public void Crc16_ShortDestinationOrFrame_ReturnsFalse()
    {
        Assert.False(ModbusCrc16.TryWrite([1, 2], new byte[1]));
        Assert.False(ModbusCrc16.IsValid([0x51]));
    }

    [Fact]
    public void TryWriteFrame_ReadHoldingRequest_MatchesSpecExample()
    {
        byte[] destination = new byte[ModbusRtuFraming.MaxAduLength];
        Assert.True(ModbusRtuFraming.TryWriteFrame(0x11, Hex.Parse("03 00 6B 00 03"), destination, out int written));
        Assert.Equal("1103006B00037687", Hex.Format(destination.AsSpan(0, written)));
    }

    [Fact]
    public void TryWriteFrame_EmptyOversizedOrShortDestination_ReturnsFalse()
    {
        byte[] big = new byte[ModbusRtuFraming.MaxAduLength];
        Assert.False(ModbusRtuFraming.TryWriteFrame(1, [], big, out _));
        Assert.False(ModbusRtuFraming.TryWriteFrame(1, new byte[254], new byte[300], out _));
        Assert.True(ModbusRtuFraming.TryWriteFrame(1, new byte[253], big, out int written));
        Assert.Equal(256, written);
        Assert.False(ModbusRtuFraming.TryWriteFrame(1, [3, 0, 0, 0, 1], new byte[7], out _));
    }

    public static TheoryData<string, string, byte, byte, OperationStatus, ModbusRtuFrameError, string> ResponseRows()
    {
        var rows = new TheoryData<string, string, byte, byte, OperationStatus, ModbusRtuFrameError, string>();
        rows.Add("03 response (spec example)", "11 03 06 AE 41 56 52 43 40 49 AD", 0x11, 0x03, OperationStatus.Done, ModbusRtuFrameError.None, "0306AE4156524340");
        rows.Add("exception response", "01 83 02 C0 F1", 1, 0x03, OperationStatus.Done, ModbusRtuFrameError.None, "8302");
        rows.Add("03 response with trailing byte", "11 03 06 AE 41 56 52 43 40 49 AD FF", 0x11, 0x03, OperationStatus.Done, ModbusRtuFrameError.None, "0306AE4156524340");
        rows.Add("06 response", Framed(1, "06 00 01 00 03"), 1, 0x06, OperationStatus.Done, ModbusRtuFrameError.None, "0600010003");
        rows.Add("16 response", Framed(1, "10 00 01 00 02"), 1, 0x10, OperationStatus.Done, ModbusRtuFrameError.None, "1000010002");
        rows.Add("22 response", Framed(1, "16 00 04 00 F2 00 25"), 1, 0x16, OperationStatus.Done, ModbusRtuFrameError.None, "16000400F20025");
        rows.Add("01 response", Framed(1, "01 01 0A"), 1, 0x01, OperationStatus.Done, ModbusRtuFrameError.None, "01010A");
        rows.Add("43/14 response, one object", Framed(1, "2B 0E 01 01 00 00 01 00 03 41 42 43"), 1, 0x2B, OperationStatus.Done, ModbusRtuFrameError.None, "2B0E0101000001000341424");
        rows.Add("empty", "", 1, 0x03, OperationStatus.NeedMoreData, ModbusRtuFrameError.None, "");
        rows.Add("address only", "11", 0x11, 0x03, OperationStatus.NeedMoreData, ModbusRtuFrameError.None, "");
        rows.Add("short frame", "11 03 06 AE 41 56 52", 0x11, 0x03, OperationStatus.NeedMoreData, ModbusRtuFrameError.None, "");
        rows.Add("exception without CRC", "01 83 02", 1, 0x03, OperationStatus.NeedMoreData, ModbusRtuFrameError.None, "");
        rows.Add("43/14 response cut in an object", Framed(1, "2B 0E 01 01 00 00 01 00 03 41 42 43")[..24], 1, 0x2B, OperationStatus.NeedMoreData, ModbusRtuFrameError.None, "");
        rows.Add("bad CRC", "11 03 06 AE 41 56 52 43 40 49 AE", 0x11, 0x03, OperationStatus.InvalidData, ModbusRtuFrameError.BadCrc, "");
        rows.Add("exception with bad CRC", "01 83 02 C0 F2", 1, 0x03, OperationStatus.InvalidData, ModbusRtuFrameError.BadCrc, "");
        rows.Add("wrong address", "11 03 06 AE 41 56 52 43 40 49 AD", 0x12, 0x03, OperationStatus.InvalidData, ModbusRtuFrameError.UnexpectedUnit, "");
        rows.Add("wrong function", "11 03 06 AE 41 56 52 43 40 49 AD", 0x11, 0x04, OperationStatus.InvalidData, ModbusRtuFrameError.UnexpectedFunction, "");
        rows.Add("exception of another function", "01 84 02 C2 C1", 1, 0x03, OperationStatus.InvalidData, ModbusRtuFrameError.UnexpectedFunction, "");
        rows.Add("byte count beyond 256-byte ADU", "01 03 FC", 1, 0x03, OperationStatus.InvalidData, ModbusRtuFrameError.TooLong, "");
        rows.Add("unknown function", "01 41 00", 1, 0x41, OperationStatus.InvalidData, ModbusRtuFrameError.UnsupportedFunction, "");
        return rows;
    }

    [Theory]
    [MemberData(nameof(ResponseRows))]
    public void TryReadResponse_Rows(string description, string hex, byte unit, byte function, OperationStatus expected, ModbusRtuFrameError expectedError, string expectedPdu)
    {
        byte[] buffer = Hex.Parse(hex);
        OperationStatus status = ModbusRtuFraming.TryReadResponse(buffer, unit, function, out ReadOnlySpan<byte> pdu, out int consumed, out ModbusRtuFrameError error);
        Assert.True(expected == status, $"{description}: {status}");
        Assert.Equal(expectedError, error);
        if (status == OperationStatus.Done)
        {
            Assert.StartsWith(expectedPdu, Hex.Format(pdu), StringComparison.Ordinal);
            Assert.Equal(1 + pdu.Length + 2, consumed);
        }
        else
        {
            Assert.Equal(0, consumed);
        }
    }

    [Fact]
    public void TryReadResponse_ExceptionResponse_DecodesWithModbusPdu()
    {
        Assert.Equal(OperationStatus.Done, ModbusRtuFraming.TryReadResponse(Hex.Parse("01 83 02 C0 F1"), 1, 3, out ReadOnlySpan<byte> pdu, out _));
        Assert.Equal(
            ModbusPduStatus.ExceptionResponse,
            ModbusPdu.DecodeReadRegistersResponse(pdu, ModbusFunctionCode.ReadHoldingRegisters, new ushort[1], out ModbusExceptionCode code));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, code);
    }

    public static TheoryData<string, string, OperationStatus, ModbusRtuFrameError, byte, int> RequestRows()
    {
        var rows = new TheoryData<string, string, OperationStatus, ModbusRtuFrameError, byte, int>();
        rows.Add("03 request (spec example)", "11 03 00 6B 00 03 76 87", OperationStatus.Done, ModbusRtuFrameError.None, 0x11, 8);
        rows.Add("01 request", "01 01 03 01 00 0A ED 89", OperationStatus.Done, ModbusRtuFrameError.None, 1, 8);
        rows.Add("16 request", Framed(1, "10 00 01 00 02 04 00 0A 01 02"), OperationStatus.Done, ModbusRtuFrameError.None, 1, 13);
        rows.Add("15 request", Framed(1, "0F 00 13 00 0A 02 CD 01"), OperationStatus.Done, ModbusRtuFrameError.None, 1, 11);
        rows.Add("23 request", Framed(1, "17 00 03 00 06 00 0E 00 03 06 00 FF 00 FF 00 FF"), OperationStatus.Done, ModbusRtuFrameError.None, 1, 19);
        rows.Add("22 request", Framed(1, "16 00 04 00 F2 00 25"), OperationStatus.Done, ModbusRtuFrameError.None, 1, 10);
        rows.Add("17 request", Framed(1, "11"), OperationStatus.Done, ModbusRtuFrameError.None, 1, 4);
        rows.Add("43/14 request", Framed(1, "2B 0E 01 00"), OperationStatus.Done, ModbusRtuFrameError.None, 1, 7);
        rows.Add("broadcast 06 request", Framed(0, "06 00 01 00 03"), OperationStatus.Done, ModbusRtuFrameError.None, 0, 8);
        rows.Add("short 03 request", "11 03 00 6B 00 03 76", OperationStatus.NeedMoreData, ModbusRtuFrameError.None, 0, 0);
        rows.Add("16 request before byte count", "01 10 00 01 00 02", OperationStatus.NeedMoreData, ModbusRtuFrameError.None, 0, 0);
        rows.Add("bad CRC", "11 03 00 6B 00 03 76 88", OperationStatus.InvalidData, ModbusRtuFrameError.BadCrc, 0, 0);
        rows.Add("16 byte count beyond ADU", "01 10 00 01 00 02 FF", OperationStatus.InvalidData, ModbusRtuFrameError.TooLong, 0, 0);
        rows.Add("unknown function", "01 64 00 00", OperationStatus.InvalidData, ModbusRtuFrameError.UnsupportedFunction, 0, 0);
        rows.Add("43 with another MEI type", "01 2B 0D 00", OperationStatus.InvalidData, ModbusRtuFrameError.UnsupportedFunction, 0, 0);
        return rows;
    }

    [Theory]
    [MemberData(nameof(RequestRows))]
    public void TryReadRequest_Rows(string description, string hex, OperationStatus expected, ModbusRtuFrameError expectedError, byte expectedUnit, int expectedLength)
    {
        OperationStatus status = ModbusRtuFraming.TryReadRequest(Hex.Parse(hex), out byte unit, out ReadOnlySpan<byte> pdu, out int consumed, out ModbusRtuFrameError error);
        Assert.True(expected == status, $"{description}: {status}");
        Assert.Equal(expectedError, error);
        Assert.Equal(expectedUnit, unit);
        Assert.Equal(expectedLength, consumed);
        if (status == OperationStatus.Done)
        {
            Assert.Equal(expectedLength - 3, pdu.Length);
        }
    }

    /// <summary>Address + PDU + CRC as hex, for rows whose CRC is not in a spec.</summary>
    internal static string Framed(byte unit, string pdu)
    {
        byte[] destination = new byte[ModbusRtuFraming.MaxAduLength];
        Assert.True(ModbusRtuFraming.TryWriteFrame(unit, Hex.Parse(pdu), destination, out int written));
        return Hex.Format(destination.AsSpan(0, written));
    }
}
