using City.Protocols.Talq;

namespace Talq.Tests;

public sealed class TalqJsonTests
{
    [Fact]
    public void The_city_example_is_written_in_TALQ_shapes()
    {
        Assert.Equal(CityExample.NightDimJson, TalqJson.Serialize(CityExample.NightDim()));
        Assert.Equal(CityExample.FullNightJson, TalqJson.Serialize(CityExample.FullNight()));
        Assert.Equal(CityExample.CalendarJson, TalqJson.Serialize(CityExample.Calendar()));
    }

    [Fact]
    public void A_set_is_written_with_its_calendars_programs_and_assignments()
    {
        var json = TalqJson.Serialize(CityExample.Set());

        Assert.Equal(
            """{"version":"v1","issuedAt":"2026-07-01T08:00:00+00:00","dayOffset":12,"calendars":[""" + CityExample.CalendarJson
            + """],"controlPrograms":[""" + CityExample.NightDimJson + "," + CityExample.FullNightJson
            + """],"assignments":[{"line":"lights-a","calendar":"dijon"}]}""",
            json);
    }

    [Fact]
    public void What_is_written_parses_back_to_the_same_JSON()
    {
        var json = TalqJson.Serialize(CityExample.Set());

        Assert.True(TalqJson.TryParseSet(json, out var set, out var errors), string.Join("; ", errors));
        Assert.Equal(json, TalqJson.Serialize(set!));
        Assert.True(TalqJson.TryParseCalendar(CityExample.CalendarJson, out var calendar, out _));
        Assert.Equal(CityExample.CalendarJson, TalqJson.Serialize(calendar!));
        Assert.True(TalqJson.TryParseControlProgram(CityExample.NightDimJson, out var program, out _));
        Assert.Equal(CityExample.NightDimJson, TalqJson.Serialize(program!));
    }

    [Fact]
    public void Every_extension_is_written_and_read_back()
    {
        var json = """{"type":"ControlProgramOne","id":"bounded","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":-10,"sunriseOffset":15,"sunsetNotBefore":"17:00:00","sunsetNotAfter":"22:00:00","sunriseNotBefore":"05:00:00","sunriseNotAfter":"07:30:00"}],"fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100},"rampToLevelTime":2.5}},{"startTime":"00:00:00","command":{"state":{"name":"LevelState","value":30}},"solarMidnightOffset":-60}],"astroClockTimeControls":[{"offset":30,"solarEventType":"sunset","operation":"Max","command":{"state":{"name":"BooleanState","value":true}}}]}""";

        Assert.True(TalqJson.TryParseControlProgram(json, out var program, out var errors), string.Join("; ", errors));
        Assert.Equal(json, TalqJson.Serialize(program!));
        Assert.Equal(-60, program!.FixedTimeControls[1].SolarMidnightOffset);
        Assert.Equal("17:00:00", program.ActivePeriods[0].SunsetNotBefore);
        Assert.Equal(100, program.AstroClockTimeControls![0].Command.State.LevelPercent());
    }

    [Fact]
    public void Unknown_properties_are_left_out()
    {
        var json = """{"id":"c","ownerCMS":"central","colour":"blue","rules":[{"program":"p","note":"x"}]}""";

        Assert.True(TalqJson.TryParseCalendar(json, out var calendar, out _));
        Assert.Equal("""{"id":"c","ownerCMS":"central","rules":[{"program":"p"}]}""", TalqJson.Serialize(calendar!));
    }

    [Fact]
    public void A_bad_weekday_is_named_by_its_path()
    {
        var json = """{"id":"c","ownerCMS":"central","rules":[{"program":"a"},{"program":"b","condition":{"type":"ccDay","days":[{"start":8}]}}]}""";

        Assert.False(TalqJson.TryParseCalendar(json, out var calendar, out var errors));
        Assert.Null(calendar);
        Assert.Equal(["rules[1].condition.days[0].start: 8 is not a weekday (1-7)"], errors);
    }

    [Fact]
    public void Every_problem_is_listed_at_once()
    {
        var json = """
            {"ownerCMS":"central","rules":[
              {"startDate":"--02-30","program":"a"},
              {"startDate":"2026-07-14","endDate":"--07-15","program":"b"},
              {"startDate":"2026-07-15","endDate":"2026-07-14","program":"c"},
              {"condition":{"type":"ccDay","days":[{"start":5,"end":3}],"occurrences":["6","L","L"]}},
              {"program":"e","condition":{"type":"ccDate","dates":[{"start":"---31","end":"---02"},{"start":"--07-14","end":"---20"},{"start":"14 July"}]}},
              {"program":"f","condition":{"type":"ccWeek"}}],
             "defaultProgram":""}
            """;

        Assert.False(TalqJson.TryParseCalendar(json, out _, out var errors));
        Assert.Equal(
        [
            "id: required",
            "defaultProgram: expected a non-empty string",
            "rules[0].startDate: '--02-30' is not a date (yyyy-mm-dd or --mm-dd)",
            "rules[1].endDate: startDate and endDate must both be yyyy-mm-dd or both --mm-dd",
            "rules[2].endDate: 2026-07-14 is before startDate 2026-07-15",
            "rules[3].program: required",
            "rules[3].condition.days[0].end: 3 is not after start 5",
            "rules[3].condition.occurrences[0]: '6' is not an occurrence (1-5 or L)",
            "rules[3].condition.occurrences[2]: 'L' is repeated",
            "rules[4].condition.dates[0].end: ---02 is not after start ---31",
            "rules[4].condition.dates[1].end: start and end must both be ---dd or both --mm-dd",
            "rules[4].condition.dates[2].start: '14 July' is not a day (---dd or --mm-dd)",
            "rules[5].condition.type: 'ccWeek' is not a condition type (ccDay or ccDate)",
        ], errors);
    }

