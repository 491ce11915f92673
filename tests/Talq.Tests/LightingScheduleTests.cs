using City.Protocols.Talq;

namespace Talq.Tests;

public sealed class LightingScheduleTests
{
    private static readonly TimeSpan Summer = TimeSpan.FromHours(2);
    private static readonly TimeSpan Winter = TimeSpan.FromHours(1);

    private static readonly LightingSite Helsinki =
        new(60.1699, 24.9384, TimeZoneInfo.FindSystemTimeZoneById("Europe/Helsinki"));

    private static readonly LightingSite Tromso =
        new(69.6492, 18.9553, TimeZoneInfo.FindSystemTimeZoneById("Europe/Oslo"));

    [Fact]
    public void An_ordinary_night_switches_on_at_dusk_dims_at_23_and_goes_off_at_dawn()
    {
        var set = CityExample.Set();
        var plan = LightingSchedule.PlanDay(set, CityExample.WholeLine(set), CityExample.Dijon, new DateOnly(2026, 7, 13));
        var sunset = SolarCalculator.Compute(new DateOnly(2026, 7, 13), CityExample.Dijon).Sunset!.Value;
        var sunrise = SolarCalculator.Compute(new DateOnly(2026, 7, 14), CityExample.Dijon).Sunrise!.Value;

        Assert.Equal("dijon", plan.Calendar);
        Assert.Equal("night-dim", plan.Program);
        Assert.Equal(new DateTimeOffset(2026, 7, 13, 12, 0, 0, Summer), plan.Start);
        Assert.Equal(new DateTimeOffset(2026, 7, 14, 12, 0, 0, Summer), plan.End);
        Assert.Equal(
        [
            new LightingStep(plan.Start, 0, "off: outside active periods"),
            new LightingStep(sunset, 100, "sunset+0 (active period)"),
            new LightingStep(new DateTimeOffset(2026, 7, 13, 23, 0, 0, Summer), 50, "fixed 23:00:00"),
            new LightingStep(new DateTimeOffset(2026, 7, 14, 5, 0, 0, Summer), 100, "fixed 05:00:00"),
            new LightingStep(sunrise, 0, "off: outside active periods (sunrise+0)"),
        ], plan.Steps);
        Assert.Equal(sunset.Offset, Summer);
    }

    [Fact]
    public void On_14_July_the_night_starting_on_the_14th_runs_at_full_power()
    {
        var set = CityExample.Set();
        var line = CityExample.WholeLine(set);
        var plan = LightingSchedule.PlanDay(set, line, CityExample.Dijon, new DateOnly(2026, 7, 14));

        Assert.Equal("full-night", plan.Program);
        Assert.Equal([0.0, 100, 0], plan.Steps.Select(s => s.LevelPercent));
        // the night of the 13th to the 14th is still the 13th's: dimmed at 02:00 on the 14th
        Assert.Equal(50, LightingSchedule.LevelAt(set, line, CityExample.Dijon, At(2026, 7, 14, 2, 0, Summer)));
        Assert.Equal(100, LightingSchedule.LevelAt(set, line, CityExample.Dijon, At(2026, 7, 15, 2, 0, Summer)));
        Assert.Equal(50, LightingSchedule.LevelAt(set, line, CityExample.Dijon, At(2026, 7, 16, 2, 0, Summer)));
    }

    [Fact]
    public void With_dayOffset_0_the_14th_is_the_calendar_day_from_midnight_to_midnight()
    {
        var set = CityExample.Set(dayOffset: 0);
        var line = CityExample.WholeLine(set);
        var plan = LightingSchedule.PlanDay(set, line, CityExample.Dijon, new DateOnly(2026, 7, 14));

        Assert.Equal(new DateTimeOffset(2026, 7, 14, 0, 0, 0, Summer), plan.Start);
        Assert.Equal(new DateTimeOffset(2026, 7, 15, 0, 0, 0, Summer), plan.End);
        Assert.Equal([100.0, 0, 100], plan.Steps.Select(s => s.LevelPercent));
        Assert.Equal(100, LightingSchedule.LevelAt(set, line, CityExample.Dijon, At(2026, 7, 14, 2, 0, Summer)));
        Assert.Equal(50, LightingSchedule.LevelAt(set, line, CityExample.Dijon, At(2026, 7, 15, 2, 0, Summer)));
    }

