namespace City.Protocols.Modbus.Tests;

/// <summary>RTU-only rules of the functions added to <see cref="ModbusRtuMaster"/>: broadcast and the frames on the wire.</summary>
public sealed class RtuMasterFunctionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task BroadcastCoilAndMaskWrites_ReachEveryUnit_WithoutAnAnswer()
    {
        InMemoryRegisterMap map = new();
        map.AddUnit(1, 10, 0, coilCount: 16, discreteInputCount: 0);
        map.AddUnit(2, 10, 0, coilCount: 16, discreteInputCount: 0);
        var pair = new InMemorySerialPair();
        await using ModbusRtuSlave slave = pair.CreateSlave(map, new ModbusRtuSlaveOptions { UnitIds = [1, 2] });
        slave.Start();
        using ModbusRtuTransport transport = pair.CreateMasterTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = Deadline, BroadcastTurnaroundDelay = TimeSpan.Zero });

        await master.WriteSingleCoilAsync(0, 1, true).WaitAsync(Deadline);
        await master.WriteMultipleCoilsAsync(0, 4, new[] { true, true }).WaitAsync(Deadline);
        await master.MaskWriteRegisterAsync(0, 2, 0x0000, 0x00FF).WaitAsync(Deadline);

        // A read after the broadcasts is answered only once they have been executed (the slave works in order).
        bool[] expected = [false, true, false, false, true, true];
        Assert.Equal(expected, await master.ReadCoilsAsync(2, 0, 6).WaitAsync(Deadline));
        Assert.Equal(expected, map.GetCoils(1, 0, 6));
        Assert.Equal([0x00FF], map.GetHoldingRegisters(1, 2, 1));
        Assert.Equal([0x00FF], map.GetHoldingRegisters(2, 2, 1));
        Assert.Equal(3, slave.BroadcastCount);
        Assert.Equal(1, slave.ResponseCount);
    }

    [Fact]
    public async Task FunctionsThatNeedAnAnswer_CannotBeBroadcast()
    {
        await using var line = new InMemoryRtuLine((_, _) => SlaveAnswer.Silence);
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadCoilsAsync(0, 0, 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadDiscreteInputsAsync(0, 0, 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadWriteMultipleRegistersAsync(0, 0, 1, 0, new ushort[] { 1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReportServerIdAsync(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadDeviceIdentificationAsync(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.WriteSingleCoilAsync(248, 0, true));
        Assert.Empty(line.Requests);
    }

    [Fact]
    public async Task NewFunctions_SendTheSpecFrames()
    {
        await using var line = new InMemoryRtuLine((unit, pdu) => new(InMemoryRtuLine.Frame(unit, [(byte)(pdu[0] | 0x80), 0x01])));
        using ModbusRtuTransport transport = line.CreateTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = Deadline });

        await Assert.ThrowsAsync<ModbusException>(() => master.ReadCoilsAsync(17, 0x13, 0x25));
        await Assert.ThrowsAsync<ModbusException>(() => master.ReadDiscreteInputsAsync(17, 0xC4, 0x16));
        await Assert.ThrowsAsync<ModbusException>(() => master.WriteSingleCoilAsync(17, 0xAC, true));
        await Assert.ThrowsAsync<ModbusException>(() => master.WriteMultipleCoilsAsync(17, 0x13, ExtendedPduCodecTests.Bits("1011001110")));
        await Assert.ThrowsAsync<ModbusException>(() => master.MaskWriteRegisterAsync(17, 4, 0xF2, 0x25));
        await Assert.ThrowsAsync<ModbusException>(() => master.ReadWriteMultipleRegistersAsync(17, 3, 6, 0x0E, new ushort[] { 0xFF, 0xFF, 0xFF }));
        await Assert.ThrowsAsync<ModbusException>(() => master.ReportServerIdAsync(17));
        await Assert.ThrowsAsync<ModbusException>(() => master.ReadDeviceIdentificationAsync(17));

        Assert.Equal(
            [
                RtuCodecTests.Framed(17, "01 00 13 00 25"),
                RtuCodecTests.Framed(17, "02 00 C4 00 16"),
                RtuCodecTests.Framed(17, "05 00 AC FF 00"),
                RtuCodecTests.Framed(17, "0F 00 13 00 0A 02 CD 01"),
                RtuCodecTests.Framed(17, "16 00 04 00 F2 00 25"),
                RtuCodecTests.Framed(17, "17 00 03 00 06 00 0E 00 03 06 00 FF 00 FF 00 FF"),
                RtuCodecTests.Framed(17, "11"),
                RtuCodecTests.Framed(17, "2B 0E 01 00"),
            ],
            line.Requests.Select(r => Hex.Format(r)));
    }
}
