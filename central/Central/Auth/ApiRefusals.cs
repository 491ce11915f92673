using Microsoft.Extensions.Logging;

namespace City.Central.Auth;

/// <summary>
/// Requests the API refused: counted for /api/v1/stats and logged, per kind at most one line every 10 s with the number
/// suppressed, so nobody can flood the log by knocking. What is logged names the caller's address, the request and the
/// token's name (for a role too low), never a token.
/// </summary>
internal sealed partial class ApiRefusals(ILogger<ApiRefusals> logger, TimeProvider time)
{
    public const string Unauthenticated = "unauthenticated";
    public const string Forbidden = "forbidden";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Window _unauthenticated = new();
    private readonly Window _forbidden = new();

    public IReadOnlyDictionary<string, long> Counts() => new SortedDictionary<string, long>(StringComparer.Ordinal)
    {
        [Unauthenticated] = Interlocked.Read(ref _unauthenticated.Count),
        [Forbidden] = Interlocked.Read(ref _forbidden.Count),
    };

    /// <summary>No token, not a bearer token, or one the token file does not hold (<paramref name="why"/> says which).</summary>
    public void RefusedUnauthenticated(string why, string remote, string request)
    {
        if (_unauthenticated.ShouldLog(time.GetUtcNow(), out var suppressed))
        {
            LogUnauthenticated(logger, request, remote, why, suppressed);
        }
    }

    public void RefusedForbidden(string tokenName, string role, string needed, string remote, string request)
    {
        if (_forbidden.ShouldLog(time.GetUtcNow(), out var suppressed))
        {
            LogForbidden(logger, request, remote, tokenName, role, needed, suppressed);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "API request refused (401): {Request} from {Remote}: {Why} ({Suppressed} similar suppressed since the last report)")]
    private static partial void LogUnauthenticated(ILogger logger, string request, string remote, string why, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "API request refused (403): {Request} from {Remote}: token '{Token}' has role {Role}, this needs {Needed} ({Suppressed} similar suppressed since the last report)")]
    private static partial void LogForbidden(ILogger logger, string request, string remote, string token, string role, string needed, long suppressed);

    private sealed class Window
    {
        public long Count;
        private readonly Lock _gate = new();
        private DateTimeOffset? _lastLogged;
        private long _suppressed;

        public bool ShouldLog(DateTimeOffset now, out long suppressed)
        {
            Interlocked.Increment(ref Count);
            lock (_gate)
            {
                if (_lastLogged is { } last && now - last < Interval)
                {
                    _suppressed++;
                    suppressed = 0;
                    return false;
                }

                suppressed = _suppressed;
                _suppressed = 0;
                _lastLogged = now;
                return true;
            }
        }
    }
}
