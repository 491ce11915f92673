namespace City.Edge.Devices;

/// <summary>
/// At most one log message per interval for one kind of event that a peer can cause at will (forged acks, stray
/// messages): the first is logged, the others until the interval has passed are only counted, and the next message says
/// how many there were.
/// </summary>
internal sealed class LogRateLimit(TimeSpan interval)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _lastLoggedAt;
    private long _suppressed;

    /// <summary>True when this event may be logged; <paramref name="suppressedBefore"/> is how many were not since the last one.</summary>
    public bool ShouldLog(DateTimeOffset now, out long suppressedBefore)
    {
        lock (_gate)
        {
            if (_lastLoggedAt is { } last && now - last < interval)
            {
                _suppressed++;
                suppressedBefore = 0;
                return false;
            }

            _lastLoggedAt = now;
            suppressedBefore = _suppressed;
            _suppressed = 0;
            return true;
        }
    }
}
