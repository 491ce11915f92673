namespace City.Protocols.Modbus.Tests;

/// <summary><see cref="ModbusRequestDispatcher"/> without a transport: request PDU in, response PDU out.</summary>
public sealed class RequestDispatcherTests
{
    private const byte Unit = 1;
    private readonly InMemoryRegisterMap _map = new();

    public RequestDispatcherTests()
    {
        _map.AddUnit(Unit, holdingRegisterCount: 100, inputRegisterCount: 10, coilCount: 300, discreteInputCount: 300);
        _map.SetCoils(Unit, 0x13, ExtendedPduCodecTests.Bits("1011001111010110101"));
        _map.SetDiscreteInputs(Unit, 0xC4, ExtendedPduCodecTests.Bits("0011010111011011101011"));
        _map.SetHoldingRegisters(Unit, 3, [0x00FE, 0x0ACD, 0x0001, 0x0003, 0x000D, 0x00FF]);
        _map.SetHoldingRegisters(Unit, 4, [0x0012]);
        _map.AddUnit(2, 0, 0);
        _map.SetDeviceIdentification(2, "Company identification", "Product code XX", "V2.11");
        _map.SetServerId(2, [0x01, 0x02], isRunning: true);
    }

    [Theory]
    [InlineData("Spec 6.1 read coils", Unit, "01 00 13 00 13", "01 03 CD 6B 05")]
    [InlineData("Spec 6.2 read discrete inputs", Unit, "02 00 C4 00 16", "02 03 AC DB 35")]
    [InlineData("Spec 6.5 write single coil", Unit, "05 00 AC FF 00", "05 00 AC FF 00")]
    [InlineData("Spec 6.11 write multiple coils", Unit, "0F 00 13 00 0A 02 CD 01", "0F 00 13 00 0A")]
    [InlineData("Spec 6.16 mask write register", Unit, "16 00 04 00 F2 00 25", "16 00 04 00 F2 00 25")]
    [InlineData("Read holding registers still served", Unit, "03 00 03 00 01", "03 02 00 FE")]
    [InlineData("Report server id", 2, "11", "11 03 01 02 FF")]
    [InlineData("Spec 6.21 basic device identification", 2, "2B 0E 01 00",
        "2B 0E 01 81 00 00 03 00 16 43 6F 6D 70 61 6E 79 20 69 64 65 6E 74 69 66 69 63 61 74 69 6F 6E " +
        "01 0F 50 72 6F 64 75 63 74 20 63 6F 64 65 20 58 58 02 05 56 32 2E 31 31")]
    [InlineData("Stream from object 2", 2, "2B 0E 01 02", "2B 0E 01 81 00 00 01 02 05 56 32 2E 31 31")]
    [InlineData("Stream from a non-basic object restarts at 0", 2, "2B 0E 01 07",
        "2B 0E 01 81 00 00 03 00 16 43 6F 6D 70 61 6E 79 20 69 64 65 6E 74 69 66 69 63 61 74 69 6F 6E " +
        "01 0F 50 72 6F 64 75 63 74 20 63 6F 64 65 20 58 58 02 05 56 32 2E 31 31")]
    [InlineData("Individual object 1", 2, "2B 0E 04 01", "2B 0E 04 81 00 00 01 01 0F 50 72 6F 64 75 63 74 20 63 6F 64 65 20 58 58")]
    [InlineData("Individual object 3 is not basic", 2, "2B 0E 04 03", "AB 02")]
    [InlineData("Read device id code 5", 2, "2B 0E 05 00", "AB 03")]
    [InlineData("Other MEI type", 2, "2B 0D 01 00", "AB 01")]
    [InlineData("Unit without identification", Unit, "2B 0E 01 00", "AB 01")]
    [InlineData("Unit without server id", Unit, "11", "91 01")]
    [InlineData("Coil value 1234", Unit, "05 00 AC 12 34", "85 03")]
    [InlineData("Read coils quantity 0", Unit, "01 00 00 00 00", "81 03")]
    [InlineData("Read discrete inputs quantity 2001", Unit, "02 00 00 07 D1", "82 03")]
    [InlineData("Read coils beyond the map", Unit, "01 01 20 00 10", "81 02")]
    [InlineData("Write coils byte count mismatch", Unit, "0F 00 13 00 0A 01 CD", "8F 03")]
    [InlineData("Write coils quantity 0", Unit, "0F 00 13 00 00 00", "8F 03")]
    [InlineData("Read/write read quantity 126", Unit, "17 00 03 00 7E 00 0E 00 01 02 00 FF", "97 03")]
    [InlineData("Read/write write quantity 0", Unit, "17 00 03 00 01 00 0E 00 00 00", "97 03")]
    [InlineData("Mask write beyond the map", Unit, "16 00 64 00 F2 00 25", "96 02")]
    [InlineData("Unknown unit", 9, "01 00 00 00 01", "81 0A")]
    [InlineData("Read exception status (serial line only)", Unit, "07", "87 01")]
    public void Dispatch_AnswersRequest(string description, byte unitId, string requestHex, string expectedResponseHex)
    {
        _ = description;
        byte[] response = new byte[MbapHeader.MaxPduLength];

        int length = ModbusRequestDispatcher.Dispatch(unitId, Hex.Parse(requestHex), _map, response);

        Assert.Equal(Hex.Format(Hex.Parse(expectedResponseHex)), Hex.Format(response.AsSpan(0, Math.Max(length, 0))));
    }

