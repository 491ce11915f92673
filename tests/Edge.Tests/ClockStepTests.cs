using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;
using Microsoft.Extensions.Logging.Abstractions;

namespace City.Edge.Tests;

/// <summary>
/// The wall clock set while the edge runs (an NTP step, a technician): polling goes on on the new time, and deadlines and
/// timeouts (flushes, ack timeouts) neither stretch nor vanish. The end-to-end version, with libfaketime stepping a real
/// edge's clock, is tests/EndToEnd.Tests/ChaosTests.
/// </summary>
public sealed class ClockStepTests
{
    /// <summary>The system's clock and timers, its wall clock offset by what the test sets (the monotonic clock is not).</summary>
    private sealed class SteppedWallClock : TimeProvider
    {
        private long _offsetTicks;

        public TimeSpan Offset
        {
            get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
            set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
        }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
    }

    [Fact]
    public void A_poll_slot_more_than_a_period_ahead_means_the_clock_was_set_back_and_the_grid_starts_again_now()
    {
        var now = new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero).AddTicks(3);
        var period = TimeSpan.FromSeconds(1);
        Assert.Equal(now.AddMilliseconds(400), PollSchedule.AfterClockSetBack(now.AddMilliseconds(400), period, now));
        Assert.Equal(now + period, PollSchedule.AfterClockSetBack(now + period, period, now));
        var restarted = PollSchedule.AfterClockSetBack(now.AddHours(1), period, now);
        Assert.InRange(restarted - now, TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, restarted.UtcTicks % TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public void The_steady_clock_ignores_the_wall_clock_being_set()
    {
        var clock = new SteppedWallClock();
        var steady = new SteadyClock(clock);
        var before = steady.Now;
        clock.Offset = TimeSpan.FromHours(-1);
        var afterBack = steady.Now;
        clock.Offset = TimeSpan.FromDays(365);
        var afterForward = steady.Now;
        Assert.InRange(afterBack - before, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.InRange(afterForward - afterBack, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_poller_whose_clock_is_set_back_an_hour_keeps_polling_on_the_new_time()
    {
        var clock = new SteppedWallClock();
        var device = ModbusDevice.Create("meter1", "modbus-tcp", "127.0.0.1", 502, 1, TimeSpan.FromMilliseconds(500),
        [
            new PointDefinition("meter1", "voltage", ModbusTable.Input, 0, RegisterDataType.UInt16, WordOrder.Abcd, 1.0, "V", 20, "") { Alias = 1 },
        ]);
        var queue = new ReadingQueue(10_000, new ClockGuard(clock));
        var poller = new DevicePoller(device, 0, 1, new AnsweringClientFactory(), queue.Writer, new EdgeState("gw-001", clock.GetUtcNow(), [device]), clock, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => poller.RunAsync(stop.Token));
        var readings = new List<Reading>();

        async Task<int> CountAsync(Func<Reading, bool> which)
        {
            while (queue.Reader.TryRead(out var reading))
            {
                readings.Add(reading);
            }

            Assert.False(run.IsFaulted, run.Exception?.ToString());
            return readings.Count(which);
        }

        await Until.TrueAsync(async () => await CountAsync(_ => true) >= 3, "three polls on the right time");
        var setBackAt = clock.GetUtcNow();
        clock.Offset = TimeSpan.FromHours(-1);
        var earlier = setBackAt.AddMinutes(-59).ToUnixTimeMilliseconds();
        await Until.TrueAsync(async () => await CountAsync(r => r.TimestampUnixMs < earlier) >= 3, "three polls on the clock set back an hour");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        // Taken within a minute of the step: the guard marks them.
        Assert.All(readings.Where(r => r.TimestampUnixMs < earlier), r => Assert.Equal(Quality.ClockUnsynced, r.Quality));
    }

    private sealed class AnsweringClientFactory : IDeviceClientFactory
    {
        public IDeviceClient Create(DeviceDefinition device) => new AnsweringClient();
    }

    private sealed class AnsweringClient : IDeviceClient
    {
        public Task<ushort[]> ReadAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Repeat((ushort)230, count).ToArray());

        public Task<bool[]> ReadBitsAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken) =>
            Task.FromResult(new bool[count]);

        public Task WriteAsync(EncodedWrite write, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
