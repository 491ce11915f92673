namespace City.Protocols.Talq;

/// <summary>One level change of a program day.</summary>
public sealed record LightingStep(DateTimeOffset At, double LevelPercent, string Source);

/// <summary>The plan of one program day for one assignment.</summary>
public sealed record ProgramDay(DateOnly Day, string? Calendar, string? Program, DateTimeOffset Start, DateTimeOffset End,
    IReadOnlyList<LightingStep> Steps);

/// <summary>Runs a lighting set: which program day an instant falls in, its steps, the level now, the next change.</summary>
public static class LightingSchedule
{
    public static DateOnly ProgramDayOf(DateTimeOffset instant, LightingSet set, TimeZoneInfo zone) =>
        throw new NotImplementedException();

    public static ProgramDay PlanDay(LightingSet set, LightingAssignment assignment, LightingSite site, DateOnly day) =>
        throw new NotImplementedException();

    public static double? LevelAt(LightingSet set, LightingAssignment assignment, LightingSite site, DateTimeOffset instant) =>
        throw new NotImplementedException();

    public static LightingStep? NextChange(LightingSet set, LightingAssignment assignment, LightingSite site,
        DateTimeOffset after) => throw new NotImplementedException();
}
