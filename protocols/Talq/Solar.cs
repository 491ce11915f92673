namespace City.Protocols.Talq;

/// <summary>Where a cabinet stands: latitude and longitude in degrees (north and east positive) and its time zone.</summary>
public sealed record LightingSite(double Latitude, double Longitude, TimeZoneInfo TimeZone);

/// <summary>The sun's events of one local date, in the site's zone (offset of each instant).</summary>
public sealed record SolarDay(DateOnly Date, DateTimeOffset? Sunrise, DateTimeOffset? Sunset, DateTimeOffset SolarNoon,
    DateTimeOffset SolarMidnight, DateTimeOffset? CivilDawn, DateTimeOffset? CivilDusk, bool AlwaysUp, bool AlwaysDown);

/// <summary>NOAA's solar position algorithm.</summary>
public static class SolarCalculator
{
    public static SolarDay Compute(DateOnly date, LightingSite site) => throw new NotImplementedException();
}
