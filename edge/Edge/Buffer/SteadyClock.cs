namespace City.Edge.Buffer;

/// <summary>
/// An instant that moves with the monotonic clock only: the wall time when it was made plus the monotonic time elapsed
/// since. For deadlines and timeouts (flush intervals, ack timeouts) that must neither stretch nor vanish when the wall
/// clock is set: an NTP step back of an hour would otherwise hold a resend or a flush back for an hour, and one forward
/// would make every timer due at once. Timestamps of readings keep the wall clock.
/// </summary>
internal sealed class SteadyClock(TimeProvider time)
{
    private readonly DateTimeOffset _origin = time.GetUtcNow();
    private readonly long _originTimestamp = time.GetTimestamp();

    public DateTimeOffset Now => _origin + time.GetElapsedTime(_originTimestamp);
}