    [Theory]
    [InlineData(12, "2026-07-14T11:59:59+02:00", "2026-07-13")]
    [InlineData(12, "2026-07-14T12:00:00+02:00", "2026-07-14")]
    [InlineData(12, "2026-07-14T10:30:00+00:00", "2026-07-14")]
    [InlineData(0, "2026-07-14T00:00:00+02:00", "2026-07-14")]
    [InlineData(0, "2026-07-13T23:59:59+02:00", "2026-07-13")]
    [InlineData(0, "2026-07-13T22:30:00+00:00", "2026-07-14")]
    public void ProgramDayOf_respects_the_day_offset(int dayOffset, string instant, string day)
    {
        var set = CityExample.Set(dayOffset);

        Assert.Equal(DateOnly.Parse(day),
            LightingSchedule.ProgramDayOf(DateTimeOffset.Parse(instant), set, CityExample.Dijon.TimeZone));
    }

    [Fact]
    public void The_spring_forward_night_lasts_23_hours()
    {
        var set = CityExample.Set();
        var plan = LightingSchedule.PlanDay(set, CityExample.WholeLine(set), CityExample.Dijon, new DateOnly(2026, 3, 28));

        Assert.Equal(TimeSpan.FromHours(23), plan.End - plan.Start);
        Assert.Contains(plan.Steps, s => s.At == new DateTimeOffset(2026, 3, 28, 23, 0, 0, Winter) && s.LevelPercent == 50);
        Assert.Contains(plan.Steps, s => s.At == new DateTimeOffset(2026, 3, 29, 5, 0, 0, Summer) && s.LevelPercent == 100);
        Assert.Equal(Summer, plan.Steps[^1].At.Offset);
    }

    [Fact]
    public void The_fall_back_night_lasts_25_hours()
    {
        var set = CityExample.Set();
        var plan = LightingSchedule.PlanDay(set, CityExample.WholeLine(set), CityExample.Dijon, new DateOnly(2026, 10, 24));

        Assert.Equal(TimeSpan.FromHours(25), plan.End - plan.Start);
        Assert.Contains(plan.Steps, s => s.At == new DateTimeOffset(2026, 10, 24, 23, 0, 0, Summer) && s.LevelPercent == 50);
        Assert.Contains(plan.Steps, s => s.At == new DateTimeOffset(2026, 10, 25, 5, 0, 0, Winter) && s.LevelPercent == 100);
    }

