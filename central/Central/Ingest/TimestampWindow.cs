using City.Central.Configuration;
using City.Central.Store;
using Microsoft.Extensions.Logging;

namespace City.Central.Ingest;

/// <summary>
/// The timestamps central believes, around its own clock when a group is handled: from MaxAge ago to MaxFutureSkew
/// ahead. Readings outside are stored and served, flagged, but never a point's latest value nor part of a batch's span.
/// </summary>
internal readonly record struct TimestampWindow(long OldestUnixMs, long NewestUnixMs)
{
    public const string ReasonFuture = "future";
    public const string ReasonTooOld = "too-old";
    public const string ReasonInvalid = "invalid";

    /// <summary>0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: outside, no calendar date (DateTime) can show it.</summary>
    public static readonly long MinCalendarUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    public static readonly long MaxCalendarUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public static TimestampWindow Around(long nowUnixMs, IngestSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(
            Math.Max(MinCalendarUnixMs, nowUnixMs - (long)settings.MaxAge.TotalMilliseconds),
            Math.Min(MaxCalendarUnixMs, nowUnixMs + (long)settings.MaxFutureSkew.TotalMilliseconds));
    }

    public bool Contains(long unixMs) => unixMs >= OldestUnixMs && unixMs <= NewestUnixMs;
}

/// <summary>
/// The readings of one batch outside the window: counted by reason, and the days they fall on, which the store indexes so history can find them without widening the batch's span.
/// </summary>
internal sealed class OutOfWindowReadings
{
    /// <summary>More distinct days than this in one batch: the store lists the batch as "any day" instead.</summary>
    public const int MaxDays = 64;

    private readonly HashSet<long> _days = [];

    public long Future { get; private set; }

    public long TooOld { get; private set; }

    public long Invalid { get; private set; }

    public bool Any => Future + TooOld + Invalid > 0;

    public void Clear()
    {
        Future = TooOld = Invalid = 0;
        _days.Clear();
    }

    public void Add(long unixMs, in TimestampWindow window)
    {
        if (unixMs < TimestampWindow.MinCalendarUnixMs || unixMs > TimestampWindow.MaxCalendarUnixMs)
        {
            Invalid++;
        }
        else if (unixMs > window.NewestUnixMs)
        {
            Future++;
        }
        else
        {
            TooOld++;
        }

        if (_days.Count <= MaxDays)
        {
            _days.Add(StoredBatch.DayOf(unixMs));
        }
    }

    /// <summary>More than <see cref="MaxDays"/> distinct days: listed as any day.</summary>
    public bool OnAnyDay => _days.Count > MaxDays;

    /// <summary>The distinct days, sorted (empty when <see cref="OnAnyDay"/>).</summary>
    public long[] Days() => OnAnyDay ? [] : [.. _days.Order()];
}

/// <summary>
/// Warns about flagged readings per gateway: the first batch at once, then at most one line a minute with the
/// readings flagged since. Used by the ingest worker's single thread.
/// </summary>
internal sealed partial class OutOfWindowLog(ILogger logger, TimeProvider time)
{
    private const int MaxGateways = 10_000;
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, (DateTimeOffset LastLogged, long Future, long TooOld, long Invalid)> _gateways = new(StringComparer.Ordinal);

    public void Flagged(string gatewayId, ulong seq, OutOfWindowReadings readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var now = time.GetUtcNow();
        if (_gateways.Count > MaxGateways)
        {
            _gateways.Clear();
        }

        var (lastLogged, future, tooOld, invalid) = _gateways.GetValueOrDefault(gatewayId, (DateTimeOffset.MinValue, 0, 0, 0));
        future += readings.Future;
        tooOld += readings.TooOld;
        invalid += readings.Invalid;
        if (now - lastLogged < Interval)
        {
            _gateways[gatewayId] = (lastLogged, future, tooOld, invalid);
            return;
        }

        _gateways[gatewayId] = (now, 0, 0, 0);
        LogFlagged(logger, gatewayId, seq, future, tooOld, invalid);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway {Gateway} (up to seq {Seq}): readings with implausible timestamps stored and flagged timestamp-out-of-window: {Future} in the future, {TooOld} too old, {Invalid} invalid; check the edge's clock")]
    private static partial void LogFlagged(ILogger logger, string gateway, ulong seq, long future, long tooOld, long invalid);
}
