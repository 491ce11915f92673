using System.Globalization;
using System.Text.Json.Nodes;
using City.Protocols.Talq;

namespace City.EndToEnd.Tests;

/// <summary>
/// The city's lighting example of issue 14 for Dijon ("on at dusk, 50 % from 23:00 to 05:00, off at dawn, full power on
/// 14 July") as the TALQ JSON central is given, the same set parsed for <see cref="LightingSchedule"/>, and the energy a
/// DALI line under it implies with citysim's power model.
/// </summary>
internal static class NightPlan
{
    public const string Calendar = "dijon";
    public static readonly LightingSite Dijon = new(47.32, 5.04, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));

    public static JsonObject NightDim() => Program("night-dim", (12, 100), (23, 50), (5, 100));

    public static JsonObject FullNight() => Program("full-night", (12, 100));

    public static JsonObject DijonCalendar() => new()
    {
        ["id"] = Calendar,
        ["ownerCMS"] = "city",
        ["rules"] = new JsonArray
        {
            new JsonObject { ["startDate"] = "--07-14", ["endDate"] = "--07-14", ["program"] = "full-night" },
            new JsonObject { ["program"] = "night-dim" },
        },
    };

    /// <summary>The body of <c>PUT /api/v1/lighting/assignments/{gateway}</c>: the calendar on the whole line.</summary>
    public static JsonObject Assignment(string line) => new()
    {
        ["dayOffset"] = 12,
        ["groups"] = new JsonArray { new JsonObject { ["line"] = line, ["group"] = null, ["calendar"] = Calendar } },
    };

    /// <summary>The set the edge runs for that assignment, parsed from the same JSON.</summary>
    public static (LightingSet Set, LightingAssignment Assignment) Set(string line)
    {
        var set = new LightingSet { Version = "test", IssuedAt = DateTimeOffset.UnixEpoch, DayOffset = 12 };
        Assert.True(TalqJson.TryParseCalendar(DijonCalendar().ToJsonString(), out var calendar, out var errors), string.Join("; ", errors));
        set.Calendars.Add(calendar!);
        foreach (var program in new[] { NightDim(), FullNight() })
        {
            Assert.True(TalqJson.TryParseControlProgram(program.ToJsonString(), out var parsed, out errors), string.Join("; ", errors));
            set.ControlPrograms.Add(parsed!);
        }

        var assignment = new LightingAssignment { Line = line, Group = null, Calendar = Calendar };
        set.Assignments.Add(assignment);
        return (set, assignment);
    }

    /// <summary>The level changes from <paramref name="from"/> to <paramref name="to"/>: (start, level %) pieces, the first at <paramref name="from"/>.</summary>
    public static List<(DateTimeOffset Start, double LevelPercent)> Levels(LightingSet set, LightingAssignment assignment, DateTimeOffset from, DateTimeOffset to)
    {
        var pieces = new List<(DateTimeOffset, double)> { (from, LightingSchedule.LevelAt(set, assignment, Dijon, from) ?? 0) };
        var at = from;
        while (LightingSchedule.NextChange(set, assignment, Dijon, at) is { } next && next.At < to)
        {
            pieces.Add((next.At, next.LevelPercent));
            at = next.At;
        }

        return pieces;
    }

    /// <summary>Wh one gear draws from <paramref name="from"/> to <paramref name="to"/> under the program, standby included.</summary>
    public static double ImpliedWh(LightingSet set, LightingAssignment assignment, DateTimeOffset from, DateTimeOffset to, GearPower power)
    {
        var pieces = Levels(set, assignment, from, to);
        double wh = 0;
        for (int i = 0; i < pieces.Count; i++)
        {
            var end = i + 1 < pieces.Count ? pieces[i + 1].Start : to;
            wh += power.InputWatts(DimmingCurve.ArcLevel(pieces[i].LevelPercent)) * (end - pieces[i].Start).TotalHours;
        }

        return wh;
    }

    /// <summary>
    /// The least and most Wh one gear can have drawn when step i (i >= 1 of <see cref="Levels"/>) switched somewhere between
    /// its planned start and <paramref name="latestSwitches"/>[i - 1], the first reading at its new level. Energy is linear
    /// in each switch time, so each bound takes every step at one end of its window.
    /// </summary>
    public static (double Least, double Most) ImpliedWhRange(List<(DateTimeOffset Start, double LevelPercent)> pieces, IReadOnlyList<DateTimeOffset> latestSwitches, DateTimeOffset to, GearPower power)
    {
        double onTime = 0, least = 0, most = 0;
        for (int i = 0; i < pieces.Count; i++)
        {
            var end = i + 1 < pieces.Count ? pieces[i + 1].Start : to;
            onTime += power.InputWatts(DimmingCurve.ArcLevel(pieces[i].LevelPercent)) * (end - pieces[i].Start).TotalHours;
        }

        for (int i = 1; i < pieces.Count; i++)
        {
            // A late switch keeps the previous level for the delay instead of the new one.
            double lateBy = Math.Max(0, (latestSwitches[i - 1] - pieces[i].Start).TotalHours);
            double change = (power.InputWatts(DimmingCurve.ArcLevel(pieces[i - 1].LevelPercent)) - power.InputWatts(DimmingCurve.ArcLevel(pieces[i].LevelPercent))) * lateBy;
            least += Math.Min(0, change);
            most += Math.Max(0, change);
        }

        return (onTime + least, onTime + most);
    }

    private static JsonObject Program(string id, params (int Hour, int Level)[] steps)
    {
        var controls = new JsonArray();
        foreach (var (hour, level) in steps)
        {
            controls.Add(new JsonObject
            {
                ["startTime"] = string.Create(CultureInfo.InvariantCulture, $"{hour:D2}:00:00"),
                ["command"] = new JsonObject { ["state"] = new JsonObject { ["name"] = "LevelState", ["value"] = level } },
            });
        }

        return new JsonObject
        {
            ["type"] = "ControlProgramOne",
            ["id"] = id,
            ["ownerCMS"] = "city",
            ["activePeriods"] = new JsonArray { new JsonObject { ["name"] = "AstroClockActivePeriod", ["sunsetOffset"] = 0, ["sunriseOffset"] = 0 } },
            ["fixedTimeControls"] = controls,
        };
    }
}

