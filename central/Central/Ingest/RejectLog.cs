using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace City.Central.Ingest;

/// <summary>
/// Logs refused messages without letting a misbehaving gateway flood the log: per reason and gateway,
/// the first refusal is logged, then at most one line per interval with the number suppressed.
/// </summary>
internal sealed partial class RejectLog(ILogger<RejectLog> logger, TimeProvider time)
{
    private const int MaxWindows = 10_000;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<(string Reason, string Source), Window> _windows = new();

    public void Rejected(string reason, string source, string topic, string detail)
    {
        var now = time.GetUtcNow();
        var key = (reason, source);
        if (_windows.Count > MaxWindows && !_windows.ContainsKey(key))
        {
            // Someone is inventing gateway ids: forget the windows rather than grow without bound.
            _windows.Clear();
        }

        var window = _windows.GetOrAdd(key, static _ => new Window());
        long suppressed;
        lock (window)
        {
            if (window.LastLogged is { } last && now - last < Interval)
            {
                window.Suppressed++;
                return;
            }

            suppressed = window.Suppressed;
            window.Suppressed = 0;
            window.LastLogged = now;
        }

        LogRejected(logger, reason, source, topic, detail, suppressed);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected message ({Reason}) from {Source} on {Topic}: {Detail} ({Suppressed} similar suppressed since the last report)")]
    private static partial void LogRejected(ILogger logger, string reason, string source, string topic, string detail, long suppressed);

    private sealed class Window
    {
        public DateTimeOffset? LastLogged { get; set; }

        public long Suppressed { get; set; }
    }
}
