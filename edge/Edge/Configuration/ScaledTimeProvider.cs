namespace City.Edge.Configuration;

/// <summary>
/// A clock that runs <see cref="Speed"/> times faster than <paramref name="real"/> from a chosen instant (Edge:Clock, tests and
/// demos): now = simulatedStart + Speed x (real now - realStart). Timers and delays are scaled by the same factor, and so is
/// the monotonic timestamp, so a wait of an hour on this clock lasts an hour / Speed of real time.
/// </summary>
internal sealed class ScaledTimeProvider(TimeProvider real, DateTimeOffset simulatedStart, DateTimeOffset realStart, double speed) : TimeProvider
{
    private readonly long _timestampOrigin = real.GetTimestamp();

    public DateTimeOffset SimulatedStart => simulatedStart;

    public DateTimeOffset RealStart => realStart;

    public double Speed => speed;

    public override DateTimeOffset GetUtcNow() =>
        simulatedStart + TimeSpan.FromTicks((long)((real.GetUtcNow() - realStart).Ticks * speed));

    public override long TimestampFrequency => real.TimestampFrequency;

    public override long GetTimestamp() => _timestampOrigin + (long)((real.GetTimestamp() - _timestampOrigin) * speed);

    public override TimeZoneInfo LocalTimeZone => real.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(real.CreateTimer(callback, state, ToReal(dueTime), ToReal(period)), this);

    /// <summary>The real time span that lasts <paramref name="scaled"/> on this clock (infinite stays infinite).</summary>
    public TimeSpan ToReal(TimeSpan scaled) =>
        scaled == Timeout.InfiniteTimeSpan || scaled <= TimeSpan.Zero ? scaled : TimeSpan.FromTicks(Math.Max(1, (long)(scaled.Ticks / speed)));

    private sealed class ScaledTimer(ITimer inner, ScaledTimeProvider clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.ToReal(dueTime), clock.ToReal(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
