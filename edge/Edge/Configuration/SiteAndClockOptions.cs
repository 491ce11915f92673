using System.Globalization;

namespace City.Edge.Configuration;

/// <summary>Where the cabinet stands (Edge:Site): the Birth carries it and the lighting programs compute the sun from it.</summary>
internal sealed class SiteOptions
{
    public string? Town { get; set; }

    public string? District { get; set; }

    public double? Latitude { get; set; }

    public double? Longitude { get; set; }

    /// <summary>An IANA time zone id, e.g. Europe/Paris.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Any key set: a site is meant (then town, latitude, longitude and time zone are required).</summary>
    public bool IsConfigured => Town is not null || District is not null || Latitude is not null || Longitude is not null || TimeZone is not null;
}

/// <summary>
/// A scaled clock for tests and demos (Edge:Clock): now = SimulatedStart + Speed x (real now - RealStart), timers scaled
/// too. The DALI lines and the lighting scheduler run on it; everything else keeps the real clock.
/// </summary>
internal sealed class ClockOptions
{
    /// <summary>ISO-8601 instant with an offset; not set = RealStart (the clock starts at the real time and runs Speed times faster).</summary>
    public string? SimulatedStart { get; set; }

    /// <summary>ISO-8601 instant with an offset; not set = the process start.</summary>
    public string? RealStart { get; set; }

    public double Speed { get; set; } = 1;

    public bool IsConfigured => SimulatedStart is not null || RealStart is not null || Math.Abs(Speed - 1) > 1e-12;
}

/// <summary>A validated Edge:Site.</summary>
internal sealed record EdgeSite(string Town, string District, double Latitude, double Longitude, TimeZoneInfo TimeZone);

/// <summary>A validated Edge:Clock; null instants mean "the process start".</summary>
internal sealed record EdgeClock(DateTimeOffset? SimulatedStart, DateTimeOffset? RealStart, double Speed)
{
    /// <summary>The scaled clock over <paramref name="real"/>, started now when RealStart is not set.</summary>
    public ScaledTimeProvider Create(TimeProvider real)
    {
        ArgumentNullException.ThrowIfNull(real);
        var realStart = RealStart ?? real.GetUtcNow();
        return new ScaledTimeProvider(real, SimulatedStart ?? realStart, realStart, Speed);
    }
}

/// <summary>Checks Edge:Site and Edge:Clock; every problem names its key.</summary>
internal static class SiteAndClockChecks
{
    public const double MaxSpeed = 100_000;

    public static EdgeSite? CheckSite(SiteOptions? site, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (site is null || !site.IsConfigured)
        {
            return null;
        }

        const string key = EdgeOptions.SectionName + ":Site";
        var before = errors.Count;
        if (string.IsNullOrWhiteSpace(site.Town) || site.Town.Length > 64)
        {
            errors.Add($"{key}:Town: must be 1-64 characters (the town the cabinet serves; got '{site.Town}')");
        }

        if ((site.District?.Length ?? 0) > 64)
        {
            errors.Add($"{key}:District: at most 64 characters");
        }

        if (site.Latitude is not { } latitude || !double.IsFinite(latitude) || latitude is < -90 or > 90)
        {
            errors.Add($"{key}:Latitude: must be -90 to 90 degrees, north positive (got {Show(site.Latitude)})");
        }

        if (site.Longitude is not { } longitude || !double.IsFinite(longitude) || longitude is < -180 or > 180)
        {
            errors.Add($"{key}:Longitude: must be -180 to 180 degrees, east positive (got {Show(site.Longitude)})");
        }

        TimeZoneInfo? zone = null;
        if (string.IsNullOrWhiteSpace(site.TimeZone))
        {
            errors.Add($"{key}:TimeZone: missing: an IANA time zone id such as Europe/Paris");
        }
        else if (!TimeZoneInfo.TryFindSystemTimeZoneById(site.TimeZone, out zone))
        {
            errors.Add($"{key}:TimeZone: '{site.TimeZone}' is not a time zone this system knows (an IANA id such as Europe/Paris)");
        }

        return errors.Count == before
            ? new EdgeSite(site.Town!, site.District ?? string.Empty, site.Latitude!.Value, site.Longitude!.Value, zone!)
            : null;
    }

    public static EdgeClock? CheckClock(ClockOptions? clock, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (clock is null || !clock.IsConfigured)
        {
            return null;
        }

        const string key = EdgeOptions.SectionName + ":Clock";
        var before = errors.Count;
        var simulated = Instant(clock.SimulatedStart, $"{key}:SimulatedStart", errors);
        var real = Instant(clock.RealStart, $"{key}:RealStart", errors);
        if (!double.IsFinite(clock.Speed) || clock.Speed <= 0 || clock.Speed > MaxSpeed)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key}:Speed: must be above 0 and at most {MaxSpeed} (got {clock.Speed})"));
        }

        return errors.Count == before ? new EdgeClock(simulated, real, clock.Speed) : null;
    }

    private static DateTimeOffset? Instant(string? text, string key, List<string> errors)
    {
        if (text is null)
        {
            return null;
        }

        // An instant names its offset (Z or +02:00): a local time without one would depend on the cabinet's zone setting.
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (!hasOffset || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            errors.Add($"{key}: must be an ISO-8601 instant with an offset, such as 2026-07-14T21:30:00+02:00 or 2026-07-14T19:30:00Z (got '{text}')");
            return null;
        }

        return instant;
    }

    private static string Show(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "nothing";
}
