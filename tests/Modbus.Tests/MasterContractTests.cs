using System.Net;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// Every <see cref="IModbusMaster"/> function, the same assertions for both framings: <see cref="ModbusTcpClient"/> against
/// <see cref="ModbusTcpSlave"/> on 127.0.0.1, and <see cref="ModbusRtuMaster"/> against <see cref="ModbusRtuSlave"/> on an
/// in-memory serial line.
/// </summary>
public sealed class MasterContractTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Framings => ["tcp", "rtu"];

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task Registers_ReadAndWrite(string framing)
    {
        await using MasterUnderTest sut = await MasterUnderTest.StartAsync(framing);
        IModbusMaster master = sut.Master;

        Assert.Equal([100, 101, 102], await master.ReadHoldingRegistersAsync(1, 0, 3).WaitAsync(Deadline));
        ushort[] destination = new ushort[2];
        await master.ReadInputRegistersAsync(2, 4, destination).WaitAsync(Deadline);
        Assert.Equal([2004, 2005], destination);
        Assert.Equal([1010], await master.ReadInputRegistersAsync(1, 10, 1).WaitAsync(Deadline));
        await master.ReadHoldingRegistersAsync(2, 0, destination.AsMemory(0, 1)).WaitAsync(Deadline);
        Assert.Equal(200, destination[0]);

        await master.WriteSingleRegisterAsync(1, 5, 0xBEEF).WaitAsync(Deadline);
        await master.WriteMultipleRegistersAsync(2, 7, new ushort[] { 1, 2, 3 }).WaitAsync(Deadline);

        Assert.Equal([0xBEEF], sut.Map.GetHoldingRegisters(1, 5, 1));
        Assert.Equal([1, 2, 3], sut.Map.GetHoldingRegisters(2, 7, 3));
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task CoilsAndDiscreteInputs_ReadAndWrite(string framing)
    {
        await using MasterUnderTest sut = await MasterUnderTest.StartAsync(framing);
        IModbusMaster master = sut.Master;
        bool[] pattern = [.. Enumerable.Range(0, 2000).Select(i => i % 3 == 0 || i % 7 == 0)];
        sut.Map.SetDiscreteInputs(1, 0, pattern);

        await master.WriteSingleCoilAsync(1, 3, true).WaitAsync(Deadline);
        bool[] written = [true, false, true, true, false, false, true, false, true];
        await master.WriteMultipleCoilsAsync(1, 10, written).WaitAsync(Deadline);

        bool[] firstFive = [false, false, false, true, false];
        Assert.Equal(firstFive, await master.ReadCoilsAsync(1, 0, 5).WaitAsync(Deadline));
        Assert.Equal(written, await master.ReadCoilsAsync(1, 10, 9).WaitAsync(Deadline));
        Assert.Equal(pattern, await master.ReadDiscreteInputsAsync(1, 0, 2000).WaitAsync(Deadline));
        Assert.Equal([false, true, false], sut.Map.GetCoils(1, 2, 3));
        Assert.Equal(written, sut.Map.GetCoils(1, 10, 9));
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task MaskWrite_AndReadWriteMultiple(string framing)
    {
        await using MasterUnderTest sut = await MasterUnderTest.StartAsync(framing);
        IModbusMaster master = sut.Master;
        sut.Map.SetHoldingRegisters(1, 4, [0x12]);

        // The spec's example: current 0x12, AND 0xF2, OR 0x25 gives 0x17.
        await master.MaskWriteRegisterAsync(1, 4, 0x00F2, 0x0025).WaitAsync(Deadline);
        Assert.Equal([0x17], sut.Map.GetHoldingRegisters(1, 4, 1));

        // The write happens first, so the read sees it.
        ushort[] read = await master.ReadWriteMultipleRegistersAsync(1, readAddress: 20, readCount: 4, writeAddress: 21, new ushort[] { 7, 8 }).WaitAsync(Deadline);
        Assert.Equal([120, 7, 8, 123], read);
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task ReportServerId_AndDeviceIdentification(string framing)
    {
        await using MasterUnderTest sut = await MasterUnderTest.StartAsync(framing);
        IModbusMaster master = sut.Master;

        ModbusServerIdentification serverId = await master.ReportServerIdAsync(1).WaitAsync(Deadline);
        Assert.Equal([0x42, 0x07], serverId.ServerId);
        Assert.True(serverId.IsRunning);

        IReadOnlyDictionary<byte, string> identity = await master.ReadDeviceIdentificationAsync(1).WaitAsync(Deadline);
        Assert.Equal("City Lighting", identity[ModbusPdu.ObjectIdVendorName]);
        Assert.Equal("CAB-GW-7", identity[ModbusPdu.ObjectIdProductCode]);
        Assert.Equal("2.11", identity[ModbusPdu.ObjectIdMajorMinorRevision]);

        IReadOnlyDictionary<byte, string> one = await master.ReadDeviceIdentificationAsync(1, ModbusReadDeviceIdCode.Individual, ModbusPdu.ObjectIdProductCode)
            .WaitAsync(Deadline);
        Assert.Equal("CAB-GW-7", Assert.Single(one).Value);
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task ExceptionResponses_SurfaceWithTheirCode(string framing)
    {
        await using MasterUnderTest sut = await MasterUnderTest.StartAsync(framing);
        IModbusMaster master = sut.Master;

        ModbusException outOfRange = await Assert.ThrowsAsync<ModbusException>(() => master.ReadHoldingRegistersAsync(1, 199, 2).WaitAsync(Deadline));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, outOfRange.ExceptionCode);

        // Unit 2 has no coils and no identification.
        ModbusException coils = await Assert.ThrowsAsync<ModbusException>(() => master.WriteSingleCoilAsync(2, 0, true).WaitAsync(Deadline));
        Assert.Equal(ModbusFunctionCode.WriteSingleCoil, coils.Function);
        await Assert.ThrowsAsync<ModbusException>(() => master.ReadDeviceIdentificationAsync(2).WaitAsync(Deadline));
        await Assert.ThrowsAsync<ModbusException>(() => master.ReportServerIdAsync(2).WaitAsync(Deadline));
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task RequestLimits_AreRefusedBeforeSending(string framing)
    {
        await using MasterUnderTest sut = await MasterUnderTest.StartAsync(framing);
        IModbusMaster master = sut.Master;

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadHoldingRegistersAsync(1, 0, 126));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadInputRegistersAsync(1, 0, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadCoilsAsync(1, 0, 2001));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadDiscreteInputsAsync(1, 0, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.WriteMultipleRegistersAsync(1, 0, new ushort[124]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.WriteMultipleCoilsAsync(1, 0, new bool[1969]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadWriteMultipleRegistersAsync(1, 0, 126, 0, new ushort[1]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadWriteMultipleRegistersAsync(1, 0, 1, 0, new ushort[122]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadDeviceIdentificationAsync(1, (ModbusReadDeviceIdCode)5));
        Assert.Equal(0, sut.RequestsSeen);
    }

    internal static InMemoryRegisterMap CreateMap()
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(1, holdingRegisterCount: 200, inputRegisterCount: 20, coilCount: 64, discreteInputCount: 2000);
        map.AddUnit(2, holdingRegisterCount: 20, inputRegisterCount: 20);
        map.SetHoldingRegisters(1, 0, [.. Enumerable.Range(100, 200).Select(i => (ushort)i)]);
        map.SetInputRegisters(1, 0, [.. Enumerable.Range(1000, 20).Select(i => (ushort)i)]);
        map.SetHoldingRegisters(2, 0, [.. Enumerable.Range(200, 20).Select(i => (ushort)i)]);
        map.SetInputRegisters(2, 0, [.. Enumerable.Range(2000, 20).Select(i => (ushort)i)]);
        map.SetDeviceIdentification(1, "City Lighting", "CAB-GW-7", "2.11");
        map.SetServerId(1, [0x42, 0x07], isRunning: true);
        return map;
    }

    /// <summary>A master of either framing connected to a slave serving <see cref="CreateMap"/> for units 1 and 2.</summary>
    private sealed class MasterUnderTest : IAsyncDisposable
    {
        private readonly Func<long> _requestsSeen;
        private readonly Func<ValueTask> _dispose;

        private MasterUnderTest(IModbusMaster master, InMemoryRegisterMap map, Func<long> requestsSeen, Func<ValueTask> dispose)
        {
            Master = master;
            Map = map;
            _requestsSeen = requestsSeen;
            _dispose = dispose;
        }

        public IModbusMaster Master { get; }

        public InMemoryRegisterMap Map { get; }

        public long RequestsSeen => _requestsSeen();

        public static async Task<MasterUnderTest> StartAsync(string framing)
        {
            InMemoryRegisterMap map = CreateMap();
            if (framing == "tcp")
            {
                var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map);
                await slave.StartAsync();
                var client = new ModbusTcpClient(slave.LocalEndPoint, new ModbusTcpClientOptions { RequestTimeout = Deadline });
                return new MasterUnderTest(client, map, () => client.IsConnected ? 1 : 0, async () =>
                {
                    await client.DisposeAsync();
                    await slave.DisposeAsync();
                });
            }

            var pair = new InMemorySerialPair();
            ModbusRtuSlave rtuSlave = pair.CreateSlave(map, new ModbusRtuSlaveOptions { UnitIds = [1, 2] });
            rtuSlave.Start();
            ModbusRtuTransport transport = pair.CreateMasterTransport();
            var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = Deadline });
            return new MasterUnderTest(master, map, () => rtuSlave.RequestCount, async () =>
            {
                await rtuSlave.DisposeAsync();
                transport.Dispose();
            });
        }

        public ValueTask DisposeAsync() => _dispose();
    }
}
