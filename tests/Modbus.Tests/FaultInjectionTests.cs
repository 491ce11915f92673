using System.Net;

namespace City.Protocols.Modbus.Tests;

/// <summary><see cref="ModbusFaults"/> in <see cref="ModbusTcpSlave"/> and <see cref="ModbusRtuSlave"/>, seen by our masters.</summary>
public sealed class FaultInjectionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Returns the given samples in turn, then repeats the last one.</summary>
    private static Func<double> Samples(params double[] values)
    {
        int next = -1;
        return () => values[Math.Min(Interlocked.Increment(ref next), values.Length - 1)];
    }

    [Fact]
    public async Task Tcp_SilentUnit_IsReadButNotAnswered_OtherUnitsAre()
    {
        InMemoryRegisterMap map = MasterContractTests.CreateMap();
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map, new ModbusTcpSlaveOptions
        {
            Faults = new ModbusFaults { SilentUnitIds = [2] },
        });
        await slave.StartAsync();
        var clock = new ManualTimeProvider();
        await using var client = new ModbusTcpClient(slave.LocalEndPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(5), TimeProvider = clock });

        Task write = client.WriteSingleRegisterAsync(2, 0, 9);
        await RetryTests.WaitUntilAsync(() => slave.SilencedCount == 1);
        clock.Advance(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<ModbusTimeoutException>(() => write.WaitAsync(Deadline));
        Assert.Equal([200], map.GetHoldingRegisters(2, 0, 1));
        Assert.Equal([100], await client.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(Deadline));
    }

    [Fact]
    public async Task Tcp_ExceptionShare_RefusesThoseRequestsWithTheCode_WithoutExecutingThem()
    {
        InMemoryRegisterMap map = MasterContractTests.CreateMap();
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map, new ModbusTcpSlaveOptions
        {
            Faults = new ModbusFaults { ExceptionProbability = 0.5, ExceptionCode = ModbusExceptionCode.GatewayTargetDeviceFailedToRespond, Sample = Samples(0.1, 0.9) },
        });
        await slave.StartAsync();
        await using var client = new ModbusTcpClient(slave.LocalEndPoint, new ModbusTcpClientOptions { RequestTimeout = Deadline });

        ModbusException refused = await Assert.ThrowsAsync<ModbusException>(() => client.WriteSingleRegisterAsync(1, 0, 7).WaitAsync(Deadline));
        Assert.Equal(ModbusExceptionCode.GatewayTargetDeviceFailedToRespond, refused.ExceptionCode);
        Assert.Equal([100], map.GetHoldingRegisters(1, 0, 1));

        await client.WriteSingleRegisterAsync(1, 0, 7).WaitAsync(Deadline);
        Assert.Equal([7], map.GetHoldingRegisters(1, 0, 1));
        Assert.Equal(1, slave.InjectedExceptionCount);
    }

    [Fact]
    public async Task Tcp_ResponseDelay_RunsOnTheSlavesClock()
    {
        var slaveClock = new ManualTimeProvider();
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), MasterContractTests.CreateMap(), new ModbusTcpSlaveOptions
        {
            Faults = new ModbusFaults { ResponseDelay = TimeSpan.FromMinutes(1) },
            TimeProvider = slaveClock,
        });
        await slave.StartAsync();
        await using var client = new ModbusTcpClient(slave.LocalEndPoint, new ModbusTcpClientOptions { RequestTimeout = Deadline });

        Task<ushort[]> read = client.ReadHoldingRegistersAsync(1, 0, 1);
        await RetryTests.AdvanceUntilAsync(slaveClock, TimeSpan.FromSeconds(10), () => read.IsCompleted);

        Assert.Equal([100], await read);
        Assert.True(slaveClock.GetUtcNow() - new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero) >= TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Rtu_BusyFirstRequests_AndAnswerBusy_RefuseWithException06()
    {
        InMemoryRegisterMap map = MasterContractTests.CreateMap();
        var pair = new InMemorySerialPair();
        await using ModbusRtuSlave slave = pair.CreateSlave(map, new ModbusRtuSlaveOptions
        {
            UnitIds = [1, 2], Faults = new ModbusFaults { BusyFirstRequests = 1 },
        });
        slave.Start();
        using ModbusRtuTransport transport = pair.CreateMasterTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = Deadline, BusyRetries = 0 });

        ModbusException busy = await Assert.ThrowsAsync<ModbusException>(() => master.WriteSingleCoilAsync(1, 0, true).WaitAsync(Deadline));
        Assert.Equal(ModbusExceptionCode.ServerDeviceBusy, busy.ExceptionCode);
        Assert.Equal([false], map.GetCoils(1, 0, 1));

        Assert.Equal([100], await master.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(Deadline));
        slave.AnswerBusy(2);
        await Assert.ThrowsAsync<ModbusException>(() => master.ReadHoldingRegistersAsync(2, 0, 1).WaitAsync(Deadline));
        await Assert.ThrowsAsync<ModbusException>(() => master.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(Deadline));
        Assert.Equal([200], await master.ReadHoldingRegistersAsync(2, 0, 1).WaitAsync(Deadline));
        Assert.Equal(3, slave.BusyAnswerCount);
    }

    [Fact]
    public async Task Rtu_BusyShare_IsAbsorbedByTheMastersBusyRetries()
    {
        var pair = new InMemorySerialPair();
        await using ModbusRtuSlave slave = pair.CreateSlave(MasterContractTests.CreateMap(), new ModbusRtuSlaveOptions
        {
            UnitIds = [1], Faults = new ModbusFaults { BusyProbability = 0.5, Sample = Samples(0.1, 0.2, 0.9) },
        });
        slave.Start();
        using ModbusRtuTransport transport = pair.CreateMasterTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = Deadline, BusyRetries = 2, BusyRetryDelay = TimeSpan.Zero });

        Assert.Equal([1000, 1001], await master.ReadInputRegistersAsync(1, 0, 2).WaitAsync(Deadline));
        Assert.Equal(2, slave.BusyAnswerCount);
        Assert.Equal(2, master.BusyRetryCount);
    }

    [Fact]
    public async Task Rtu_ResponseDelay_OutlastsTheMastersTimeout()
    {
        var slaveClock = new ManualTimeProvider();
        var pair = new InMemorySerialPair();
        await using ModbusRtuSlave slave = pair.CreateSlave(MasterContractTests.CreateMap(), new ModbusRtuSlaveOptions
        {
            UnitIds = [1], Faults = new ModbusFaults { ResponseDelay = TimeSpan.FromHours(1) }, TimeProvider = slaveClock,
        });
        slave.Start();
        using ModbusRtuTransport transport = pair.CreateMasterTransport();
        var master = new ModbusRtuMaster(transport, new ModbusRtuMasterOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) });

        await Assert.ThrowsAsync<ModbusTimeoutException>(() => master.ReadHoldingRegistersAsync(1, 0, 1).WaitAsync(Deadline));
        await RetryTests.WaitUntilAsync(() => slave.RequestCount == 1);
        Assert.Equal(0, slave.ResponseCount);
    }

    [Theory]
    [InlineData(-0.1, 0, 0)]
    [InlineData(0, 1.5, 0)]
    [InlineData(0, 0, double.NaN)]
    public void ProbabilitiesOutside0To1_AreRefused(double busy, double exception, double crc)
    {
        var faults = new ModbusFaults { BusyProbability = busy, ExceptionProbability = exception, CrcErrorProbability = crc };
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModbusRtuSlave(Stream.Null, new InMemoryRegisterMap(), new ModbusRtuSlaveOptions { Faults = faults }));
    }

    [Fact]
    public void CrcErrors_AreRefusedByTheTcpSlave()
    {
        Assert.Throws<ArgumentException>(() => new ModbusTcpSlave(
            new IPEndPoint(IPAddress.Loopback, 0), new InMemoryRegisterMap(), new ModbusTcpSlaveOptions { Faults = new ModbusFaults { CrcErrorProbability = 0.1 } }));
        Assert.True(ModbusFaults.None.IsNone);
        Assert.False(new ModbusFaults { SilentUnitIds = [3] }.IsNone);
    }
}
