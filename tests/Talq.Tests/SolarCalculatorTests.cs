using City.Protocols.Talq;

namespace Talq.Tests;

/// <summary>
/// Sunrise and sunset against published tables. The tables are rounded to the minute and each uses its own coordinates
/// for a town, so a computed time may differ by up to 2 minutes.
/// </summary>
public sealed class SolarCalculatorTests
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(2);

    private static readonly LightingSite London = new(51.50853, -0.12574, Zone("Europe/London"));
    private static readonly LightingSite Paris = new(48.8566, 2.3522, Zone("Europe/Paris"));
    private static readonly LightingSite Dijon = new(47.32, 5.04, Zone("Europe/Paris"));
    private static readonly LightingSite Helsinki = new(60.1699, 24.9384, Zone("Europe/Helsinki"));
    private static readonly LightingSite Wellington = new(-41.2866, 174.7756, Zone("Pacific/Auckland"));
    private static readonly LightingSite Singapore = new(1.2897, 103.8501, Zone("Asia/Singapore"));

    // The USNO "Sun and Moon Data for One Day" service for Tromso as it was asked: N69.5 E19.0, zone UT+1.
    private static readonly LightingSite TromsoUsno = new(69.5, 19.0,
        TimeZoneInfo.CreateCustomTimeZone("UT+1", TimeSpan.FromHours(1), "UT+1", "UT+1"));

    private static readonly LightingSite Tromso = new(69.6492, 18.9553, Zone("Europe/Oslo"));

    public static TheoryData<string, string, string, string, string> Published => new()
    {
        // site, date, sunrise, sunset, source
        { "London", "2015-12-01", "07:43", "15:55", "timeanddate.com/sun/uk/london, as quoted by the astral library's tests" },
        { "London", "2015-12-25", "08:05", "15:55", "timeanddate.com/sun/uk/london, as quoted by the astral library's tests" },
        { "Paris", "2019-12-22", "08:42", "16:56", "winter solstice: parisdepeches.fr citing dateandtime.info" },
        { "Paris", "2023-06-24", "05:48", "21:58", "three days after the summer solstice: pariswerewolves.blogspot.com 2023/06" },
        { "Paris", "2026-03-28", "06:38", "19:15", "eve of the March 2026 change (UTC+1): whattime.city/paris/sun 'today'" },
        { "Paris", "2026-03-29", "07:36", "20:16", "last Sunday of March 2026, first day of UTC+2: whattime.city/paris/sun 'tomorrow'" },
        { "Dijon", "2019-10-01", "07:38", "19:20", "kalendrier.ouest-france.fr, Dijon, October 2019" },
        { "Dijon", "2023-04-01", "07:19", "20:08", "kalendrier.ouest-france.fr, Dijon, April 2023" },
        { "Dijon", "2025-09-01", "06:59", "20:20", "kalendrier.ouest-france.fr, Dijon, September 2025" },
        { "Helsinki", "2012-06-21", "03:54", "22:50", "summer solstice at 60N: aheikkinen.wordpress.com 2012/06/21" },
        { "Helsinki", "2009-07-20", "04:32", "22:19", "Finnish Meteorological Institute data as tabled on blog.goo.ne.jp/supersalmiakki 2009-07-20" },
        { "TromsoUsno", "2014-04-01", "04:50", "18:49", "USNO Sun and Moon Data for One Day, quoted on answers.com" },
        { "TromsoUsno", "2014-05-17", "00:29", "23:06", "USNO, last day with a sunset before the midnight sun, quoted on answers.com" },
        { "Wellington", "2020-02-11", "06:39", "20:31", "southern hemisphere in NZDT: the astral library's Wellington test (06:38:42, 20:31:00)" },
        { "Singapore", "2024-11-01", "06:46", "18:50", "equator: earliest sunrise of the year, H. Aslaksen, math.nus.edu.sg/aslaksen/calendar/sunrise.html" },
        { "Singapore", "2024-02-09", "07:17", "19:21", "equator: latest sunrise of the year, H. Aslaksen (same page)" },
    };

    [Theory]
    [MemberData(nameof(Published))]
    public void Sunrise_and_sunset_match_published_tables(string site, string date, string sunrise, string sunset,
        string source)
    {
        var day = SolarCalculator.Compute(DateOnly.Parse(date), SiteNamed(site));

        AssertNear(date, sunrise, day.Sunrise, source);
        AssertNear(date, sunset, day.Sunset, source);
    }

    [Fact]
    public void Civil_twilight_and_solar_noon_match_published_tables()
    {
        // timeanddate.com/sun/uk/london as quoted by the astral library's tests: civil dawn 07:04, dusk 16:34, noon 11:49.
        var london = SolarCalculator.Compute(new DateOnly(2015, 12, 1), London);
        AssertNear("2015-12-01", "07:04", london.CivilDawn, "timeanddate London civil dawn");
        AssertNear("2015-12-01", "16:34", london.CivilDusk, "timeanddate London civil dusk");
        AssertNear("2015-12-01", "11:49", london.SolarNoon, "timeanddate London solar noon");

        // USNO for Tromso (N69.5 E19.0, UT+1), 1 April 2014: civil twilight 03:46-19:53, transit 11:48.
        var tromso = SolarCalculator.Compute(new DateOnly(2014, 4, 1), TromsoUsno);
        AssertNear("2014-04-01", "03:46", tromso.CivilDawn, "USNO Tromso begin civil twilight");
        AssertNear("2014-04-01", "19:53", tromso.CivilDusk, "USNO Tromso end civil twilight");
        AssertNear("2014-04-01", "11:48", tromso.SolarNoon, "USNO Tromso sun transit");
    }

    [Fact]
    public void Solar_midnight_is_the_one_after_solar_noon()
    {
        // timeanddate London as quoted by the astral library's tests: solar midnight 00:14 UTC on 18 February 2016.
        var day = SolarCalculator.Compute(new DateOnly(2016, 2, 17), London);

        AssertNear("2016-02-18", "00:14", day.SolarMidnight, "timeanddate London solar midnight");
        Assert.InRange(day.SolarMidnight - day.SolarNoon, TimeSpan.FromHours(11.9), TimeSpan.FromHours(12.1));
    }

    [Fact]
    public void The_October_change_day_is_in_winter_time()
    {
        // ephemeride.com as quoted by centrepresseaveyron.fr: Paris, Sunday 29 October 2023 (clocks back), sunset 17:36.
        var day = SolarCalculator.Compute(new DateOnly(2023, 10, 29), Paris);
        var before = SolarCalculator.Compute(new DateOnly(2023, 10, 28), Paris);

        AssertNear("2023-10-29", "17:36", day.Sunset, "ephemeride.com Paris sunset");
        Assert.Equal(TimeSpan.FromHours(1), day.Sunrise!.Value.Offset);
        Assert.Equal(TimeSpan.FromHours(2), before.Sunset!.Value.Offset);
    }

    [Fact]
    public void The_March_change_day_moves_sunrise_an_hour_later_on_the_clock()
    {
        var eve = SolarCalculator.Compute(new DateOnly(2026, 3, 28), Paris);
        var day = SolarCalculator.Compute(new DateOnly(2026, 3, 29), Paris);

        Assert.Equal(TimeSpan.FromHours(1), eve.Sunrise!.Value.Offset);
        Assert.Equal(TimeSpan.FromHours(2), day.Sunrise!.Value.Offset);
        // the same instant of the sun, two minutes earlier in UTC, one hour later on the clock
        Assert.InRange(day.Sunrise.Value.TimeOfDay - eve.Sunrise.Value.TimeOfDay, TimeSpan.FromMinutes(56),
            TimeSpan.FromMinutes(59));
    }

    [Fact]
    public void Tromso_has_polar_night_in_December_and_midnight_sun_in_June()
    {
        // The sun stays below the horizon at Tromso from late November to mid January and above it from about
        // 18 May to 25 July (USNO as quoted on answers.com; reachtheworld.org "Polar Night" and "Midnight Sun").
        var december = SolarCalculator.Compute(new DateOnly(2024, 12, 21), Tromso);
        var june = SolarCalculator.Compute(new DateOnly(2024, 6, 21), Tromso);

        Assert.True(december.AlwaysDown);
        Assert.False(december.AlwaysUp);
        Assert.Null(december.Sunrise);
        Assert.Null(december.Sunset);
        Assert.NotNull(december.CivilDawn);   // civil twilight around noon even in the polar night
        Assert.True(june.AlwaysUp);
        Assert.Null(june.Sunrise);
        Assert.Null(june.CivilDusk);
        Assert.True(SolarCalculator.Compute(new DateOnly(2014, 5, 19), TromsoUsno).AlwaysUp);
        Assert.True(SolarCalculator.Compute(new DateOnly(2014, 7, 24), TromsoUsno).AlwaysUp);
    }

    [Fact]
    public void Helsinki_has_no_civil_night_at_midsummer_but_a_sunset()
    {
        var day = SolarCalculator.Compute(new DateOnly(2024, 6, 21), Helsinki);

        Assert.False(day.AlwaysUp);
        Assert.NotNull(day.Sunset);
        Assert.True(day.Sunset < day.SolarMidnight);
    }

    [Fact]
    public void An_invalid_latitude_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            SolarCalculator.Compute(new DateOnly(2024, 1, 1), new LightingSite(91, 0, TimeZoneInfo.Utc)));
    }

    private static LightingSite SiteNamed(string name) => name switch
    {
        "London" => London,
        "Paris" => Paris,
        "Dijon" => Dijon,
        "Helsinki" => Helsinki,
        "TromsoUsno" => TromsoUsno,
        "Wellington" => Wellington,
        "Singapore" => Singapore,
        _ => throw new ArgumentException(name),
    };

    private static void AssertNear(string date, string expected, DateTimeOffset? actual, string source)
    {
        Assert.True(actual.HasValue, $"{source}: expected {date} {expected}, got no event");
        var wanted = DateOnly.Parse(date).ToDateTime(TimeOnly.Parse(expected));
        var got = actual!.Value.DateTime;
        Assert.True((got - wanted).Duration() <= Tolerance,
            $"{source}: expected {date} {expected}, computed {got:yyyy-MM-dd HH:mm:ss}");
    }

    private static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);
}
