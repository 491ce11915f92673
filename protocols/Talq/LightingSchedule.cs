namespace City.Protocols.Talq;

/// <summary>One level change of a program day: from <paramref name="At"/> the level is <paramref name="LevelPercent"/>;
/// <paramref name="Source"/> says why ("fixed 23:00:00", "sunset+0 (active period)", "off: outside active periods").</summary>
public sealed record LightingStep(DateTimeOffset At, double LevelPercent, string Source);

/// <summary>
/// The plan of one program day for one assignment: the calendar, the program it selected (null: no program, the group is
/// left alone and Steps is empty), the day's bounds and its steps. The first step is at Start with the level holding
/// then; no two steps in a row have the same level.
/// </summary>
public sealed record ProgramDay(DateOnly Day, string? Calendar, string? Program, DateTimeOffset Start, DateTimeOffset End,
    IReadOnlyList<LightingStep> Steps);

/// <summary>
/// Runs a lighting set: which program day an instant falls in, the steps of a day, the level now and the next change.
/// Program day D runs from D at DayOffset:00 local time to D+1 at the same hour, so with DayOffset 12 a night belongs to
/// the day it starts. Everything is a pure function of the set, the site and the instant.
/// </summary>
public static class LightingSchedule
{
    private const int DaysSearchedForAChange = 3;

    /// <summary>The program day holding <paramref name="instant"/>: its local date, or the day before when the local
    /// clock is before DayOffset:00.</summary>
    public static DateOnly ProgramDayOf(DateTimeOffset instant, LightingSet set, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var date = DateOnly.FromDateTime(local.DateTime);
        return local.TimeOfDay < TimeSpan.FromHours(set.DayOffset) ? date.AddDays(-1) : date;
    }

    /// <summary>The steps of program day <paramref name="day"/> for an assignment of the set.</summary>
    public static ProgramDay PlanDay(LightingSet set, LightingAssignment assignment, LightingSite site, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(site);
        var start = LocalTime.At(day, TimeSpan.FromHours(set.DayOffset), site.TimeZone);
        var end = LocalTime.At(day.AddDays(1), TimeSpan.FromHours(set.DayOffset), site.TimeZone);
        var calendar = set.Calendars.Find(c => c.Id == assignment.Calendar);
        var programId = calendar is null ? null : CalendarRules.ProgramFor(calendar, day);
        var program = programId is null ? null : set.ControlPrograms.Find(p => p.Id == programId);
        if (program is null)
        {
            return new ProgramDay(day, calendar?.Id, null, start, end, []);
        }

        var steps = new DayPlanner(set.DayOffset, site, day, start, end).Plan(program);
        return new ProgramDay(day, calendar!.Id, program.Id, start, end, steps);
    }

    /// <summary>The level the assignment's program asks for at <paramref name="instant"/>; null when no program runs.</summary>
    public static double? LevelAt(LightingSet set, LightingAssignment assignment, LightingSite site, DateTimeOffset instant)
    {
        ArgumentNullException.ThrowIfNull(site);
        var plan = PlanDay(set, assignment, site, ProgramDayOf(instant, set, site.TimeZone));
        return plan.Program is null ? null : Holding(plan, instant).LevelPercent;
    }

    /// <summary>The first step after <paramref name="after"/> whose level differs from the one holding then, looking into
    /// the following program days; null when no program runs or nothing changes within three days.</summary>
    public static LightingStep? NextChange(LightingSet set, LightingAssignment assignment, LightingSite site,
        DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(site);
        var day = ProgramDayOf(after, set, site.TimeZone);
        var plan = PlanDay(set, assignment, site, day);
        if (plan.Program is null)
        {
            return null;
        }

        var level = Holding(plan, after).LevelPercent;
        for (var i = 0; i <= DaysSearchedForAChange; i++)
        {
            foreach (var step in plan.Steps)
            {
                if (step.At > after && step.LevelPercent != level)
                {
                    return step;
                }
            }

            day = day.AddDays(1);
            plan = PlanDay(set, assignment, site, day);
            if (plan.Program is null)
            {
                return null;
            }
        }

        return null;
    }

    private static LightingStep Holding(ProgramDay plan, DateTimeOffset instant)
    {
        var holding = plan.Steps[0];
        foreach (var step in plan.Steps)
        {
            if (step.At > instant)
            {
                break;
            }

            holding = step;
        }

        return holding;
    }
}

/// <summary>Local clock times to instants in a zone.</summary>
internal static class LocalTime
{
    /// <summary>The instant of a local date and clock time. A time in a spring-forward gap moves on by the gap
    /// (02:30 becomes 03:30); a time repeated in autumn is taken at its first occurrence.</summary>
    public static DateTimeOffset At(DateOnly date, TimeSpan time, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified) + time;
        TimeSpan offset;
        if (zone.IsInvalidTime(local))
        {
            offset = zone.GetUtcOffset(local.AddHours(-6));
        }
        else if (zone.IsAmbiguousTime(local))
        {
            offset = zone.GetAmbiguousTimeOffsets(local).Max();
        }
        else
        {
            offset = zone.GetUtcOffset(local);
        }

        return TimeZoneInfo.ConvertTime(new DateTimeOffset(local, offset), zone);
    }
}