    [Theory]
    [InlineData("""{"name":"SensorActivePeriod"}""", "activePeriods[0].name: SensorActivePeriod is not supported (only AbsoluteActivePeriod and AstroClockActivePeriod)")]
    [InlineData("""{"name":"ValueActivePeriod"}""", "activePeriods[0].name: ValueActivePeriod is not supported (only AbsoluteActivePeriod and AstroClockActivePeriod)")]
    [InlineData("""{"name":"AbsoluteActivePeriod","startTime":"18:00","endTime":"06:00:00"}""", "activePeriods[0].startTime: '18:00' is not a time of day (hh:mm:ss)")]
    [InlineData("""{"name":"AbsoluteActivePeriod","startTime":"18:00:00","endTime":"06:00:00","sunsetNotBefore":"17:00:00"}""", "activePeriods[0].sunsetNotBefore: sunsetNotBefore belongs to an AstroClockActivePeriod")]
    [InlineData("""{"name":"AstroClockActivePeriod","sunsetOffset":0}""", "activePeriods[0].sunriseOffset: required")]
    [InlineData("""{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0,"sunsetNotBefore":"22:00:00","sunsetNotAfter":"21:00:00"}""", "activePeriods[0].sunsetNotAfter: 21:00:00 is before sunsetNotBefore 22:00:00")]
    [InlineData("""{"name":"AstroClockActivePeriod","sunsetOffset":900,"sunriseOffset":0}""", "activePeriods[0].sunsetOffset: 900 minutes is beyond 12 hours either way")]
    public void Unsupported_or_bad_active_periods_are_refused(string period, string error)
    {
        var json = $$"""{"type":"ControlProgramOne","id":"p","ownerCMS":"central","activePeriods":[{{period}}],"fixedTimeControls":[]}""";

        Assert.False(TalqJson.TryParseControlProgram(json, out _, out var errors));
        Assert.Equal([error], errors);
    }

    [Theory]
    [InlineData("""{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":101}}}""", "fixedTimeControls[0].command.state.value: 101 is not a level (0-100)")]
    [InlineData("""{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":50.5}}}""", "fixedTimeControls[0].command.state.value: expected an integer percent (0-100)")]
    [InlineData("""{"startTime":"12:00:00","command":{"state":{"name":"IntegerState","value":5}}}""", "fixedTimeControls[0].command.state.name: IntegerState is not supported (only LevelState and BooleanState)")]
    [InlineData("""{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":5},"rampFromLevelTime":3}}""", "fixedTimeControls[0].command.rampFromLevelTime: rampFromLevelTime is not supported")]
    [InlineData("""{"startTime":"12:00:00"}""", "fixedTimeControls[0].command: required")]
    [InlineData("""{"startTime":"24:00:00","command":{"state":{"name":"BooleanState","value":true}}}""", "fixedTimeControls[0].startTime: '24:00:00' is not a time of day (hh:mm:ss)")]
    public void Bad_fixed_time_controls_are_refused(string control, string error)
    {
        var json = $$"""{"type":"ControlProgramOne","id":"p","ownerCMS":"central","activePeriods":[],"fixedTimeControls":[{{control}}]}""";

        Assert.False(TalqJson.TryParseControlProgram(json, out _, out var errors));
        Assert.Equal([error], errors);
    }

    [Fact]
    public void Programs_refuse_what_they_cannot_run()
    {
        var json = """
            {"type":"ControlProgramTwo","id":"p","ownerCMS":"central","activePeriods":[],
             "fixedTimeControls":[{"startTime":"23:00:00","command":{"state":{"name":"LevelState","value":50}}},
                                  {"startTime":"23:00:00","command":{"state":{"name":"LevelState","value":40}}}],
             "astroClockTimeControls":[{"offset":0,"solarEventType":"noon","operation":"Mul","command":{"state":{"name":"LevelState","value":50}}}],
             "dynamicControls":[{"sensor":"x"}]}
            """;

        Assert.False(TalqJson.TryParseControlProgram(json, out _, out var errors));
        Assert.Equal(
        [
            "type: 'ControlProgramTwo' is not supported (only ControlProgramOne)",
            "fixedTimeControls[1].startTime: 23:00:00 is already the start of fixedTimeControls[0]",
            "astroClockTimeControls[0].solarEventType: 'noon' is not sunrise or sunset",
            "astroClockTimeControls[0].operation: Mul is not supported (only Set, Max and Min)",
            "dynamicControls: dynamic (sensor-driven) controls are not supported",
        ], errors);
    }

