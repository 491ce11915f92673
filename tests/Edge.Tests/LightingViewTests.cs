using System.Globalization;
using City.Edge.Lighting;
using City.Protocols.Talq;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

/// <summary>
/// The document of GET /v1/lighting built from a lighting status: the city example set (night-dim, full power on 14 July)
/// at Dijon, on a fixed clock. Sun times are checked against the library and against NOAA values for Dijon (within 2 min).
/// </summary>
public sealed class LightingViewTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById(CityLightingExample.TimeZone);
    private static readonly LightingSite Dijon = new(CityLightingExample.Latitude, CityLightingExample.Longitude, Paris);

    internal static LightingSet ExampleSet()
    {
        Assert.True(TalqJson.TryParseSet(CityLightingExample.SetJson(), out var set, out var errors), string.Join("\n", errors));
        set!.Version = set.ComputeVersion();
        return set;
    }

    private sealed class Status(DateTimeOffset now) : ILightingStatus
    {
        public LightingSite? Site { get; init; } = Dijon;

        public LightingSet? Applied { get; init; } = ExampleSet();

        public IReadOnlyList<ActiveOverride> Overrides { get; init; } = [];

        public TimeProvider Clock { get; } = new FakeTimeProvider(now);

        public long AppliedCommands => 7;

        public long FailedCommands => 1;
    }

    // 23:00 in Dijon on 14 July (summer time, +02:00): the full-night program holds the lamps at 100%.
    private static readonly DateTimeOffset BastilleNight = new(2026, 7, 14, 21, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(string iso) => DateTimeOffset.ParseExact(iso, "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static void Near(string expected, string? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected[^6..], actual![^6..]);
        Assert.InRange((At(actual) - At(expected)).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void The_current_program_day_shows_the_site_the_sun_and_the_full_night_of_14_July()
    {
        var status = new Status(BastilleNight);
        var document = LightingView.Build("gw-001", "Dijon", status, null);

        Assert.Equal(("gw-001", "Dijon", 47.32, 5.04, "Europe/Paris", "2026-07-14"),
            (document.GatewayId, document.Town, document.Latitude, document.Longitude, document.TimeZone, document.Date));
        var sun = SolarCalculator.Compute(new DateOnly(2026, 7, 14), Dijon);
        Assert.Equal(LightingView.Format(sun.Sunrise!.Value, Paris), document.Sunrise);
        Assert.Equal(LightingView.Format(sun.Sunset!.Value, Paris), document.Sunset);
        Near("2026-07-14T05:57:40+02:00", document.Sunrise);
        Near("2026-07-14T21:33:16+02:00", document.Sunset);
        Assert.NotNull(document.CivilDawn);
        Assert.NotNull(document.CivilDusk);
        Assert.Equal(LightingView.Format(sun.SolarMidnight, Paris), document.SolarMidnight);
        Assert.Equal(status.Applied!.Version, document.LightingVersion);
        Assert.Equal("2026-07-14T23:00:00+02:00", document.Now);
        Assert.Equal((7, 1), (document.AppliedCommands, document.FailedCommands));

        Assert.Equal([("lights", (int?)1), ("lights", 2)], document.Groups.Select(g => (g.Line, g.Group)));
        foreach (var group in document.Groups)
        {
            Assert.Equal(("dijon", "full-night", 100.0), (group.Calendar, group.Program, group.LevelPercent));
            Assert.Equal([0.0, 100, 0], group.Steps.Select(s => s.LevelPercent));
            Assert.Equal([0, 254, 0], group.Steps.Select(s => s.ArcLevel));
            Assert.Equal("2026-07-14T12:00:00+02:00", group.Steps[0].At);
            Assert.Equal(document.Sunset, group.Steps[1].At);
            Near("2026-07-15T05:58:39+02:00", group.Steps[2].At);
            Assert.All(group.Steps, s => Assert.False(string.IsNullOrWhiteSpace(s.Source)));
            Assert.Equal(new LightingChangeDocument(group.Steps[2].At, 0), group.NextChange);
            Assert.Null(group.Override);
        }
    }

    [Fact]
    public void Another_program_day_gives_its_own_steps_while_the_level_and_next_change_stay_those_of_now()
    {
        var document = LightingView.Build("gw-001", null, new Status(BastilleNight), new DateOnly(2026, 7, 15));

        Assert.Equal("2026-07-15", document.Date);
        Near("2026-07-15T21:32:29+02:00", document.Sunset);
        var group = document.Groups[0];
        Assert.Equal("night-dim", group.Program);
        Assert.Equal([0.0, 100, 50, 100, 0], group.Steps.Select(s => s.LevelPercent));
        Assert.Equal([0, 254, 229, 254, 0], group.Steps.Select(s => s.ArcLevel));
        Assert.Equal(["2026-07-15T12:00:00+02:00", document.Sunset!, "2026-07-15T23:00:00+02:00", "2026-07-16T05:00:00+02:00"], group.Steps.Take(4).Select(s => s.At));
        Near("2026-07-16T05:59:39+02:00", group.Steps[4].At);
        Assert.Equal(100, group.LevelPercent);
        Assert.StartsWith("2026-07-15T05:5", group.NextChange!.At, StringComparison.Ordinal);
    }

    [Fact]
    public void Before_noon_the_program_day_is_the_night_that_began_the_day_before()
    {
        var morning = new DateTimeOffset(2026, 7, 16, 1, 0, 0, TimeSpan.Zero); // 03:00 local on the 16th
        var document = LightingView.Build("gw-001", null, new Status(morning), null);

        Assert.Equal("2026-07-15", document.Date);
        Assert.Equal(50, document.Groups[0].LevelPercent);
        Assert.Equal(new LightingChangeDocument("2026-07-16T05:00:00+02:00", 100), document.Groups[0].NextChange);
    }

    [Fact]
    public void A_winter_day_is_written_with_the_winter_offset()
    {
        var document = LightingView.Build("gw-001", null, new Status(BastilleNight), new DateOnly(2026, 12, 5));

        Near("2026-12-05T08:10:32+01:00", document.Sunrise);
        Near("2026-12-05T16:50:06+01:00", document.Sunset);
        Assert.Equal("2026-12-05T12:00:00+01:00", document.Groups[0].Steps[0].At);
        Assert.Equal("2026-12-05T23:00:00+01:00", document.Groups[0].Steps[2].At);
    }

    [Fact]
    public void An_override_sets_the_level_now_and_its_end_is_the_next_change_an_override_on_an_unassigned_group_is_listed_too()
    {
        var until = new DateTimeOffset(2026, 7, 14, 22, 0, 0, TimeSpan.Zero);
        var status = new Status(BastilleNight)
        {
            Overrides =
            [
                new ActiveOverride("lights", 2, 30, until, "cmd-30"),
                new ActiveOverride("lights-b", 5, 80, until, "cmd-80"),
                new ActiveOverride("lights", 1, 10, BastilleNight.AddMinutes(-1), "cmd-ended"),
                new ActiveOverride("lights-c", null, 0, until, "cmd-off"),
            ],
        };
        var document = LightingView.Build("gw-001", null, status, null);

        var line = document.Groups.Single(g => g is { Line: "lights", Group: 1 });
        Assert.Equal(100, line.LevelPercent);
        Assert.Null(line.Override);

        var group2 = document.Groups.Single(g => g is { Line: "lights", Group: 2 });
        Assert.Equal(30, group2.LevelPercent);
        Assert.Equal(new LightingOverrideDocument(30, "2026-07-15T00:00:00+02:00", "cmd-30"), group2.Override);
        Assert.Equal(new LightingChangeDocument("2026-07-15T00:00:00+02:00", 100), group2.NextChange);
        Assert.Equal(3, group2.Steps.Count);

        var orphan = document.Groups.Single(g => g.Line == "lights-b");
        Assert.Equal((5, (string?)null, (string?)null, 80.0), (orphan.Group, orphan.Calendar, orphan.Program, orphan.LevelPercent));
        Assert.Empty(orphan.Steps);
        Assert.Null(orphan.NextChange);
        Assert.Equal("cmd-80", orphan.Override!.CommandId);
        var wholeLine = document.Groups.Single(g => g.Line == "lights-c");
        Assert.Equal(((int?)null, 0.0, "cmd-off"), (wholeLine.Group, wholeLine.LevelPercent, wholeLine.Override!.CommandId));
        Assert.Equal(4, document.Groups.Count);
    }

    [Fact]
    public void Without_a_set_the_document_has_the_site_and_the_sun_but_no_version_and_no_groups()
    {
        var noSet = LightingView.Build("gw-001", null, new Status(BastilleNight) { Applied = null }, null);
        Assert.Equal(47.32, noSet.Latitude);
        Assert.NotNull(noSet.Sunset);
        Assert.Null(noSet.LightingVersion);
        Assert.Empty(noSet.Groups);
        Assert.Equal("2026-07-14", noSet.Date);
    }

    [Fact]
    public void Without_a_site_the_site_and_sun_fields_are_null_and_a_fixed_time_set_is_shown_on_the_system_zone()
    {
        var noSite = LightingView.Build("gw-001", null, new Status(BastilleNight) { Site = null, Applied = null }, null);
        Assert.Equal((null, null, null, null, null, null), (noSite.Latitude, noSite.Longitude, noSite.TimeZone, noSite.Sunrise, noSite.Sunset, noSite.SolarMidnight));
        Assert.Empty(noSite.Groups);

        var fixedTime = ExampleSet();
        foreach (var program in fixedTime.ControlPrograms)
        {
            program.ActivePeriods.Clear();
        }

        var document = LightingView.Build("gw-001", null, new Status(BastilleNight) { Site = null, Applied = fixedTime }, new DateOnly(2026, 7, 15));
        Assert.Null(document.Sunset);
        var group = document.Groups[0];
        Assert.Equal([100.0, 50, 100], group.Steps.Select(s => s.LevelPercent));
        Assert.Equal(LightingView.Format(new DateTimeOffset(2026, 7, 15, 23, 0, 0, TimeZoneInfo.Local.GetUtcOffset(new DateTime(2026, 7, 15, 23, 0, 0))), TimeZoneInfo.Local), group.Steps[1].At);
    }

    [Fact]
    public void Instants_are_rounded_to_the_second_with_the_offset_of_that_instant()
    {
        Assert.Equal("2026-03-29T01:59:59+01:00", LightingView.Format(new DateTimeOffset(2026, 3, 29, 0, 59, 59, 400, TimeSpan.Zero), Paris));
        Assert.Equal("2026-03-29T03:00:00+02:00", LightingView.Format(new DateTimeOffset(2026, 3, 29, 0, 59, 59, 600, TimeSpan.Zero), Paris));
    }
}
