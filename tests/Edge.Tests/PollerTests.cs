using System.Net;
using System.Net.Sockets;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Protocols.Modbus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

public sealed class PollerTests : IAsyncLifetime
{
    private readonly InMemoryRegisterMap _map = new();
    private ModbusTcpSlave _slave = null!;

    public async Task InitializeAsync()
    {
        _map.AddUnit(1, 16, 16);
        var regs = new ushort[10];
        ModbusRegisterValue.TryWriteFloat32(230.47f, WordOrder.Abcd, regs.AsSpan(0));
        ModbusRegisterValue.TryWriteFloat32(1.25f, WordOrder.Abcd, regs.AsSpan(2));
        ModbusRegisterValue.TryWriteFloat32(288.1f, WordOrder.Abcd, regs.AsSpan(4));
        ModbusRegisterValue.TryWriteUInt64(1_234_567, WordOrder.Abcd, regs.AsSpan(6));
        _map.SetInputRegisters(1, 0, regs);
        _slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), _map);
        await _slave.StartAsync();
    }

    public async Task DisposeAsync() => await _slave.DisposeAsync();

    private static DeviceDefinition Meter(string name, int port, int periodMs = 50, uint firstAlias = 1) => ModbusDevice.Create(name, "modbus-tcp", "127.0.0.1", port, 1, TimeSpan.FromMilliseconds(500),
    [
        new PointDefinition(name, "voltage", ModbusTable.Input, 0, RegisterDataType.Float32, WordOrder.Abcd, 1.0, "V", periodMs, "") { Alias = firstAlias },
        new PointDefinition(name, "current", ModbusTable.Input, 2, RegisterDataType.Float32, WordOrder.Abcd, 1.0, "A", periodMs, "") { Alias = firstAlias + 1 },
        new PointDefinition(name, "power", ModbusTable.Input, 4, RegisterDataType.Float32, WordOrder.Abcd, 1.0, "W", periodMs, "") { Alias = firstAlias + 2 },
        new PointDefinition(name, "energy", ModbusTable.Input, 6, RegisterDataType.UInt64, WordOrder.Abcd, 1.0, "Wh", periodMs, "") { Alias = firstAlias + 3 },
    ]);

    private static async Task<List<Reading>> ReadAsync(ReadingQueue queue, Func<List<Reading>, bool> enough)
    {
        var readings = new List<Reading>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20)); // guards a broken build only
        while (!enough(readings))
        {
            readings.Add(await queue.Reader.ReadAsync(cts.Token));
        }

        return readings;
    }

    [Fact]
    public async Task Poller_ReadsAllPointsInOneRequest_WithDecodedValues()
    {
        var device = Meter("meter1", _slave.LocalEndPoint.Port);
        var state = new EdgeState("gw-001", DateTimeOffset.UtcNow, [device]);
        var queue = new ReadingQueue(1000);
        var poller = new DevicePoller(device, 0, 1, new ModbusDeviceClientFactory(TimeProvider.System), queue.Writer, state, TimeProvider.System, NullLogger.Instance);
        using var cts = new CancellationTokenSource();

        Assert.Single(poller.Requests);
        var run = poller.RunAsync(cts.Token);
        var readings = await ReadAsync(queue, r => r.Count >= 8);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.All(readings, r => Assert.Equal(Quality.Good, r.Quality));
        Assert.Equal(230.47, readings.First(r => r.Alias == 1).Value.Number);
        Assert.Equal(1.25, readings.First(r => r.Alias == 2).Value.Number);
        Assert.Equal(288.1, readings.First(r => r.Alias == 3).Value.Number);
        Assert.Equal(1_234_567, readings.First(r => r.Alias == 4).Value.Number);
        var (_, ok, _, pollsOk, pollsFailed) = state.Devices[0].Snapshot();
        Assert.True(ok);
        Assert.True(pollsOk >= 2);
        Assert.Equal(0, pollsFailed);
    }

    [Fact]
    public async Task DeadDevice_GivesCommLoss_AndDoesNotStallTheOthers()
    {
        var alive = Meter("alive", _slave.LocalEndPoint.Port);
        var dead = Meter("dead", FreePort.Tcp(), firstAlias: 101);
        var settings = new EdgeSettings(new EdgeOptions(), [dead, alive]);
        var state = new EdgeState("gw-001", DateTimeOffset.UtcNow, settings.Devices);
        var queue = new ReadingQueue(10_000);
        var service = new PollingService(settings, [new ModbusDeviceRunner(new ModbusDeviceClientFactory(TimeProvider.System), TimeProvider.System)], queue, state, TimeProvider.System, NullLoggerFactory.Instance);

        await service.StartAsync(CancellationToken.None);
        var readings = await ReadAsync(queue, r => r.Count(x => x.Quality == Quality.Good) >= 40 && r.Any(x => x.Alias > 100));
        await service.StopAsync(CancellationToken.None);

        // The dead device's points (aliases 101-104) are COMM_LOSS with no value yet. (On a starved machine the
        // live one may miss a timeout too: its readings are not what this checks.)
        var lost = readings.Where(r => r.Alias > 100).ToList();
        Assert.NotEmpty(lost);
        Assert.All(lost, r => Assert.Equal(Quality.CommLoss, r.Quality));
        Assert.All(lost, r => Assert.True(double.IsNaN(r.Value.Number)));
        // One reading per point per failing cycle (the last cycle may be cut short by when we stopped reading).
        var perPoint = lost.GroupBy(r => r.Alias).Select(g => g.Count()).ToList();
        Assert.True(perPoint.Max() - perPoint.Min() <= 1, string.Join(", ", perPoint));
        var deadState = state.Device("dead").Snapshot();
        Assert.False(deadState.LastPollOk);
        Assert.NotNull(deadState.LastError);
        Assert.True(state.Device("alive").Snapshot().PollsOk >= 10);
    }

    [Fact]
    public async Task IllegalAddress_IsAConfigError_ForThosePointsOnly()
    {
        var port = _slave.LocalEndPoint.Port;
        var device = ModbusDevice.Create("meter1", "modbus-tcp", "127.0.0.1", port, 1, TimeSpan.FromMilliseconds(500),
        [
            new PointDefinition("meter1", "voltage", ModbusTable.Input, 0, RegisterDataType.Float32, WordOrder.Abcd, 1.0, "V", 50, "") { Alias = 1 },
            new PointDefinition("meter1", "ghost", ModbusTable.Input, 1000, RegisterDataType.UInt16, WordOrder.Abcd, 1.0, "", 50, "") { Alias = 2 },
        ]);
        var state = new EdgeState("gw-001", DateTimeOffset.UtcNow, [device]);
        var queue = new ReadingQueue(1000);
        var poller = new DevicePoller(device, 0, 1, new ModbusDeviceClientFactory(TimeProvider.System), queue.Writer, state, TimeProvider.System, NullLogger.Instance);
        using var cts = new CancellationTokenSource();

        var run = poller.RunAsync(cts.Token);
        var readings = await ReadAsync(queue, r => r.Count >= 6);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.All(readings.Where(r => r.Alias == 1), r => Assert.Equal(Quality.Good, r.Quality));
        Assert.All(readings.Where(r => r.Alias == 2), r => Assert.Equal(Quality.ConfigError, r.Quality));
    }
}

