using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Protocols.Modbus;
using Microsoft.Extensions.Time.Testing;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

/// <summary>
/// The adapter between the edge and a Modbus master, on a fake clock: the device's own spacing (pause between requests, pause
/// after connect) never holds a master shared with other devices, per-device retries on a shared line, and failures mapped
/// to qualities.
/// </summary>
public sealed class DeviceClientTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static DeviceDefinition Device(string name, byte unit, int pauseBetweenMs = 0, int pauseAfterConnectMs = 0, int retries = 0) =>
        ModbusDevice.Create(name, ModbusDevice.RtuProtocol, "", 0, unit, TimeSpan.FromMilliseconds(300), []).WithModbus(m => m with
        {
            PauseBetweenRequests = TimeSpan.FromMilliseconds(pauseBetweenMs),
            PauseAfterConnect = TimeSpan.FromMilliseconds(pauseAfterConnectMs),
            Retries = retries,
        });

    /// <summary>A master that answers at once (or throws the queued failures first) and records every request.</summary>
    private sealed class FakeMaster : IModbusMaster
    {
        public Queue<Exception> Failures { get; } = new();

        public List<string> Requests { get; } = [];

        private Task<T> Answer<T>(string request, T value)
        {
            Requests.Add(request);
            return Failures.TryDequeue(out var failure) ? Task.FromException<T>(failure) : Task.FromResult(value);
        }

        public Task<ushort[]> ReadHoldingRegistersAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default) =>
            Answer($"{unit}:03:{address}", new ushort[count]);

        public Task<ushort[]> ReadInputRegistersAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default) =>
            Answer($"{unit}:04:{address}", new ushort[count]);

        public Task<bool[]> ReadCoilsAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default) =>
            Answer($"{unit}:01:{address}", new bool[count]);

        public Task<bool[]> ReadDiscreteInputsAsync(byte unit, ushort address, ushort count, CancellationToken cancellationToken = default) =>
            Answer($"{unit}:02:{address}", new bool[count]);

        public Task WriteSingleRegisterAsync(byte unit, ushort address, ushort value, CancellationToken cancellationToken = default) =>
            Answer($"{unit}:06:{address}={value}", true);

        public Task WriteMultipleRegistersAsync(byte unit, ushort address, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default) =>
            Answer($"{unit}:16:{address}={string.Join(',', values.ToArray())}", true);

        public Task WriteSingleCoilAsync(byte unit, ushort address, bool value, CancellationToken cancellationToken = default) =>
            Answer($"{unit}:05:{address}={value}", true);

        public Task ReadHoldingRegistersAsync(byte unit, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task ReadInputRegistersAsync(byte unit, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task WriteMultipleCoilsAsync(byte unit, ushort address, ReadOnlyMemory<bool> values, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task MaskWriteRegisterAsync(byte unit, ushort address, ushort andMask, ushort orMask, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<ushort[]> ReadWriteMultipleRegistersAsync(byte unit, ushort readAddress, ushort readCount, ushort writeAddress, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<ModbusServerIdentification> ReportServerIdAsync(byte unit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyDictionary<byte, string>> ReadDeviceIdentificationAsync(byte unit, ModbusReadDeviceIdCode readDeviceIdCode = ModbusReadDeviceIdCode.Basic, byte objectId = 0, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }

    /// <summary>A shared line: opened by the first Master() call (at the fake clock's time), reopened after Failed().</summary>
    private sealed class FakeLine(FakeMaster master, TimeProvider time, bool shared = true) : IMasterSource
    {
        public int Opens { get; private set; }

        public string Description => "fake line";

        public bool IsShared => shared;

        public bool IsConnected { get; private set; }

        public long Generation => Opens;

        public DateTimeOffset ConnectedAt { get; private set; }

        public IModbusMaster Master()
        {
            if (!IsConnected)
            {
                IsConnected = true;
                Opens++;
                ConnectedAt = time.GetUtcNow();
            }

            return master;
        }

        public void Failed(IModbusMaster failed) => IsConnected = false;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task PauseBetweenRequests_SpacesThisDevicesRequests()
    {
        var time = new FakeTimeProvider(Start);
        var master = new FakeMaster();
        var client = new MasterDeviceClient(Device("slow", 1, pauseBetweenMs: 100), new FakeLine(master, time), time);

        await client.ReadAsync(ModbusTable.Holding, 0, 1, CancellationToken.None);
        var second = client.ReadAsync(ModbusTable.Holding, 10, 1, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(99));

        Assert.False(second.IsCompleted);
        Assert.Single(master.Requests);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["1:03:0", "1:03:10"], master.Requests);
    }

    [Fact]
    public async Task PauseBetweenRequests_DoesNotHoldTheSharedLine_ForTheOtherDevices()
    {
        var time = new FakeTimeProvider(Start);
        var master = new FakeMaster();
        var line = new FakeLine(master, time);
        var slow = new MasterDeviceClient(Device("slow", 1, pauseBetweenMs: 1000), line, time);
        var fast = new MasterDeviceClient(Device("fast", 2), line, time);

        await slow.ReadAsync(ModbusTable.Input, 0, 1, CancellationToken.None);
        var slowSecond = slow.ReadAsync(ModbusTable.Input, 0, 1, CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            // The fast device is served at once, again and again, while the slow one waits out its own spacing.
            await fast.ReadAsync(ModbusTable.Input, (ushort)i, 1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.False(slowSecond.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await slowSecond.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["1:04:0", "2:04:0", "2:04:1", "2:04:2", "2:04:3", "2:04:4", "1:04:0"], master.Requests);
    }

    [Fact]
    public async Task PauseAfterConnect_DelaysTheFirstRequestAfterEachOpening()
    {
        var time = new FakeTimeProvider(Start);
        var master = new FakeMaster();
        var line = new FakeLine(master, time);
        var client = new MasterDeviceClient(Device("gateway", 1, pauseAfterConnectMs: 500), line, time);

        var first = client.ReadAsync(ModbusTable.Holding, 0, 1, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(first.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await first.WaitAsync(TimeSpan.FromSeconds(30));

        // Open: no pause for the next request.
        await client.ReadAsync(ModbusTable.Holding, 0, 1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // The link breaks: the request after the reopening waits again.
        master.Failures.Enqueue(new IOException("port vanished"));
        var failed = await Assert.ThrowsAsync<DeviceRequestException>(() => client.ReadAsync(ModbusTable.Holding, 0, 1, CancellationToken.None));
        Assert.Equal(Quality.CommLoss, failed.Quality);
        var afterReopen = client.ReadAsync(ModbusTable.Holding, 0, 1, CancellationToken.None);
        Assert.False(afterReopen.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(500));
        await afterReopen.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, line.Opens);
    }

    [Fact]
    public async Task Retries_OnASharedLine_RepeatReadsAfterSilenceOrGarble_NeverWrites()
    {
        var time = new FakeTimeProvider(Start);
        var master = new FakeMaster();
        var client = new MasterDeviceClient(Device("flaky", 4, retries: 2), new FakeLine(master, time), time);

        master.Failures.Enqueue(new ModbusTimeoutException("silence"));
        master.Failures.Enqueue(new ModbusProtocolException("CRC error"));
        await client.ReadAsync(ModbusTable.Holding, 7, 1, CancellationToken.None);
        Assert.Equal(3, master.Requests.Count);

        master.Requests.Clear();
        master.Failures.Enqueue(new ModbusTimeoutException("silence"));
        var write = new EncodedWrite(ModbusTable.Holding, 7, [5], false);
        var failed = await Assert.ThrowsAsync<DeviceRequestException>(() => client.WriteAsync(write, CancellationToken.None));
        Assert.True(failed.TimedOut);
        Assert.Single(master.Requests);

        master.Requests.Clear();
        master.Failures.Enqueue(new ModbusException(4, ModbusFunctionCode.ReadHoldingRegisters, ModbusExceptionCode.IllegalDataAddress));
        var answered = await Assert.ThrowsAsync<DeviceRequestException>(() => client.ReadAsync(ModbusTable.Holding, 7, 1, CancellationToken.None));
        Assert.Equal((Quality.ConfigError, ModbusExceptionCode.IllegalDataAddress), (answered.Quality, answered.ExceptionCode));
        Assert.Single(master.Requests); // an exception answer is an answer: not retried
    }

    [Fact]
    public async Task Retries_OnAPrivateMaster_AreLeftToTheMaster()
    {
        var time = new FakeTimeProvider(Start);
        var master = new FakeMaster();
        var client = new MasterDeviceClient(Device("tcp", 1, retries: 2), new FakeLine(master, time, shared: false), time);
        master.Failures.Enqueue(new ModbusTimeoutException("silence"));

        var failed = await Assert.ThrowsAsync<DeviceRequestException>(() => client.ReadAsync(ModbusTable.Holding, 0, 1, CancellationToken.None));

        Assert.Equal(Quality.CommLoss, failed.Quality);
        Assert.Single(master.Requests);
    }

    [Theory]
    [InlineData(ModbusExceptionCode.IllegalFunction, Quality.ConfigError)]
    [InlineData(ModbusExceptionCode.IllegalDataValue, Quality.ConfigError)]
    [InlineData(ModbusExceptionCode.ServerDeviceFailure, Quality.DeviceFailure)]
    [InlineData(ModbusExceptionCode.ServerDeviceBusy, Quality.DeviceFailure)]
    public async Task ExceptionAnswers_MapToQualities(ModbusExceptionCode code, Quality expected)
    {
        var time = new FakeTimeProvider(Start);
        var master = new FakeMaster();
        var client = new MasterDeviceClient(Device("dev", 1), new FakeLine(master, time), time);
        master.Failures.Enqueue(new ModbusException(1, ModbusFunctionCode.ReadCoils, code));

        var failed = await Assert.ThrowsAsync<DeviceRequestException>(() => client.ReadBitsAsync(ModbusTable.Coil, 0, 8, CancellationToken.None));

        Assert.Equal(expected, failed.Quality);
        Assert.Equal(code, failed.ExceptionCode);
        Assert.Equal(["1:01:0"], master.Requests);
    }

    [Fact]
    public async Task Writes_PickTheirFunction()
    {
        var time = new FakeTimeProvider(Start);
        var master = new FakeMaster();
        var client = new MasterDeviceClient(Device("dev", 3), new FakeLine(master, time), time);

        await client.WriteAsync(new EncodedWrite(ModbusTable.Coil, 4, [], true), CancellationToken.None);
        await client.WriteAsync(new EncodedWrite(ModbusTable.Holding, 5, [6], false), CancellationToken.None);
        await client.WriteAsync(new EncodedWrite(ModbusTable.Holding, 5, [6, 7], false), CancellationToken.None);
        await client.ReadBitsAsync(ModbusTable.Discrete, 9, 2, CancellationToken.None);

        Assert.Equal(["3:05:4=True", "3:06:5=6", "3:16:5=6,7", "3:02:9"], master.Requests);
    }
}
