using System.Collections.Concurrent;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Protocols.Modbus;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

/// <summary>
/// Modbus RTU devices on a shared RS-485 line: the edge's polling service against a <see cref="ModbusRtuSlave"/> on a socat
/// pseudo-terminal pair (never skipped: a missing socat is a failure), and the backoff of a silent device with a fake client.
/// </summary>
public sealed class RtuPollingTests(ITestOutputHelper output)
{
    private const int PeriodMs = 500;
    private const int TimeoutMs = 300;
    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(6);

    /// <summary>Counts the requests each device's client sends.</summary>
    private sealed class CountingFactory(IDeviceClientFactory inner) : IDeviceClientFactory
    {
        public ConcurrentDictionary<string, int> Requests { get; } = new();

        public IDeviceClient Create(DeviceDefinition device) => new Client(this, device.Name, inner.Create(device));

        private sealed class Client(CountingFactory owner, string device, IDeviceClient inner) : IDeviceClient
        {
            public Task<ushort[]> ReadAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken)
            {
                owner.Requests.AddOrUpdate(device, 1, (_, n) => n + 1);
                return inner.ReadAsync(table, start, count, cancellationToken);
            }

            public Task<bool[]> ReadBitsAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken)
            {
                owner.Requests.AddOrUpdate(device, 1, (_, n) => n + 1);
                return inner.ReadBitsAsync(table, start, count, cancellationToken);
            }