    [Fact]
    public void Dispatch_SpecExamples_ChangeTheMap()
    {
        byte[] response = new byte[MbapHeader.MaxPduLength];

        ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse("05 00 AC FF 00"), _map, response);
        ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse("0F 00 13 00 0A 02 CD 01"), _map, response);
        ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse("16 00 04 00 F2 00 25"), _map, response);

        Assert.Equal([true], _map.GetCoils(Unit, 0xAC, 1));
        Assert.Equal(ExtendedPduCodecTests.Bits("1011001110"), _map.GetCoils(Unit, 0x13, 10));
        Assert.Equal([0x0017], _map.GetHoldingRegisters(Unit, 4, 1));
    }

    [Fact]
    public void Dispatch_Spec617ReadWrite_WritesBeforeReading()
    {
        _map.SetHoldingRegisters(Unit, 4, [0x0ACD]);
        byte[] response = new byte[MbapHeader.MaxPduLength];

        int length = ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse("17 00 03 00 06 00 0E 00 03 06 00 FF 00 FF 00 FF"), _map, response);

        Assert.Equal("170C00FE0ACD00010003000D00FF", Hex.Format(response.AsSpan(0, length)));
        Assert.Equal([0xFF, 0xFF, 0xFF], _map.GetHoldingRegisters(Unit, 14, 3));

        // Overlapping: the read sees what the same request wrote.
        length = ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse("17 00 0E 00 01 00 0E 00 01 02 12 34"), _map, response);
        Assert.Equal("17021234", Hex.Format(response.AsSpan(0, length)));
    }

    [Theory]
    [InlineData("Truncated write single coil", "05 00 AC FF", ModbusPduStatus.Truncated)]
    [InlineData("Read coils with trailing byte", "01 00 00 00 01 00", ModbusPduStatus.TrailingBytes)]
    [InlineData("Mask write cut short", "16 00 04 00 F2", ModbusPduStatus.Truncated)]
    [InlineData("Report server id with data", "11 00", ModbusPduStatus.TrailingBytes)]
    [InlineData("Device identification cut short", "2B 0E 01", ModbusPduStatus.Truncated)]
    [InlineData("Empty", "", ModbusPduStatus.Truncated)]
    public void Dispatch_MalformedRequest_ReturnsStatusAndNoResponse(string description, string requestHex, ModbusPduStatus expected)
    {
        _ = description;
        byte[] response = new byte[MbapHeader.MaxPduLength];

        Assert.Equal(expected, ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse(requestHex), _map, response, out int length));
        Assert.Equal(0, length);
        Assert.Equal(-1, ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse(requestHex), _map, response));
    }

    [Fact]
    public void Dispatch_IdentificationLongerThanOnePdu_AnswersWithMoreFollows()
    {
        _map.AddUnit(5, 0, 0);
        _map.SetDeviceIdentification(5, new string('V', 200), new string('P', 100), "1.0");
        byte[] response = new byte[MbapHeader.MaxPduLength];

        int length = ModbusRequestDispatcher.Dispatch(5, Hex.Parse("2B 0E 01 00"), _map, response);
        Assert.Equal("2B0E0181FF010100C8", Hex.Format(response.AsSpan(0, 9)));
        Assert.Equal(7 + 2 + 200, length);

        length = ModbusRequestDispatcher.Dispatch(5, Hex.Parse("2B 0E 01 01"), _map, response);
        Assert.Equal("2B0E0181000002" + "0164", Hex.Format(response.AsSpan(0, 9)));
        Assert.Equal(7 + 2 + 100 + 2 + 3, length);
    }

    [Fact]
    public void Dispatch_WriteMultipleCoilsQuantity1969_AnswersIllegalDataValue()
    {
        byte[] request = [0x0F, 0x00, 0x00, 0x07, 0xB1, 247, .. new byte[247]];
        byte[] response = new byte[MbapHeader.MaxPduLength];

        int length = ModbusRequestDispatcher.Dispatch(Unit, request, _map, response);

        Assert.Equal("8F03", Hex.Format(response.AsSpan(0, length)));
    }

    [Theory]
    [InlineData("01 00 00 00 01", "81 01")]
    [InlineData("02 00 00 00 01", "82 01")]
    [InlineData("05 00 00 FF 00", "85 01")]
    [InlineData("0F 00 00 00 01 01 01", "8F 01")]
    [InlineData("11", "91 01")]
    [InlineData("2B 0E 01 00", "AB 01")]
    [InlineData("16 00 00 FF 00 00 01", "16 00 00 FF 00 00 01")]
    [InlineData("17 00 01 00 01 00 01 00 01 02 00 07", "17 02 00 07")]
    public void Dispatch_MapWithRegistersOnly_UsesTheDefaultInterfaceMethods(string requestHex, string expectedResponseHex)
    {
        var map = new RegistersOnlyMap();
        byte[] response = new byte[MbapHeader.MaxPduLength];

        int length = ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse(requestHex), map, response);

        Assert.Equal(Hex.Format(Hex.Parse(expectedResponseHex)), Hex.Format(response.AsSpan(0, length)));
    }

    [Fact]
    public void Dispatch_MapWithRegistersOnly_MaskWriteReadsAndWritesTheRegister()
    {
        var map = new RegistersOnlyMap();
        map.Registers[4] = 0x0012;

        ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse("16 00 04 00 F2 00 25"), map, new byte[MbapHeader.MaxPduLength]);

        Assert.Equal(0x0017, map.Registers[4]);
    }

    [Fact]
    public void Dispatch_MapThatThrows_AnswersServerDeviceFailureAndReportsIt()
    {
        var map = new ThrowingCoilMap();
        var faults = new List<Exception>();
        byte[] response = new byte[MbapHeader.MaxPduLength];

        ModbusPduStatus status = ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse("01 00 00 00 01"), map, response, out int length, faults.Add);

        Assert.Equal(ModbusPduStatus.Valid, status);
        Assert.Equal("8104", Hex.Format(response.AsSpan(0, length)));
        Assert.IsType<InvalidOperationException>(Assert.Single(faults));
    }

    [Fact]
    public void Dispatch_ResponseBufferShorterThanAPdu_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequestDispatcher.Dispatch(Unit, Hex.Parse("11"), _map, new byte[10]));
    }

    /// <summary>Implements only the four original register methods, like maps written before coils existed.</summary>
    private sealed class RegistersOnlyMap : IModbusRegisterMap
    {
        public ushort[] Registers { get; } = new ushort[10];

        public ModbusExceptionCode? ReadHoldingRegisters(byte unitId, ushort address, Span<ushort> destination)
        {
            Registers.AsSpan(address, destination.Length).CopyTo(destination);
            return null;
        }

        public ModbusExceptionCode? ReadInputRegisters(byte unitId, ushort address, Span<ushort> destination) => ModbusExceptionCode.IllegalDataAddress;

        public ModbusExceptionCode? WriteSingleRegister(byte unitId, ushort address, ushort value)
        {
            Registers[address] = value;
            return null;
        }

        public ModbusExceptionCode? WriteMultipleRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values)
        {
            values.CopyTo(Registers.AsSpan(address));
            return null;
        }
    }

    private sealed class ThrowingCoilMap : IModbusRegisterMap
    {
        public ModbusExceptionCode? ReadHoldingRegisters(byte unitId, ushort address, Span<ushort> destination) => null;

        public ModbusExceptionCode? ReadInputRegisters(byte unitId, ushort address, Span<ushort> destination) => null;

        public ModbusExceptionCode? WriteSingleRegister(byte unitId, ushort address, ushort value) => null;

        public ModbusExceptionCode? WriteMultipleRegisters(byte unitId, ushort address, ReadOnlySpan<ushort> values) => null;

        public ModbusExceptionCode? ReadCoils(byte unitId, ushort address, Span<bool> destination) =>
            throw new InvalidOperationException("Simulated coil fault.");
    }
}