public sealed class BufferWriterTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Writer_CommitsQueuedReadings_AndFlushesTheRestAtStop()
    {
        var options = new EdgeOptions { GatewayId = "gw-001", Buffer = new BufferOptions { FlushIntervalMs = 50, MaxReadingsPerBatch = 100 } };
        using var buffer = BatchBuffer.Open(_dir.File("b.db"), 1 << 30, "gw-001", maxReadingsPerBatch: options.Buffer.MaxReadingsPerBatch);
        var queue = new ReadingQueue(10_000);
        var writer = new BufferWriter(buffer, queue, Options.Create(options), TimeProvider.System, NullLogger<BufferWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);

        for (var i = 0; i < 250; i++)
        {
            await queue.Writer.WriteAsync(new Reading(1, 1_700_000_000_000 + i, PointValue.FromNumber(i)));
        }

        for (var i = 0; i < 1000 && buffer.GetStats().ReadingsBuffered < 250; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(250, buffer.GetStats().ReadingsBuffered);
        Assert.True(buffer.GetStats().BatchesWaiting >= 3); // at most 100 readings per batch

        await queue.Writer.WriteAsync(new Reading(1, 1_700_000_001_000, PointValue.FromNumber(7)));
        await writer.StopAsync(CancellationToken.None);
        Assert.Equal(251, buffer.GetStats().ReadingsBuffered);
        var all = buffer.TakePending(100, 0).SelectMany(BatchBuffer.DecodeReadings).ToList();
        Assert.Equal(251, all.Count);
    }
}
