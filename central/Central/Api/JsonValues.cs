using System.Globalization;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Api;

/// <summary>How values, qualities, types and times look in the HTTP API.</summary>
internal static class JsonValues
{
    /// <summary>A JSON number (null for NaN and infinities), true/false, or a string: the contract's spelling.</summary>
    public static object? Value(PointValue value) => PointValueJson.ToJsonValue(value);

    /// <summary>good, comm-loss, ...: the contract's spelling.</summary>
    public static string Quality(Quality quality) => QualityNames.Name(quality);

    public static string Type(PointType type) => type switch
    {
        PointType.Number => "number",
        PointType.Boolean => "boolean",
        PointType.Text => "text",
        _ => ((int)type).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>ISO-8601 UTC with milliseconds: 2026-11-26T14:25:00.123Z.</summary>
    public static string Time(long unixMs) =>
        Time(DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(unixMs, MinUnixMs, MaxUnixMs)));

    private static readonly long MinUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>ISO-8601 as <see cref="Time(long)"/>, or null when no calendar date can show it (before year 1, after 9999).</summary>
    public static string? CalendarTime(long unixMs) => unixMs < MinUnixMs || unixMs > MaxUnixMs ? null : Time(unixMs);

    /// <summary>The raw Unix ms of a timestamp <see cref="CalendarTime"/> cannot show; null otherwise.</summary>
    public static long? RawTimeIfNotCalendar(long unixMs) => unixMs < MinUnixMs || unixMs > MaxUnixMs ? unixMs : null;

    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
}
