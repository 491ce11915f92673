using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;

namespace City.Edge.Tests;

/// <summary>Readings taken while the edge's clock is known bad carry QUALITY_CLOCK_UNSYNCED.</summary>
public sealed class ClockGuardTests
{
    private static readonly DateTimeOffset Synced = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A clock whose wall time can jump while its monotonic time runs on, as a real one when it is set.</summary>
    private sealed class SplitClock(DateTimeOffset wall) : TimeProvider
    {
        private long _ticks = 1_000_000_000;

        public DateTimeOffset Wall { get; private set; } = wall;

        public override DateTimeOffset GetUtcNow() => Wall;

        public override long GetTimestamp() => _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        /// <summary>Time passes: both clocks move.</summary>
        public void Advance(TimeSpan elapsed)
        {
            Wall += elapsed;
            _ticks += elapsed.Ticks;
        }

        /// <summary>The wall clock is set (NTP step, a technician, a dead RTC battery): only it moves.</summary>
        public void SetWall(DateTimeOffset wall) => Wall = wall;
    }

    private static Reading Now(SplitClock clock, Quality quality = Quality.Good) =>
        new(1, clock.GetUtcNow().ToUnixTimeMilliseconds(), PointValue.FromNumber(1), quality);

    /// <summary>Writes a reading through the queue every poller uses and reads what the buffer writer gets.</summary>
    private static Quality ThroughQueue(ReadingQueue queue, Reading reading)
    {
        Assert.True(queue.Writer.TryWrite(reading));
        Assert.True(queue.Reader.TryRead(out var written));
        return written.Quality;
    }

    [Fact]
    public void BeforeTheReleaseDate_ReadingsAreMarked_UntilTheClockIsSet()
    {
        var clock = new SplitClock(new DateTimeOffset(1970, 1, 1, 0, 0, 5, TimeSpan.Zero));
        var queue = new ReadingQueue(100, new ClockGuard(clock));
        Assert.Equal(Quality.ClockUnsynced, ThroughQueue(queue, Now(clock)));
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(Quality.ClockUnsynced, ThroughQueue(queue, Now(clock)));

        // NTP sets the clock: a jump, so readings stay marked while it settles, then are good again.
        clock.Advance(TimeSpan.FromSeconds(1));
        clock.SetWall(Synced);
        Assert.Equal(Quality.ClockUnsynced, ThroughQueue(queue, Now(clock)));
        clock.Advance(ClockGuard.SettleTime - TimeSpan.FromSeconds(1));
        Assert.Equal(Quality.ClockUnsynced, ThroughQueue(queue, Now(clock)));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(Quality.Good, ThroughQueue(queue, Now(clock)));
    }

    [Fact]
    public void AfterAJump_ReadingsAreMarked_UntilTheClockRanSteadyForTheSettleTime()
    {
        var clock = new SplitClock(Synced);
        var guard = new ClockGuard(clock);
        Assert.Equal(Quality.Good, guard.Mark(Now(clock)).Quality);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Quality.Good, guard.Mark(Now(clock)).Quality);

        // Someone sets the clock back an hour between two readings.
        clock.Advance(TimeSpan.FromSeconds(1));
        clock.SetWall(clock.Wall - TimeSpan.FromHours(1));
        Assert.Equal(Quality.ClockUnsynced, guard.Mark(Now(clock)).Quality);
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(Quality.ClockUnsynced, guard.Mark(Now(clock)).Quality);

        // A second jump during the settle time starts it again.
        clock.SetWall(clock.Wall + TimeSpan.FromMinutes(5));
        clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(Quality.ClockUnsynced, guard.Mark(Now(clock)).Quality);
        clock.Advance(ClockGuard.SettleTime);
        Assert.Equal(Quality.Good, guard.Mark(Now(clock)).Quality);
    }

    [Fact]
    public void SlowDriftAndLongGaps_AreNotAJump()
    {
        var clock = new SplitClock(Synced);
        var guard = new ClockGuard(clock);
        Assert.Equal(Quality.Good, guard.Mark(Now(clock)).Quality);

        // An hour without readings while NTP slewed the clock by 1.5 s (within its 500 ppm).
        clock.Advance(TimeSpan.FromHours(1));
        clock.SetWall(clock.Wall + TimeSpan.FromSeconds(1.5));
        Assert.Equal(Quality.Good, guard.Mark(Now(clock)).Quality);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(Quality.Good, guard.Mark(Now(clock)).Quality);
    }

    [Fact]
    public void AReadingThatAlreadyCarriesAProblem_KeepsIt()
    {
        var clock = new SplitClock(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var guard = new ClockGuard(clock);
        Assert.Equal(Quality.CommLoss, guard.Mark(Now(clock, Quality.CommLoss)).Quality);
        Assert.Equal(Quality.ClockUnsynced, guard.Mark(Now(clock, Quality.Good)).Quality);
        Assert.Equal(1, guard.ReadingsMarked);
    }

    [Fact]
    public void ABurstOfReadings_ReusesTheLastVerdict_AndStillMarksOldTimestamps()
    {
        var clock = new SplitClock(Synced);
        var guard = new ClockGuard(clock);
        Assert.Equal(Quality.Good, guard.Mark(Now(clock)).Quality);
        var stale = new Reading(1, new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), PointValue.FromNumber(1));
        Assert.Equal(Quality.ClockUnsynced, guard.Mark(stale).Quality);
        Assert.Equal(Quality.Good, guard.Mark(Now(clock)).Quality);
    }
}
