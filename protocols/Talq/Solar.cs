namespace City.Protocols.Talq;

/// <summary>Where a cabinet stands: latitude and longitude in degrees (north and east positive) and its time zone.</summary>
public sealed record LightingSite(double Latitude, double Longitude, TimeZoneInfo TimeZone);

/// <summary>
/// The sun's events of one local date, each in the site's zone with the offset in force at that instant (daylight saving
/// time handled). Sunrise and Sunset are the rise before and the set after the day's solar noon; they are null when the
/// sun does not cross the horizon that day (AlwaysUp: polar day, AlwaysDown: polar night). CivilDawn and CivilDusk (sun
/// 6 degrees below the horizon) are null when the sun does not cross that depression. SolarMidnight is the one after
/// SolarNoon.
/// </summary>
public sealed record SolarDay(DateOnly Date, DateTimeOffset? Sunrise, DateTimeOffset? Sunset, DateTimeOffset SolarNoon,
    DateTimeOffset SolarMidnight, DateTimeOffset? CivilDawn, DateTimeOffset? CivilDusk, bool AlwaysUp, bool AlwaysDown);

/// <summary>
/// NOAA's solar position algorithm (the one behind the NOAA Global Monitoring Laboratory solar calculator, after Meeus):
/// Julian century, geometric mean longitude and anomaly, equation of centre, apparent longitude, obliquity, declination,
/// equation of time; sunrise and sunset where the sun's centre is at zenith 90.833 degrees (refraction and the sun's
/// radius), civil twilight at 96 degrees. Each event is iterated on the sun's position at that instant. About a minute
/// of accuracy between the polar circles; less close to them, where the sun grazes the horizon.
/// </summary>
public static class SolarCalculator
{
    private const double SunriseZenith = 90.833;
    private const double CivilZenith = 96.0;
    private const double JulianDayOfDayNumberZero = 1721425.5;
    private const double MinutesPerDay = 1440.0;

    /// <summary>The sun's events of <paramref name="date"/> (a local date at the site).</summary>
    public static SolarDay Compute(DateOnly date, LightingSite site)
    {
        ArgumentNullException.ThrowIfNull(site);
        if (double.IsNaN(site.Latitude) || site.Latitude < -90 || site.Latitude > 90)
        {
            throw new ArgumentOutOfRangeException(nameof(site), site.Latitude, "latitude is -90 to 90 degrees");
        }

        if (double.IsNaN(site.Longitude) || site.Longitude < -180 || site.Longitude > 180)
        {
            throw new ArgumentOutOfRangeException(nameof(site), site.Longitude, "longitude is -180 to 180 degrees");
        }

        var localNoon = new DateTime(date, new TimeOnly(12, 0), DateTimeKind.Unspecified);
        var localNoonUtc = new DateTimeOffset(localNoon, site.TimeZone.GetUtcOffset(localNoon)).UtcDateTime;
        var noonJd = SolarNoonNear(JulianDay(localNoonUtc), site.Longitude);
        var midnightJd = Transit(noonJd + 0.5, site.Longitude, lower: true);

        var (sunrise, sunset, always) = Events(noonJd, site, SunriseZenith);
        var (dawn, dusk, _) = Events(noonJd, site, CivilZenith);
        return new SolarDay(date, Local(sunrise, site), Local(sunset, site), Local(noonJd, site)!.Value,
            Local(midnightJd, site)!.Value, Local(dawn, site), Local(dusk, site), always > 0, always < 0);
    }

    private static double JulianDay(DateTime utc) =>
        JulianDayOfDayNumberZero + DateOnly.FromDateTime(utc).DayNumber + (utc.TimeOfDay.TotalDays);

    private static DateTimeOffset? Local(double? jd, LightingSite site)
    {
        if (jd is not { } value)
        {
            return null;
        }

        var days = value - JulianDayOfDayNumberZero;
        var ticks = (long)Math.Round(days * TimeSpan.TicksPerDay / TimeSpan.TicksPerSecond) * TimeSpan.TicksPerSecond;
        var utc = new DateTimeOffset(ticks, TimeSpan.Zero);
        return TimeZoneInfo.ConvertTime(utc, site.TimeZone);
    }

    /// <summary>The upper transit closest to <paramref name="jd"/>.</summary>
    private static double SolarNoonNear(double jd, double longitude)
    {
        var best = double.NaN;
        for (var day = -1; day <= 1; day++)
        {
            var candidate = Transit(Math.Floor(jd - 0.5) + 0.5 + day + 0.5, longitude, lower: false);
            if (double.IsNaN(best) || Math.Abs(candidate - jd) < Math.Abs(best - jd))
            {
                best = candidate;
            }
        }

        return best;
    }

