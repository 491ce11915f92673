using System.Text;
using City.Protocols.Talq;

namespace City.Fuzzing.Targets;

/// <summary>
/// TALQ JSON as central's API and the edge's lighting command read it: a lighting set, a calendar or a control
/// program; a set that parses is planned for a day as the edge runs it.
/// </summary>
internal static class TalqTargets
{
    // Dijon, the example town of tests/Talq.Tests; UTC keeps the fuzzer free of the machine's time zone database.
    private static readonly LightingSite Site = new(47.32, 5.04, TimeZoneInfo.Utc);

    public static void Json(ReadOnlySpan<byte> input)
    {
        string json = Encoding.UTF8.GetString(input);
        if (TalqJson.TryParseSet(json, out LightingSet? set, out _) && set is not null)
        {
            foreach (LightingAssignment assignment in set.Assignments)
            {
                LightingSchedule.PlanDay(set, assignment, Site, new DateOnly(2026, 7, 14));
            }

            TalqJson.Serialize(set);
        }

        TalqJson.TryParseCalendar(json, out _, out _);
        TalqJson.TryParseControlProgram(json, out _, out _);
    }
}
