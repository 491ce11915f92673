using City.Contract;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Protocols.Modbus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

/// <summary>
/// Two readings of one point must never carry the same millisecond: central keeps both, and a reader of the history
/// cannot tell them from a reading stored twice.
/// </summary>
public sealed class PollTimestampTests
{
    private static readonly DateTimeOffset WholeSecond = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The poller starts at <paramref name="phaseMs"/> past a whole millisecond and its second poll wakes up almost a
    /// whole period late, in the millisecond just before the third poll's slot: that poll answers at once, and the
    /// third one is due a fraction of a millisecond later.
    /// </summary>
    [Theory]
    [InlineData(0.2)]
    [InlineData(0.7)]
    [InlineData(0.95)]
    public async Task A_poll_woken_late_just_before_the_next_slot_never_repeats_its_millisecond(double phaseMs)
    {
        var clock = new ParkedClock(WholeSecond + TimeSpan.FromMilliseconds(phaseMs));
        var device = ModbusDevice.Create("meter1", "modbus-tcp", "127.0.0.1", 502, 1, TimeSpan.FromMilliseconds(500),
        [
            new PointDefinition("meter1", "voltage", ModbusTable.Input, 0, RegisterDataType.UInt16, WordOrder.Abcd, 1.0, "V", 50, "") { Alias = 1 },
            new PointDefinition("meter1", "current", ModbusTable.Input, 1, RegisterDataType.UInt16, WordOrder.Abcd, 1.0, "A", 50, "") { Alias = 2 },
        ]);
        var state = new EdgeState("gw-001", WholeSecond, [device]);
        var queue = new ReadingQueue(1000);
        var poller = new DevicePoller(device, 0, 1, new InstantClientFactory(), queue.Writer, state, clock, NullLogger.Instance);
        using var stop = new CancellationTokenSource();

        var run = Task.Run(() => poller.RunAsync(stop.Token));
        foreach (var atMs in new[] { 100 + (phaseMs / 2), 100 + phaseMs, 101.5, 151.5, 201.5 })
        {
            await clock.AdvanceToWhenParkedAsync(WholeSecond + TimeSpan.FromMilliseconds(atMs), run);
        }

        await clock.WaitUntilParkedAsync(run);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        queue.Writer.Complete();
        var readings = new List<Reading>();
        await foreach (var reading in queue.Reader.ReadAllAsync())
        {
            readings.Add(reading);
        }

        Assert.True(readings.Count >= 8, $"only {readings.Count} readings");
        foreach (var point in readings.GroupBy(r => r.Alias))
        {
            var times = point.Select(r => r.TimestampUnixMs - WholeSecond.ToUnixTimeMilliseconds()).ToList();
            Assert.True(times.Distinct().Count() == times.Count, $"alias {point.Key}: readings at ms {string.Join(", ", times)}");
        }
    }

    private sealed class InstantClientFactory : IDeviceClientFactory
    {
        public IDeviceClient Create(DeviceDefinition device) => new InstantClient();
    }

    /// <summary>A device that answers at once (no time passes on the fake clock), every register 7.</summary>
    private sealed class InstantClient : IDeviceClient
    {
        public Task<ushort[]> ReadAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Repeat((ushort)7, count).ToArray());

        public Task<bool[]> ReadBitsAsync(ModbusTable table, ushort start, ushort count, CancellationToken cancellationToken) =>
            Task.FromResult(new bool[count]);

        public Task WriteAsync(EncodedWrite write, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>
    /// A fake clock that knows when the poller waits on it: while a timer it created has not fired, or while it keeps
    /// reading the clock without creating one (Task.Delay completes at once below a millisecond: the poller spins until
    /// the slot). Moving the clock only then makes every step land where the test means it to.
    /// </summary>
    private sealed class ParkedClock(DateTimeOffset start) : TimeProvider
    {
        private readonly FakeTimeProvider _fake = new(start);
        private int _created;
        private int _fired;
        private long _reads;

        public override DateTimeOffset GetUtcNow()
        {
            Interlocked.Increment(ref _reads);
            return _fake.GetUtcNow();
        }

        public override long GetTimestamp() => _fake.GetTimestamp();

        public override long TimestampFrequency => _fake.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            // Counted as fired inside Advance; the poller runs on the pool, never inside Advance (it may spin there).
            var timer = _fake.CreateTimer(s =>
            {
                Interlocked.Increment(ref _fired);
                ThreadPool.QueueUserWorkItem(_ => callback(s));
            }, state, dueTime, period);

            // Counted once the timer is set: counted before, a preempted poller let the test advance the clock before its
            // timer existed, and the timer then started from the new time (the test saw no reading at all).
            Interlocked.Increment(ref _created);
            return timer;
        }

        public async Task WaitUntilParkedAsync(Task poller)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); // guards a broken build only
            var readsBefore = Interlocked.Read(ref _reads);
            while (Volatile.Read(ref _created) <= Volatile.Read(ref _fired) && Interlocked.Read(ref _reads) - readsBefore < 1000)
            {
                if (poller.IsCompleted)
                {
                    await poller; // throws what stopped it
                    Assert.Fail("the poller stopped");
                }

                Assert.True(DateTime.UtcNow < deadline, $"the poller never waited on the clock (timers created {_created}, fired {_fired})");
                await Task.Delay(1);
            }
        }

        public async Task AdvanceToWhenParkedAsync(DateTimeOffset time, Task poller)
        {
            await WaitUntilParkedAsync(poller);
            _fake.Advance(time - _fake.GetUtcNow());
        }
    }
}