            public Task WriteAsync(EncodedWrite write, CancellationToken cancellationToken) => inner.WriteAsync(write, cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    private static Dictionary<string, string?> LineWithThreeSlaves(string port)
    {
        var values = TestConfig.Valid();
        foreach (var key in values.Keys.Where(k => k.StartsWith("Edge:Devices", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            values.Remove(key);
        }

        values["Edge:SerialLines:0:Name"] = "bus1";
        values["Edge:SerialLines:0:Port"] = port;
        values["Edge:SerialLines:0:BaudRate"] = "19200";
        values["Edge:SerialLines:0:Parity"] = "even";
        values["Edge:SerialLines:0:DataBits"] = "8";
        values["Edge:SerialLines:0:StopBits"] = "1";
        values["Edge:SerialLines:0:TimeoutMs"] = TimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var unit = 1; unit <= 3; unit++)
        {
            var d = $"Edge:Devices:{unit - 1}";
            values[$"{d}:Name"] = $"slave{unit}";
            values[$"{d}:Protocol"] = "modbus-rtu";
            values[$"{d}:Line"] = "bus1";
            values[$"{d}:UnitId"] = unit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            values[$"{d}:Points:0:Name"] = "level";
            values[$"{d}:Points:0:Register"] = "0";
            values[$"{d}:Points:0:PeriodMs"] = PeriodMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            values[$"{d}:Points:1:Name"] = "flow";
            values[$"{d}:Points:1:Register"] = "1";
            values[$"{d}:Points:1:PeriodMs"] = PeriodMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return values;
    }

    /// <summary>Aliases 10u+1 and 10u+2 for the points of unit u (the catalogue would assign them in the daemon).</summary>
    private static EdgeSettings WithTestAliases(EdgeSettings settings) => settings with
    {
        Devices = settings.Devices.Select(d => d with
        {
            Points = d.Points.Select((p, i) => p with { Alias = (uint)((d.UnitId * 10) + i + 1) }).ToList(),
        }).ToList(),
    };

    [Fact]
    public async Task SharedLine_ThreeSlavesOneDead_LiveSlavesKeepTheirPeriod_DeadOneIsBackedOff()
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(1, 16, 16);
        map.AddUnit(2, 16, 16);
        map.SetHoldingRegisters(1, 0, [101, 102]);
        map.SetHoldingRegisters(2, 0, [201, 202]);
        await using var pair = await SocatPtyPair.StartAsync(TimeSpan.FromSeconds(30));
        await using var slave = ModbusRtuSlave.Open(new ModbusRtuSerialSettings(pair.PortB), map, new ModbusRtuSlaveOptions { UnitIds = [1, 2] });
        slave.Start();

        var (ok, loaded, errors) = TestConfig.Load(LineWithThreeSlaves(pair.PortA));
        Assert.True(ok, string.Join("\n", errors));
        var settings = WithTestAliases(loaded);
        Assert.All(settings.Devices, d => Assert.Equal(TimeSpan.FromMilliseconds(TimeoutMs), d.Timeout));
        var state = new EdgeState("gw-001", DateTimeOffset.UtcNow, settings.Devices);
        var queue = new ReadingQueue(100_000);
        using var rtu = new ProtocolDeviceClientFactory(TimeProvider.System);
        var factory = new CountingFactory(rtu);
        var service = new PollingService(settings, [new ModbusDeviceRunner(factory, TimeProvider.System)], queue, state, TimeProvider.System, NullLoggerFactory.Instance);

        await service.StartAsync(CancellationToken.None);
        await Task.Delay(RunFor);
        await service.StopAsync(CancellationToken.None);
        service.Dispose();

        var readings = new List<Reading>();
        while (queue.Reader.TryRead(out var reading))
        {
            readings.Add(reading);
        }

        var possible = (int)(RunFor.TotalMilliseconds / PeriodMs); // 12
        int Cycles(uint alias, Quality quality) => readings.Where(r => r.Alias == alias && r.Quality == quality).Select(r => r.TimestampUnixMs).Distinct().Count();
        var summary = $"readings per (alias, quality): {string.Join(", ", readings.GroupBy(r => (r.Alias, r.Quality)).Select(g => $"{g.Key}={g.Count()}"))}; "
            + $"requests: {string.Join(", ", factory.Requests.Select(kv => $"{kv.Key}={kv.Value}"))}; slave: requests {slave.RequestCount}, other units {slave.OtherUnitCount}";

        output.WriteLine(summary);

        // The live slaves answered in at least ~80% of their periods, every point, despite the dead one's timeouts.
        foreach (var alias in new uint[] { 11, 12, 21, 22 })
        {
            Assert.True(Cycles(alias, Quality.Good) >= 8, $"alias {alias}: {Cycles(alias, Quality.Good)} good cycles of {possible} possible. {summary}");
            // A loaded machine may let one of their own answers miss the 300 ms timeout now and then; the dead
            // slave's timeouts must not be what costs them their periods.
            Assert.True(Cycles(alias, Quality.CommLoss) <= possible - 8, summary);
        }

        Assert.Contains(readings, r => r.Alias == 11 && r.Value.Number == 101);
        Assert.Contains(readings, r => r.Alias == 22 && r.Value.Number == 202);

        // The dead slave's points are COMM_LOSS once per period (asked or backed off), never GOOD.
        var lostCycles = Cycles(31, Quality.CommLoss);
        Assert.True(lostCycles >= 8, $"unit 3: {lostCycles} COMM_LOSS cycles of {possible} possible. {summary}");
        Assert.Equal(lostCycles, Cycles(32, Quality.CommLoss));
        Assert.DoesNotContain(readings, r => r.Alias is 31 or 32 && r.Quality != Quality.CommLoss);

        // ... and it was backed off: 3 attempts, then one every 10th cycle (at most 5 in 6 s, fewer than its cycles).
        var deadRequests = factory.Requests.GetValueOrDefault("slave3");
        Assert.InRange(deadRequests, 3, 5);
        Assert.True(deadRequests < lostCycles, summary);
        Assert.True(slave.OtherUnitCount <= deadRequests, summary); // what reached the line for unit 3
        Assert.False(state.Device("slave3").Snapshot().LastPollOk);
        Assert.True(state.Device("slave1").Snapshot().PollsOk >= 8, summary);
    }

    /// <summary>A client that never answers (COMM_LOSS) until <see cref="Answer"/> is set, counting its requests.</summary>
    private sealed class SilentClient : IDeviceClient, IDeviceClientFactory
    {
        private int _requests;

        public volatile bool Answer;

        public int Requests => Volatile.Read(ref _requests);

        public IDeviceClient Create(DeviceDefinition device) => this;

        public Task<ushort[]> ReadAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return Answer ? Task.FromResult(new ushort[count]) : throw new DeviceRequestException(Quality.CommLoss, "timeout");
        }

        public Task<bool[]> ReadBitsAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken) =>
            throw new NotSupportedException("registers only");

        public Task WriteAsync(EncodedWrite write, CancellationToken cancellationToken) => throw new NotSupportedException("reads only");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task SilentDevice_IsAskedEveryTenthCycleAfterThreeFailures_AndResumesOnTheFirstAnswer()
    {
        var device = ModbusDevice.Create("slave3", "modbus-rtu", "", 0, 3, TimeSpan.FromMilliseconds(300),
            [new PointDefinition("slave3", "level", ModbusTable.Holding, 0, RegisterDataType.UInt16, City.Protocols.Modbus.WordOrder.Abcd, 1.0, "", 20, "") { Alias = 1 }]);
        var state = new EdgeState("gw-001", DateTimeOffset.UtcNow, [device]);
        var queue = new ReadingQueue(10_000);
        var client = new SilentClient();
        var poller = new DevicePoller(device, 0, 1, client, queue.Writer, state, TimeProvider.System, NullLogger.Instance, PollBackoff.Default);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // guards a broken build only

        var run = poller.RunAsync(cts.Token);
        var readings = new List<Reading>();
        while (readings.Count < 40)
        {
            readings.Add(await queue.Reader.ReadAsync(cts.Token));
        }

        // Cycles 1-3 asked, then 13, 23, 33 (each a COMM_LOSS reading either way).
        var askedWhileSilent = client.Requests;
        Assert.All(readings, r => Assert.Equal(Quality.CommLoss, r.Quality));
        Assert.InRange(askedWhileSilent, 6, 7); // the 41st cycle may have started
        Assert.True(poller.SkippedCycles >= 33, $"skipped {poller.SkippedCycles}");

        client.Answer = true;
        while (!readings.Skip(40).Any(r => r.Quality == Quality.Good))
        {
            readings.Add(await queue.Reader.ReadAsync(cts.Token));
        }

        // After the first answer, every cycle is asked again.
        var afterAnswer = client.Requests;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Quality.Good, (await queue.Reader.ReadAsync(cts.Token)).Quality);
        }

        Assert.InRange(client.Requests - afterAnswer, 5, 6);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }
}
