using System.Collections.Concurrent;

namespace City.Central.Diagnostics;

/// <summary>
/// Keeps a log line from flooding the log: per key, the first event is logged, then at most one line per interval, which
/// reports how many were suppressed in between. Past <c>maxKeys</c> distinct keys the windows are forgotten rather than
/// grow without bound (someone inventing ids).
/// </summary>
internal sealed class LogThrottle<TKey>(TimeSpan interval, int maxKeys = 10_000)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Window> _windows = new();

    /// <summary>True when this event is to be logged, with the number suppressed since the last logged one.</summary>
    public bool ShouldLog(TKey key, DateTimeOffset now, out long suppressed)
    {
        if (_windows.Count > maxKeys && !_windows.ContainsKey(key))
        {
            _windows.Clear();
        }

        var window = _windows.GetOrAdd(key, static _ => new Window());
        lock (window)
        {
            if (window.LastLogged is { } last && now - last < interval)
            {
                window.Suppressed++;
                suppressed = 0;
                return false;
            }

            suppressed = window.Suppressed;
            window.Suppressed = 0;
            window.LastLogged = now;
            return true;
        }
    }

    private sealed class Window
    {
        public DateTimeOffset? LastLogged { get; set; }

        public long Suppressed { get; set; }
    }
}
