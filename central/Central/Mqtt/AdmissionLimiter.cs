namespace City.Central.Mqtt;

/// <summary>
/// A token bucket of new-gateway admissions: up to <c>perMinute</c> at once, refilled at <c>perMinute</c> a minute.
/// A gateway admitted once is remembered (it may reconnect freely); only first admissions spend a token.
/// </summary>
internal sealed class AdmissionLimiter(int perMinute, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _admitted = new(StringComparer.Ordinal);
    private double _tokens = perMinute;
    private long _lastRefill = time.GetTimestamp();

    /// <summary>True when <paramref name="identity"/> was admitted before or a token is left for it now.</summary>
    public bool TryAdmit(string identity)
    {
        lock (_lock)
        {
            if (_admitted.Contains(identity))
            {
                return true;
            }

            var now = time.GetTimestamp();
            var minutes = time.GetElapsedTime(_lastRefill, now).TotalMinutes;
            _lastRefill = now;
            _tokens = Math.Min(perMinute, _tokens + (minutes * perMinute));
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            _admitted.Add(identity);
            return true;
        }
    }
}
