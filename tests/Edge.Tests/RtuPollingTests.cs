using System.Collections.Concurrent;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.TestSupport;
using City.Protocols.Modbus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
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
    private const int TargetCycles = 12;

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

    /// <summary>
    /// Runs until the dead slave has had <see cref="TargetCycles"/> cycles, then judges every device by what happened in
    /// those cycles (never by how many fit in a stretch of wall-clock time, which a loaded machine changes).
    /// </summary>
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

        var readings = new List<Reading>();
        int Cycles(uint alias, Quality? quality = null) => readings
            .Where(r => r.Alias == alias && (quality is null || r.Quality == quality))
            .Select(r => r.TimestampUnixMs).Distinct().Count();
        void Drain()
        {
            while (queue.Reader.TryRead(out var reading))
            {
                readings.Add(reading);
            }
        }

        await service.StartAsync(CancellationToken.None);
        await Until.TrueAsync(
            () =>
            {
                Drain();
                return Cycles(31, Quality.CommLoss) >= TargetCycles;
            },
            $"{TargetCycles} cycles of the dead slave");
        await service.StopAsync(CancellationToken.None);
        service.Dispose();
        Drain();

        var lostCycles = Cycles(31, Quality.CommLoss);
        var summary = $"readings per (alias, quality): {string.Join(", ", readings.GroupBy(r => (r.Alias, r.Quality)).Select(g => $"{g.Key}={g.Count()}"))}; "
            + $"requests: {string.Join(", ", factory.Requests.Select(kv => $"{kv.Key}={kv.Value}"))}; slave: requests {slave.RequestCount}, other units {slave.OtherUnitCount}";
        output.WriteLine(summary);

        // Every device runs on the same period: while the dead slave went through its cycles (each of them, when it was
        // asked, holding the line for the whole 300 ms timeout), the live slaves went through as many, every point read.
        // A loaded machine may let one of their own answers miss the timeout now and then (a COMM_LOSS cycle), but most
        // cycles are answered.
        foreach (var alias in new uint[] { 11, 12, 21, 22 })
        {
            // Within 2: the last cycle may be under way at the stop, and a stall of the machine may cost one more.
            Assert.True(Cycles(alias) >= lostCycles - 2, $"alias {alias}: {Cycles(alias)} cycles while the dead slave had {lostCycles}. {summary}");
            Assert.True(Cycles(alias, Quality.Good) * 2 > Cycles(alias), $"alias {alias}: {Cycles(alias, Quality.Good)} good of {Cycles(alias)} cycles. {summary}");
        }

        Assert.Contains(readings, r => r.Alias == 11 && r.Value.Number == 101);
        Assert.Contains(readings, r => r.Alias == 22 && r.Value.Number == 202);

        // The dead slave's points are COMM_LOSS once per cycle (asked or backed off), never GOOD.
        Assert.Equal(lostCycles, Cycles(32, Quality.CommLoss));
        Assert.DoesNotContain(readings, r => r.Alias is 31 or 32 && r.Quality != Quality.CommLoss);

        // ... and it was backed off: asked in cycles 1-3, then in every 10th (13, 23, ...); the last cycle may have been
        // under way when the service stopped, so its request may be counted without its reading.
        var deadRequests = factory.Requests.GetValueOrDefault("slave3");
        Assert.InRange(deadRequests, AskedInCycles(lostCycles), AskedInCycles(lostCycles + 1));
        Assert.True(deadRequests < lostCycles, summary);
        Assert.True(slave.OtherUnitCount <= deadRequests, summary); // what reached the line for unit 3
        Assert.False(state.Device("slave3").Snapshot().LastPollOk);
        Assert.True(state.Device("slave1").Snapshot().PollsOk * 2 > lostCycles, summary);
    }

    /// <summary>The requests a silent device gets in its first <paramref name="cycles"/> cycles: 3, then one every 10th cycle.</summary>
    private static int AskedInCycles(int cycles) => Math.Min(cycles, 3) + (cycles >= 13 ? ((cycles - 13) / 10) + 1 : 0);

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

    /// <summary>
    /// The poller runs on a fake clock that the test moves one period at a time, only while no reading is waiting: it can
    /// never run ahead of the test's count of readings, whatever the machine's load (the real clock let it).
    /// </summary>
    [Fact]
    public async Task SilentDevice_IsAskedEveryTenthCycleAfterThreeFailures_AndResumesOnTheFirstAnswer()
    {
        var period = TimeSpan.FromMilliseconds(20);
        var device = ModbusDevice.Create("slave3", "modbus-rtu", "", 0, 3, TimeSpan.FromMilliseconds(300),
            [new PointDefinition("slave3", "level", ModbusTable.Holding, 0, RegisterDataType.UInt16, City.Protocols.Modbus.WordOrder.Abcd, 1.0, "", (int)period.TotalMilliseconds, "") { Alias = 1 }]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var state = new EdgeState("gw-001", time.GetUtcNow(), [device]);
        var queue = new ReadingQueue(10_000);
        var client = new SilentClient();
        var poller = new DevicePoller(device, 0, 1, client, queue.Writer, state, time, NullLogger.Instance, PollBackoff.Default);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // guards a broken build only

        // The next reading; while none is waiting, the clock moves on by one period (at most one more cycle each time).
        async Task<Reading> NextAsync()
        {
            while (true)
            {
                if (queue.Reader.TryRead(out var reading))
                {
                    return reading;
                }

                using var pause = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                pause.CancelAfter(TimeSpan.FromMilliseconds(10));
                try
                {
                    await queue.Reader.WaitToReadAsync(pause.Token);
                }
                catch (OperationCanceledException) when (!cts.IsCancellationRequested)
                {
                    time.Advance(period);
                }
            }
        }

        var run = poller.RunAsync(cts.Token);
        var readings = new List<Reading>();
        while (readings.Count < 40)
        {
            readings.Add(await NextAsync());
        }

        // Cycles 1-3 asked, then 13, 23, 33 (each a COMM_LOSS reading either way).
        Assert.All(readings, r => Assert.Equal(Quality.CommLoss, r.Quality));
        Assert.Equal(6, client.Requests);
        Assert.Equal(34, poller.SkippedCycles);

        client.Answer = true;
        while (!readings.Skip(40).Any(r => r.Quality == Quality.Good))
        {
            readings.Add(await NextAsync());
        }

        // After the first answer, every cycle is asked again.
        var afterAnswer = client.Requests;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Quality.Good, (await NextAsync()).Quality);
        }

        Assert.Equal(5, client.Requests - afterAnswer);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }
}
