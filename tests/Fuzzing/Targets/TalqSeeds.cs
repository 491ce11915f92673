using System.Text;

namespace City.Fuzzing.Targets;

/// <summary>The city example of tests/Talq.Tests (CityExample.cs, TalqJsonTests.cs): Dijon's calendar and two control programs.</summary>
internal static class TalqSeeds
{
    private const string NightDim =
        """{"type":"ControlProgramOne","id":"night-dim","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}],"fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100}}},{"startTime":"23:00:00","command":{"state":{"name":"LevelState","value":50}}},{"startTime":"05:00:00","command":{"state":{"name":"LevelState","value":100}}}]}""";

    private const string FullNight =
        """{"type":"ControlProgramOne","id":"full-night","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}],"fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100}}}]}""";

    private const string Bounded =
        """{"type":"ControlProgramOne","id":"bounded","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":-10,"sunriseOffset":15,"sunsetNotBefore":"17:00:00","sunsetNotAfter":"22:00:00","sunriseNotBefore":"05:00:00","sunriseNotAfter":"07:30:00"}],"fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100},"rampToLevelTime":2.5}},{"startTime":"00:00:00","command":{"state":{"name":"LevelState","value":30}},"solarMidnightOffset":-60}],"astroClockTimeControls":[{"offset":30,"solarEventType":"sunset","operation":"Max","command":{"state":{"name":"BooleanState","value":true}}}]}""";

    private const string Calendar =
        """{"id":"dijon","ownerCMS":"central","rules":[{"startDate":"--07-14","endDate":"--07-14","program":"full-night"},{"program":"night-dim"}]}""";

    public static IEnumerable<byte[]> Documents()
    {
        yield return Encoding.UTF8.GetBytes(
            """{"version":"v1","issuedAt":"2026-07-01T08:00:00+00:00","dayOffset":12,"calendars":[""" + Calendar
            + """],"controlPrograms":[""" + NightDim + "," + FullNight + "," + Bounded
            + """],"assignments":[{"line":"lights-a","calendar":"dijon"},{"line":"lights-b","group":3,"calendar":"dijon"}]}""");
        yield return Encoding.UTF8.GetBytes(Calendar);
        yield return Encoding.UTF8.GetBytes(Bounded);
        yield return Encoding.UTF8.GetBytes("""{"id":"weekdays","rules":[{"condition":{"name":"ccDay","days":[{"start":1,"end":5}],"occurrences":[1,"L"]},"program":"night-dim"},{"condition":{"name":"ccDate","dates":[{"start":"---01","end":"--12-24"}]},"program":"full-night"}]}""");
    }
}