    [Fact]
    public void A_clock_time_in_the_missing_hour_moves_on_and_a_repeated_one_is_taken_first()
    {
        var program = CityExample.Program("late", null, CityExample.Fixed("12:00:00", 100), CityExample.Fixed("02:30:00", 20));
        var set = CityExample.Only(program);
        var line = CityExample.WholeLine(set);

        var spring = LightingSchedule.PlanDay(set, line, CityExample.Dijon, new DateOnly(2026, 3, 28));
        var autumn = LightingSchedule.PlanDay(set, line, CityExample.Dijon, new DateOnly(2026, 10, 24));

        Assert.Equal(new DateTimeOffset(2026, 3, 29, 3, 30, 0, Summer), spring.Steps[1].At);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 2, 30, 0, Summer), autumn.Steps[1].At);
    }

    [Fact]
    public void At_60_north_in_June_the_short_night_never_reaches_the_05_00_step()
    {
        var set = CityExample.Set();
        var plan = LightingSchedule.PlanDay(set, CityExample.WholeLine(set), Helsinki, new DateOnly(2026, 6, 21));

        Assert.Equal([0.0, 100, 50, 0], plan.Steps.Select(s => s.LevelPercent));
        Assert.Equal(new DateTimeOffset(2026, 6, 21, 23, 0, 0, TimeSpan.FromHours(3)), plan.Steps[2].At);
        Assert.InRange(plan.Steps[3].At.TimeOfDay, new TimeSpan(3, 50, 0), new TimeSpan(3, 58, 0));
    }

    [Fact]
    public void In_the_polar_night_the_active_period_holds_all_day_and_in_the_midnight_sun_never()
    {
        var set = CityExample.Set();
        var line = CityExample.WholeLine(set);
        var december = LightingSchedule.PlanDay(set, line, Tromso, new DateOnly(2026, 12, 10));
        var june = LightingSchedule.PlanDay(set, line, Tromso, new DateOnly(2026, 6, 21));

        Assert.Equal([100.0, 50, 100], december.Steps.Select(s => s.LevelPercent));
        Assert.Equal(100, LightingSchedule.LevelAt(set, line, Tromso, At(2026, 12, 10, 12, 30, Winter)));
        Assert.Equal([new LightingStep(june.Start, 0, "off: outside active periods")], june.Steps);
    }

    [Fact]
    public void A_fixed_time_program_runs_without_active_periods_and_wraps_around_the_day()
    {
        // the "18:30 100%, 23:00 50%, 05:30 100%, 07:15 off"
        var program = CityExample.Program("fixed", null, CityExample.Fixed("18:30:00", 100), CityExample.Fixed("23:00:00", 50),
            CityExample.Fixed("05:30:00", 100), CityExample.Fixed("07:15:00", 0));
        var set = CityExample.Only(program);
        var plan = LightingSchedule.PlanDay(set, CityExample.WholeLine(set), CityExample.Dijon, new DateOnly(2026, 1, 10));

        Assert.Equal(
        [
            new LightingStep(At(2026, 1, 10, 12, 0, Winter), 0, "fixed 07:15:00"),
            new LightingStep(At(2026, 1, 10, 18, 30, Winter), 100, "fixed 18:30:00"),
            new LightingStep(At(2026, 1, 10, 23, 0, Winter), 50, "fixed 23:00:00"),
            new LightingStep(At(2026, 1, 11, 5, 30, Winter), 100, "fixed 05:30:00"),
            new LightingStep(At(2026, 1, 11, 7, 15, Winter), 0, "fixed 07:15:00"),
        ], plan.Steps);
    }

    [Fact]
    public void A_step_can_sit_at_solar_midnight()
    {
        var program = CityExample.Program("midnight", CityExample.Astro(0, 0), CityExample.Fixed("12:00:00", 100),
            new TalqFixedTimeControl
            {
                StartTime = "00:00:00",
                SolarMidnightOffset = -30,
                Command = new TalqCommand { State = TalqState.Level(40) },
            });
        var set = CityExample.Only(program);
        var plan = LightingSchedule.PlanDay(set, CityExample.WholeLine(set), CityExample.Dijon, new DateOnly(2026, 1, 10));
        var solarMidnight = SolarCalculator.Compute(new DateOnly(2026, 1, 10), CityExample.Dijon).SolarMidnight;

        Assert.Contains(new LightingStep(solarMidnight.AddMinutes(-30), 40, "fixed solar midnight-30"), plan.Steps);
        Assert.Equal([0.0, 100, 40, 0], plan.Steps.Select(s => s.LevelPercent));
    }

    [Fact]
    public void Sunset_and_sunrise_are_clamped_by_their_bounds()
    {
        var period = CityExample.Astro(0, 0);
        period.SunsetNotBefore = "22:00:00";
        period.SunriseNotAfter = "05:30:00";
        var set = CityExample.Only(CityExample.Program("bounded", period, CityExample.Fixed("12:00:00", 100)));
        var summer = LightingSchedule.PlanDay(set, CityExample.WholeLine(set), CityExample.Dijon, new DateOnly(2026, 7, 13));

        Assert.Equal(
        [
            new LightingStep(At(2026, 7, 13, 12, 0, Summer), 0, "off: outside active periods"),
            new LightingStep(At(2026, 7, 13, 22, 0, Summer), 100, "sunset+0 (active period, not before 22:00:00)"),
            new LightingStep(At(2026, 7, 14, 5, 30, Summer), 0, "off: outside active periods (sunrise+0, not after 05:30:00)"),
        ], summer.Steps);

        period.SunsetNotBefore = null;
        period.SunriseNotAfter = null;
        period.SunsetNotAfter = "16:30:00";
        period.SunriseNotBefore = "08:30:00";
        var winter = LightingSchedule.PlanDay(set, CityExample.WholeLine(set), CityExample.Dijon, new DateOnly(2026, 12, 20));

        Assert.Equal(At(2026, 12, 20, 16, 30, Winter), winter.Steps[1].At);   // sunset about 16:55
        Assert.Equal(At(2026, 12, 21, 8, 30, Winter), winter.Steps[2].At);    // sunrise about 08:15
    }

    [Fact]
    public void Astro_controls_Set_Max_and_Min_over_the_fixed_level_until_the_next_one()
    {
        var program = CityExample.Program("astro", CityExample.Astro(0, 0), CityExample.Fixed("12:00:00", 80),
            CityExample.Fixed("23:00:00", 40));
        program.AstroClockTimeControls =
        [
            Astro("sunset", 0, "Max", 100),
            Astro("sunset", 120, "Min", 50),
            Astro("sunrise", -30, "Set", 70),
        ];
        var set = CityExample.Only(program);
        var plan = LightingSchedule.PlanDay(set, CityExample.WholeLine(set), CityExample.Dijon, new DateOnly(2026, 1, 10));
        var sunset = SolarCalculator.Compute(new DateOnly(2026, 1, 10), CityExample.Dijon).Sunset!.Value;
        var sunrise = SolarCalculator.Compute(new DateOnly(2026, 1, 11), CityExample.Dijon).Sunrise!.Value;

        Assert.Equal(
        [
            new LightingStep(plan.Start, 0, "off: outside active periods"),
            new LightingStep(sunset, 100, "sunset+0 (active period)"),
            new LightingStep(sunset.AddMinutes(120), 50, "sunset+120 Min 50 (astro control)"),
            new LightingStep(At(2026, 1, 10, 23, 0, Winter), 40, "fixed 23:00:00"),
            new LightingStep(sunrise.AddMinutes(-30), 70, "sunrise-30 Set 70 (astro control)"),
            new LightingStep(sunrise, 0, "off: outside active periods (sunrise+0)"),
        ], plan.Steps);
    }

    [Fact]
    public void Absolute_periods_follow_the_day_offset()
    {
        var period = new TalqActivePeriod { Name = "AbsoluteActivePeriod", StartTime = "20:00:00", EndTime = "06:00:00" };
        var noon = CityExample.Only(CityExample.Program("abs", period, CityExample.Fixed("12:00:00", 100)));
        var midnight = CityExample.Only(CityExample.Program("abs", period, CityExample.Fixed("12:00:00", 100)), dayOffset: 0);
        var day = new DateOnly(2026, 1, 10);

        Assert.Equal([At(2026, 1, 10, 12, 0, Winter), At(2026, 1, 10, 20, 0, Winter), At(2026, 1, 11, 6, 0, Winter)],
            LightingSchedule.PlanDay(noon, CityExample.WholeLine(noon), CityExample.Dijon, day).Steps.Select(s => s.At));
        Assert.Equal([At(2026, 1, 10, 0, 0, Winter), At(2026, 1, 10, 6, 0, Winter), At(2026, 1, 10, 20, 0, Winter)],
            LightingSchedule.PlanDay(midnight, CityExample.WholeLine(midnight), CityExample.Dijon, day).Steps
                .Select(s => s.At));

        period.EndTime = "20:00:00";
        Assert.Equal([100.0],
            LightingSchedule.PlanDay(noon, CityExample.WholeLine(noon), CityExample.Dijon, day).Steps.Select(s => s.LevelPercent));
    }

    [Theory]
    [InlineData("2026-07-31", "last-friday")]   // the last Friday of July
    [InlineData("2026-07-24", "weekday")]       // a Friday, not the last
    [InlineData("2026-07-30", "weekday")]       // Thursday
    [InlineData("2026-07-25", "weekend")]       // Saturday: the default
    [InlineData("2026-07-26", "weekend")]       // Sunday
    [InlineData("2026-07-03", "first-friday")]  // the first Friday
    [InlineData("2026-12-24", "holidays")]      // the range wraps the year end
    [InlineData("2027-01-05", "holidays")]
    [InlineData("2027-01-06", "weekday")]       // Wednesday after the range
    [InlineData("2026-12-19", "weekend")]       // Saturday before the range
    [InlineData("2026-08-01", "first-of-month")]
    [InlineData("2026-08-14", "mid-august")]
    [InlineData("2025-08-14", "weekday")]       // before the rule's full-date range (a Thursday)
    public void Calendar_rules_match_in_order(string date, string program)
    {
        var calendar = new TalqCalendar
        {
            Id = "rules",
            OwnerCms = "central",
            DefaultProgram = "weekend",
            Rules =
            [
                new TalqCalendarRule { StartDate = "--12-20", EndDate = "--01-05", Program = "holidays" },
                new TalqCalendarRule { Condition = new TalqCondition { Type = "ccDate", Dates = [new TalqDateItem { Start = "---01" }] }, Program = "first-of-month" },
                new TalqCalendarRule
                {
                    StartDate = "2026-01-01",
                    EndDate = "2026-12-31",
                    Condition = new TalqCondition { Type = "ccDate", Dates = [new TalqDateItem { Start = "--08-13", End = "--08-15" }] },
                    Program = "mid-august",
                },
                new TalqCalendarRule { Condition = Days(5, null, "L"), Program = "last-friday" },
                new TalqCalendarRule { Condition = Days(5, null, "1"), Program = "first-friday" },
                new TalqCalendarRule { Condition = Days(1, 5), Program = "weekday" },
            ],
        };
        string[] ids = ["holidays", "first-of-month", "mid-august", "last-friday", "first-friday", "weekday", "weekend"];
        var set = new LightingSet
        {
            Calendars = [calendar],
            ControlPrograms = [.. ids.Select(id => CityExample.Program(id, null, CityExample.Fixed("12:00:00", 100)))],
            Assignments = [new LightingAssignment { Line = "lights-a", Calendar = "rules" }],
        };

        Assert.Equal(program,
            LightingSchedule.PlanDay(set, set.Assignments[0], CityExample.Dijon, DateOnly.Parse(date)).Program);
    }

    [Fact]
    public void No_matching_rule_and_no_default_means_no_program()
    {
        var set = CityExample.Set();
        set.Calendars[0].Rules.RemoveAt(1);
        var line = CityExample.WholeLine(set);
        var plan = LightingSchedule.PlanDay(set, line, CityExample.Dijon, new DateOnly(2026, 7, 13));

        Assert.Null(plan.Program);
        Assert.Equal("dijon", plan.Calendar);
        Assert.Empty(plan.Steps);
        Assert.Null(LightingSchedule.LevelAt(set, line, CityExample.Dijon, At(2026, 7, 13, 23, 0, Summer)));
        Assert.Null(LightingSchedule.NextChange(set, line, CityExample.Dijon, At(2026, 7, 13, 23, 0, Summer)));
        Assert.Equal(100, LightingSchedule.LevelAt(set, line, CityExample.Dijon, At(2026, 7, 14, 23, 0, Summer)));
    }

    [Fact]
    public void NextChange_crosses_into_the_next_program_day()
    {
        var set = CityExample.Set();
        var line = CityExample.WholeLine(set);
        var sunset14 = SolarCalculator.Compute(new DateOnly(2026, 7, 14), CityExample.Dijon).Sunset!.Value;

        var next = LightingSchedule.NextChange(set, line, CityExample.Dijon, At(2026, 7, 14, 7, 0, Summer));

        Assert.Equal(new LightingStep(sunset14, 100, "sunset+0 (active period)"), next);
        Assert.Equal(At(2026, 7, 14, 5, 0, Summer),
            LightingSchedule.NextChange(set, line, CityExample.Dijon, At(2026, 7, 13, 23, 0, Summer))!.At);
    }

    [Fact]
    public void LevelAt_and_NextChange_agree_with_the_planned_steps()
    {
        var set = CityExample.Set();
        var line = CityExample.WholeLine(set);
        var site = CityExample.Dijon;
        for (var t = At(2026, 3, 27, 9, 0, Winter); t < At(2026, 3, 31, 9, 0, Summer); t = t.AddMinutes(17))
        {
            var plan = LightingSchedule.PlanDay(set, line, site, LightingSchedule.ProgramDayOf(t, set, site.TimeZone));
            var holding = plan.Steps.Last(s => s.At <= t);
            var level = LightingSchedule.LevelAt(set, line, site, t);
            var next = LightingSchedule.NextChange(set, line, site, t)!;

            Assert.True(plan.Start <= t && t < plan.End, $"{t} outside its program day");
            Assert.Equal(holding.LevelPercent, level);
            Assert.True(next.At > t);
            Assert.NotEqual(level, next.LevelPercent);
            Assert.Equal(next.LevelPercent, LightingSchedule.LevelAt(set, line, site, next.At));
            Assert.Equal(level, LightingSchedule.LevelAt(set, line, site, next.At.AddSeconds(-1)));
        }
    }

    [Fact]
    public void Steps_never_repeat_a_level()
    {
        var set = CityExample.Set();
        for (var day = new DateOnly(2026, 1, 1); day < new DateOnly(2027, 1, 1); day = day.AddDays(1))
        {
            var steps = LightingSchedule.PlanDay(set, CityExample.WholeLine(set), Helsinki, day).Steps;
            for (var i = 1; i < steps.Count; i++)
            {
                Assert.NotEqual(steps[i - 1].LevelPercent, steps[i].LevelPercent);
                Assert.True(steps[i - 1].At < steps[i].At);
            }
        }
    }

    private static TalqCondition Days(int start, int? end, params string[] occurrences) => new()
    {
        Type = "ccDay",
        Days = [new TalqDayRange { Start = start, End = end }],
        Occurrences = occurrences.Length == 0 ? null : [.. occurrences],
    };

    private static TalqAstroClockTimeControl Astro(string solarEvent, int offset, string operation, int level) => new()
    {
        SolarEventType = solarEvent,
        Offset = offset,
        Operation = operation,
        Command = new TalqCommand { State = TalqState.Level(level) },
    };

    private static DateTimeOffset At(int year, int month, int day, int hour, int minute, TimeSpan offset) =>
        new(year, month, day, hour, minute, 0, offset);
}
