namespace City.TestSupport;

/// <summary>
/// The city example of the lighting design as a lighting set for one gateway: "on at dusk, 50% from 23:00 to 05:00, off at
/// dawn, full power on 14 July" (programs night-dim and full-night, calendar dijon), run on groups 1 and 2 of a DALI
/// line. The site it is meant for: Dijon, 47.32 N 5.04 E, Europe/Paris.
/// </summary>
public static class CityLightingExample
{
    public const double Latitude = 47.32;

    public const double Longitude = 5.04;

    public const string TimeZone = "Europe/Paris";

    /// <summary>The set's JSON with <paramref name="line"/> as the DALI line of both assignments (version left for the caller to compute).</summary>
    public static string SetJson(string line = "lights") => $$"""
        {
          "version": "example",
          "issuedAt": "2026-07-01T00:00:00Z",
          "dayOffset": 12,
          "calendars": [
            { "id": "dijon", "ownerCMS": "city", "rules": [
              { "startDate": "--07-14", "endDate": "--07-14", "program": "full-night" },
              { "program": "night-dim" } ] }
          ],
          "controlPrograms": [
            { "type": "ControlProgramOne", "id": "night-dim", "ownerCMS": "city",
              "activePeriods": [ { "name": "AstroClockActivePeriod", "sunsetOffset": 0, "sunriseOffset": 0 } ],
              "fixedTimeControls": [
                { "startTime": "12:00:00", "command": { "state": { "name": "LevelState", "value": 100 } } },
                { "startTime": "23:00:00", "command": { "state": { "name": "LevelState", "value": 50 } } },
                { "startTime": "05:00:00", "command": { "state": { "name": "LevelState", "value": 100 } } } ] },
            { "type": "ControlProgramOne", "id": "full-night", "ownerCMS": "city",
              "activePeriods": [ { "name": "AstroClockActivePeriod", "sunsetOffset": 0, "sunriseOffset": 0 } ],
              "fixedTimeControls": [
                { "startTime": "12:00:00", "command": { "state": { "name": "LevelState", "value": 100 } } } ] }
          ],
          "assignments": [
            { "line": "{{line}}", "group": 1, "calendar": "dijon" },
            { "line": "{{line}}", "group": 2, "calendar": "dijon" }
          ]
        }
        """;
}
