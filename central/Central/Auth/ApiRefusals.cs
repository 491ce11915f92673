using City.Central.Diagnostics;
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

    private readonly LogThrottle<string> _throttle = new(TimeSpan.FromSeconds(10));
    private long _unauthenticated;
    private long _forbidden;

    public IReadOnlyDictionary<string, long> Counts() => new SortedDictionary<string, long>(StringComparer.Ordinal)
    {
        [Unauthenticated] = Interlocked.Read(ref _unauthenticated),
        [Forbidden] = Interlocked.Read(ref _forbidden),
    };

    /// <summary>No token, not a bearer token, or one the token file does not hold (<paramref name="why"/> says which).</summary>
    public void RefusedUnauthenticated(string why, string remote, string request)
    {
        Interlocked.Increment(ref _unauthenticated);
        if (_throttle.ShouldLog(Unauthenticated, time.GetUtcNow(), out var suppressed))
        {
            LogUnauthenticated(logger, request, remote, why, suppressed);
        }
    }

    public void RefusedForbidden(string tokenName, string role, string needed, string remote, string request)
    {
        Interlocked.Increment(ref _forbidden);
        if (_throttle.ShouldLog(Forbidden, time.GetUtcNow(), out var suppressed))
        {
            LogForbidden(logger, request, remote, tokenName, role, needed, suppressed);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "API request refused (401): {Request} from {Remote}: {Why} ({Suppressed} similar suppressed since the last report)")]
    private static partial void LogUnauthenticated(ILogger logger, string request, string remote, string why, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "API request refused (403): {Request} from {Remote}: token '{Token}' has role {Role}, this needs {Needed} ({Suppressed} similar suppressed since the last report)")]
    private static partial void LogForbidden(ILogger logger, string request, string remote, string token, string role, string needed, long suppressed);
}