/// <summary>
/// citysim dali's power model (simulators/CitySim/README.md): input W = light fraction x rated / efficiency(fraction) +
/// standby, the fraction from the DALI logarithmic curve, efficiency linear between (fraction, efficiency) points.
/// </summary>
internal sealed record GearPower(double RatedWatts, double StandbyWatts, (double Fraction, double Efficiency)[] Curve)
{
    /// <summary>The <c>--driver-efficiency</c> argument of citysim for <see cref="Curve"/>.</summary>
    public string CurveArgument => string.Join(',', Curve.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Fraction}:{p.Efficiency}")));

    public double InputWatts(byte arcLevel)
    {
        if (arcLevel == 0)
        {
            return StandbyWatts;
        }

        double fraction = Math.Pow(10, ((arcLevel - 1) / (253.0 / 3.0)) - 1) / 100.0;
        return (fraction * RatedWatts / Efficiency(fraction)) + StandbyWatts;
    }

    private double Efficiency(double fraction)
    {
        if (fraction <= Curve[0].Fraction)
        {
            return Curve[0].Efficiency;
        }

        for (int i = 1; i < Curve.Length; i++)
        {
            if (fraction <= Curve[i].Fraction)
            {
                var (f0, e0) = Curve[i - 1];
                var (f1, e1) = Curve[i];
                return e0 + ((e1 - e0) * (fraction - f0) / (f1 - f0));
            }
        }

        return Curve[^1].Efficiency;
    }
}
