using System.Globalization;
using City.Protocols.Talq;

namespace City.Edge.Lighting;

// GET /v1/lighting: the document edgectl lighting prints. edgectl depends on these shapes: change them together.

/// <summary>
/// The cabinet's lighting for one program day: where it stands, the sun's events of that calendar date, the applied set's
/// version, and per group its calendar, program, steps, the level now, the next change and any override. Every instant is
/// ISO-8601 with the site's offset at that instant. <c>Now</c> is the lighting clock (scaled under Edge:Clock); the site's
/// and the sun's fields are null without Edge:Site (instants then carry the system zone's offset), the set's without an
/// applied set (and then no group but overrides).
/// </summary>
internal sealed record LightingDocument(
    string GatewayId,
    string? Town,
    double? Latitude,
    double? Longitude,
    string? TimeZone,
    string Date,
    string? Sunrise,
    string? Sunset,
    string? CivilDawn,
    string? CivilDusk,
    string? SolarMidnight,
    string? LightingVersion,
    IReadOnlyList<LightingGroupDocument> Groups,
    string Now,
    long AppliedCommands,
    long FailedCommands);

/// <summary>One assignment of the set (Group null = the whole line), or an override on a group no assignment runs.</summary>
internal sealed record LightingGroupDocument(
    string Line,
    int? Group,
    string? Calendar,
    string? Program,
    double? LevelPercent,
    IReadOnlyList<LightingStepDocument> Steps,
    LightingChangeDocument? NextChange,
    LightingOverrideDocument? Override);

internal sealed record LightingStepDocument(string At, double LevelPercent, int ArcLevel, string Source);

internal sealed record LightingChangeDocument(string At, double LevelPercent);

internal sealed record LightingOverrideDocument(double LevelPercent, string Until, string CommandId);

/// <summary>Builds <see cref="LightingDocument"/> from what the lighting runtime exposes; pure but for the status's clock.</summary>
internal static class LightingView
{
    /// <summary>
    /// <paramref name="day"/> is a program day (default: the one the lighting clock is in); its steps run from the set's
    /// DayOffset hour to the same hour the next day. The level now and the next change are always those of now: an active
    /// override's level, else the program's; with an override the next change is its end (when the program's level then
    /// differs) or the program's first change after it.
    /// </summary>
    public static LightingDocument Build(string gatewayId, string? town, ILightingStatus status, DateOnly? day)
    {
        ArgumentNullException.ThrowIfNull(status);
        var now = status.Clock.GetUtcNow();
        var site = status.Site;
        var set = status.Applied;

        // Without Edge:Site the runtime still runs programs that need no sun, on the system's zone (it refuses sets that
        // need the sun then): the view computes them the same way, and leaves the site's and the sun's fields null.
        var effective = site ?? new LightingSite(0, 0, TimeZoneInfo.Local);
        var zone = effective.TimeZone;
        var date = day ?? LightingSchedule.ProgramDayOf(now, set ?? new LightingSet(), zone);
        var overrides = status.Overrides.Where(o => o.Until > now).ToList();

        var groups = new List<LightingGroupDocument>();
        foreach (var assignment in set?.Assignments ?? [])
        {
            var active = overrides.LastOrDefault(o => Matches(o, assignment.Line, assignment.Group));
            groups.Add(Group(set!, assignment, effective, date, now, active));
        }

        // An override on a group that no assignment runs still drives its lamps: show it.
        foreach (var orphan in overrides.Where(o => !groups.Any(g => Matches(o, g.Line, g.Group))).GroupBy(o => (o.Line, o.Group)).Select(g => g.Last()))
        {
            groups.Add(new LightingGroupDocument(orphan.Line, orphan.Group, null, null, orphan.LevelPercent, [], null, Override(orphan, zone)));
        }

        SolarDay? sun = site is null ? null : SolarCalculator.Compute(date, site);
        return new LightingDocument(
            gatewayId,
            town,
            site?.Latitude,
            site?.Longitude,
            site?.TimeZone.Id,
            date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Format(sun?.Sunrise, zone),
            Format(sun?.Sunset, zone),
            Format(sun?.CivilDawn, zone),
            Format(sun?.CivilDusk, zone),
            Format(sun?.SolarMidnight, zone),
            set?.Version,
            groups,
            Format(now, zone),
            status.AppliedCommands,
            status.FailedCommands);
    }

    private static LightingGroupDocument Group(LightingSet set, LightingAssignment assignment, LightingSite site, DateOnly date, DateTimeOffset now, ActiveOverride? active)
    {
        var zone = site.TimeZone;
        var plan = LightingSchedule.PlanDay(set, assignment, site, date);
        var steps = plan.Steps.Select(s => new LightingStepDocument(Format(s.At, zone), s.LevelPercent, DimmingCurve.ArcLevel(s.LevelPercent), s.Source)).ToList();
        LightingChangeDocument? next;
        double? level;
        if (active is null)
        {
            level = LightingSchedule.LevelAt(set, assignment, site, now);
            next = Change(LightingSchedule.NextChange(set, assignment, site, now), zone);
        }
        else
        {
            level = active.LevelPercent;
            var after = LightingSchedule.LevelAt(set, assignment, site, active.Until);
            next = after is null ? null
                : after.Value != active.LevelPercent ? new LightingChangeDocument(Format(active.Until, zone), after.Value)
                : Change(LightingSchedule.NextChange(set, assignment, site, active.Until), zone);
        }

        return new LightingGroupDocument(assignment.Line, assignment.Group, assignment.Calendar, plan.Program, level, steps, next,
            active is null ? null : Override(active, zone));
    }

    private static bool Matches(ActiveOverride o, string line, int? group) => o.Line == line && o.Group == group;

    private static LightingOverrideDocument Override(ActiveOverride o, TimeZoneInfo zone) => new(o.LevelPercent, Format(o.Until, zone), o.CommandId);

    private static LightingChangeDocument? Change(LightingStep? step, TimeZoneInfo zone) =>
        step is null ? null : new LightingChangeDocument(Format(step.At, zone), step.LevelPercent);

    private static string? Format(DateTimeOffset? instant, TimeZoneInfo zone) => instant is { } i ? Format(i, zone) : null;

    /// <summary>ISO-8601 to the second (rounded) with the zone's offset at that instant: 2026-07-14T21:56:12+02:00.</summary>
    internal static string Format(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var rounded = new DateTimeOffset((instant.UtcTicks + (TimeSpan.TicksPerSecond / 2)) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        return TimeZoneInfo.ConvertTime(rounded, zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }
}
