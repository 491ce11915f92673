using City.Protocols.Talq;

namespace Talq.Tests;

/// <summary>"On at dusk, 50% from 23:00 to 05:00, off at dawn, full power on 14 July", as a city writes it.</summary>
internal static class CityExample
{
    public static readonly LightingSite Dijon = new(47.32, 5.04, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));

    public const string NightDimJson =
        """{"type":"ControlProgramOne","id":"night-dim","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}],"fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100}}},{"startTime":"23:00:00","command":{"state":{"name":"LevelState","value":50}}},{"startTime":"05:00:00","command":{"state":{"name":"LevelState","value":100}}}]}""";

    public const string FullNightJson =
        """{"type":"ControlProgramOne","id":"full-night","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}],"fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100}}}]}""";

    public const string CalendarJson =
        """{"id":"dijon","ownerCMS":"central","rules":[{"startDate":"--07-14","endDate":"--07-14","program":"full-night"},{"program":"night-dim"}]}""";

    public static TalqControlProgram NightDim() => Program("night-dim", Astro(0, 0),
        Fixed("12:00:00", 100), Fixed("23:00:00", 50), Fixed("05:00:00", 100));

    public static TalqControlProgram FullNight() => Program("full-night", Astro(0, 0), Fixed("12:00:00", 100));

    public static TalqCalendar Calendar() => new()
    {
        Id = "dijon",
        OwnerCms = "central",
        Rules =
        [
            new TalqCalendarRule { StartDate = "--07-14", EndDate = "--07-14", Program = "full-night" },
            new TalqCalendarRule { Program = "night-dim" },
        ],
    };

    public static LightingSet Set(int dayOffset = 12) => new()
    {
        Version = "v1",
        IssuedAt = new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero),
        DayOffset = dayOffset,
        Calendars = [Calendar()],
        ControlPrograms = [NightDim(), FullNight()],
        Assignments = [new LightingAssignment { Line = "lights-a", Calendar = "dijon" }],
    };

    public static LightingAssignment WholeLine(LightingSet set) => set.Assignments[0];

    public static TalqControlProgram Program(string id, TalqActivePeriod? period, params TalqFixedTimeControl[] controls) =>
        new()
        {
            Id = id,
            OwnerCms = "central",
            ActivePeriods = period is null ? [] : [period],
            FixedTimeControls = [.. controls],
        };

    public static TalqActivePeriod Astro(int sunsetOffset, int sunriseOffset) =>
        new() { Name = "AstroClockActivePeriod", SunsetOffset = sunsetOffset, SunriseOffset = sunriseOffset };

    public static TalqFixedTimeControl Fixed(string startTime, int percent) =>
        new() { StartTime = startTime, Command = new TalqCommand { State = TalqState.Level(percent) } };

    /// <summary>A set running <paramref name="program"/> every day on one whole line.</summary>
    public static LightingSet Only(TalqControlProgram program, int dayOffset = 12) => new()
    {
        Version = "t",
        IssuedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        DayOffset = dayOffset,
        Calendars = [new TalqCalendar { Id = "every-day", OwnerCms = "central", DefaultProgram = program.Id }],
        ControlPrograms = [program],
        Assignments = [new LightingAssignment { Line = "lights-a", Calendar = "every-day" }],
    };
}
