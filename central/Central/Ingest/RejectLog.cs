using City.Central.Diagnostics;
using Microsoft.Extensions.Logging;

namespace City.Central.Ingest;

/// <summary>
/// Logs refused messages without letting a misbehaving gateway flood the log: per reason and gateway,
/// the first refusal is logged, then at most one line per interval with the number suppressed.
/// </summary>
internal sealed partial class RejectLog(ILogger<RejectLog> logger, TimeProvider time)
{
    private readonly LogThrottle<(string Reason, string Source)> _throttle = new(TimeSpan.FromSeconds(10));

    public void Rejected(string reason, string source, string topic, string detail)
    {
        if (!_throttle.ShouldLog((reason, source), time.GetUtcNow(), out var suppressed))
        {
            return;
        }

        LogRejected(logger, reason, source, topic, detail, suppressed);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected message ({Reason}) from {Source} on {Topic}: {Detail} ({Suppressed} similar suppressed since the last report)")]
    private static partial void LogRejected(ILogger logger, string reason, string source, string topic, string detail, long suppressed);

}