    /// <summary>The transit (upper: solar noon, lower: solar midnight) nearest to <paramref name="guess"/>.</summary>
    private static double Transit(double guess, double longitude, bool lower)
    {
        var jd = guess;
        for (var i = 0; i < 3; i++)
        {
            var dayStart = Math.Floor(jd - 0.5) + 0.5;
            var (_, equationOfTime) = Sun(jd);
            var minutes = 720 - (4 * longitude) - equationOfTime + (lower ? 720 : 0);
            var candidate = dayStart + (minutes / MinutesPerDay);
            // keep the transit on the side of the guess: a whole day off means the other day's transit
            while (candidate - jd > 0.5)
            {
                candidate -= 1;
            }

            while (jd - candidate > 0.5)
            {
                candidate += 1;
            }

            jd = candidate;
        }

        return jd;
    }

    /// <summary>Rise and set around the solar noon <paramref name="noonJd"/> for a zenith; always: 1 up, -1 down.</summary>
    private static (double? Rise, double? Set, int Always) Events(double noonJd, LightingSite site, double zenith)
    {
        var (declination, _) = Sun(noonJd);
        var cosH = CosHourAngle(site.Latitude, declination, zenith);
        if (cosH > 1)
        {
            return (null, null, -1);
        }

        if (cosH < -1)
        {
            return (null, null, 1);
        }

        return (Event(noonJd, site, zenith, rising: true), Event(noonJd, site, zenith, rising: false), 0);
    }

    private static double? Event(double noonJd, LightingSite site, double zenith, bool rising)
    {
        var jd = noonJd;
        for (var i = 0; i < 4; i++)
        {
            var (declination, equationOfTime) = Sun(jd);
            var cosH = CosHourAngle(site.Latitude, declination, zenith);
            if (Math.Abs(cosH) > 1)
            {
                // the sun reaches the zenith at noon but not at the event's time (a grazing day): keep the bound
                cosH = Math.Clamp(cosH, -1, 1);
            }

            var hourAngle = Degrees(Math.Acos(cosH)) * (rising ? 1 : -1);
            var dayStart = Math.Floor(noonJd - 0.5) + 0.5;
            var noonMinutes = 720 - (4 * site.Longitude) - equationOfTime;
            var noonAtEvent = dayStart + (noonMinutes / MinutesPerDay);
            if (noonAtEvent - noonJd > 0.5)
            {
                noonAtEvent -= 1;
            }
            else if (noonJd - noonAtEvent > 0.5)
            {
                noonAtEvent += 1;
            }

            jd = noonAtEvent - (4 * hourAngle / MinutesPerDay);
        }

        return jd;
    }

    private static double CosHourAngle(double latitude, double declination, double zenith)
    {
        var lat = Radians(latitude);
        var dec = Radians(declination);
        return (Math.Cos(Radians(zenith)) / (Math.Cos(lat) * Math.Cos(dec))) - (Math.Tan(lat) * Math.Tan(dec));
    }

    /// <summary>The sun's apparent declination (degrees) and the equation of time (minutes) at a Julian day.</summary>
    private static (double Declination, double EquationOfTime) Sun(double jd)
    {
        var t = (jd - 2451545.0) / 36525.0;
        var meanLongitude = Normalize(280.46646 + (t * (36000.76983 + (t * 0.0003032))));
        var meanAnomaly = 357.52911 + (t * (35999.05029 - (0.0001537 * t)));
        var eccentricity = 0.016708634 - (t * (0.000042037 + (0.0000001267 * t)));
        var m = Radians(meanAnomaly);
        var centre = (Math.Sin(m) * (1.914602 - (t * (0.004817 + (0.000014 * t)))))
            + (Math.Sin(2 * m) * (0.019993 - (0.000101 * t)))
            + (Math.Sin(3 * m) * 0.000289);
        var trueLongitude = meanLongitude + centre;
        var omega = Radians(125.04 - (1934.136 * t));
        var apparentLongitude = trueLongitude - 0.00569 - (0.00478 * Math.Sin(omega));
        var meanObliquity = 23 + ((26 + ((21.448 - (t * (46.815 + (t * (0.00059 - (t * 0.001813)))))) / 60)) / 60);
        var obliquity = Radians(meanObliquity + (0.00256 * Math.Cos(omega)));
        var declination = Degrees(Math.Asin(Math.Sin(obliquity) * Math.Sin(Radians(apparentLongitude))));

        var y = Math.Pow(Math.Tan(obliquity / 2), 2);
        var l0 = Radians(meanLongitude);
        var equationOfTime = 4 * Degrees((y * Math.Sin(2 * l0))
            - (2 * eccentricity * Math.Sin(m))
            + (4 * eccentricity * y * Math.Sin(m) * Math.Cos(2 * l0))
            - (0.5 * y * y * Math.Sin(4 * l0))
            - (1.25 * eccentricity * eccentricity * Math.Sin(2 * m)));
        return (declination, equationOfTime);
    }

    private static double Normalize(double degrees)
    {
        var value = degrees % 360;
        return value < 0 ? value + 360 : value;
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;

    private static double Degrees(double radians) => radians * 180 / Math.PI;
}