    [Fact]
    public void A_program_needs_its_lists()
    {
        Assert.False(TalqJson.TryParseControlProgram("""{"type":"ControlProgramOne","id":"p","ownerCMS":"c"}""", out _,
            out var errors));
        Assert.Equal(["activePeriods: required", "fixedTimeControls: required"], errors);
    }

    [Theory]
    [InlineData("{", "$: not JSON")]
    [InlineData("[]", "$: expected an object")]
    [InlineData("""{"id":7,"ownerCMS":"c"}""", "id: expected a string")]
    public void Not_a_calendar_is_refused(string json, string error)
    {
        Assert.False(TalqJson.TryParseCalendar(json, out _, out var errors));
        Assert.StartsWith(error, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_checks_its_references()
    {
        var set = CityExample.Set();
        set.DayOffset = 6;
        set.Calendars[0].Rules[1].Program = "dim-all-night";
        set.Calendars[0].DefaultProgram = "nothing";
        set.Calendars.Add(CityExample.Calendar());
        set.Assignments =
        [
            new LightingAssignment { Line = "lights-a", Calendar = "dijon" },
            new LightingAssignment { Line = "lights-a", Group = 3, Calendar = "dijon" },
            new LightingAssignment { Line = "lights-b", Group = 16, Calendar = "dijon" },
            new LightingAssignment { Line = "lights-b", Group = 2, Calendar = "paris" },
            new LightingAssignment { Line = "lights-b", Group = 2, Calendar = "dijon" },
        ];

        Assert.False(TalqJson.TryParseSet(TalqJson.Serialize(set), out _, out var errors));
        Assert.Equal(
        [
            "dayOffset: 6 is not 0 (midnight to midnight) or 12 (noon to noon)",
            "assignments[2].group: 16 is not a DALI group (0-15)",
            "calendars[1].id: calendar 'dijon' appears twice",
            "calendars[0].rules[1].program: no control program 'dim-all-night' in the set",
            "calendars[0].defaultProgram: no control program 'nothing' in the set",
            "assignments[3].calendar: no calendar 'paris' in the set",
            "assignments[4]: line 'lights-b' group 2 is already assigned by assignments[3]",
            "assignments[1]: line 'lights-a' has a whole-line assignment: its groups cannot also be assigned",
        ], errors);
    }

    [Fact]
    public void A_set_needs_an_instant_and_its_lists()
    {
        Assert.False(TalqJson.TryParseSet("""{"version":"v","issuedAt":"yesterday"}""", out _, out var errors));
        Assert.Equal(
        [
            "issuedAt: 'yesterday' is not an ISO-8601 instant",
            "calendars: required",
            "controlPrograms: required",
            "assignments: required",
        ], errors);
    }

    [Theory]
    [InlineData("2026-07-01T08:00:00")]
    [InlineData("2026-07-01")]
    [InlineData("1 July 2026 08:00Z")]
    public void The_issue_instant_carries_its_offset(string issuedAt)
    {
        var json = $$"""{"version":"v","issuedAt":"{{issuedAt}}","calendars":[],"controlPrograms":[],"assignments":[]}""";

        Assert.False(TalqJson.TryParseSet(json, out _, out var errors));
        Assert.Equal([$"issuedAt: '{issuedAt}' is not an ISO-8601 instant"], errors);
    }

    [Fact]
    public void A_set_without_dayOffset_runs_noon_to_noon()
    {
        var json = """{"version":"v","issuedAt":"2026-07-01T08:00:00Z","calendars":[],"controlPrograms":[],"assignments":[]}""";

        Assert.True(TalqJson.TryParseSet(json, out var set, out _));
        Assert.Equal(12, set!.DayOffset);
    }

    [Fact]
    public void The_version_is_a_hash_of_the_content_only()
    {
        var a = CityExample.Set();
        var b = CityExample.Set();
        b.Version = "other";
        b.IssuedAt = b.IssuedAt.AddDays(3);
        var c = CityExample.Set();
        c.ControlPrograms[0].FixedTimeControls[1] = CityExample.Fixed("23:30:00", 50);

        Assert.Matches("^[0-9a-f]{16}$", a.ComputeVersion());
        Assert.Equal(a.ComputeVersion(), b.ComputeVersion());
        Assert.NotEqual(a.ComputeVersion(), c.ComputeVersion());
        Assert.NotEqual(a.ComputeVersion(), CityExample.Set(dayOffset: 0).ComputeVersion());
    }
}
