using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace City.EdgeCtl;

/// <summary>
/// <c>edgectl lighting [--date yyyy-mm-dd] [--json]</c>: GET /v1/lighting. A bad date is a usage error (exit 2, nothing
/// asked of the edge); an edge without a site or a lighting set is no error (a line saying so, exit 0).
/// </summary>
internal static class LightingCommand
{
    public const int ExitUsage = 2;

    public static Command Create(Option<string> socketOption, Option<bool> jsonOption, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(socketOption);
        ArgumentNullException.ThrowIfNull(jsonOption);
        var dateOption = new Option<string>("--date")
        {
            Description = "A program day, yyyy-mm-dd (default: the one in force now): its steps from the set's day start (noon) to the next, "
                + "the sunrise and sunset of that date",
        };
        var lighting = new Command("lighting", "The cabinet's lighting: sunrise and sunset, each group's calendar, program, steps and level, the next change, overrides")
        {
            dateOption,
        };
        lighting.SetAction((parse, cancellation) =>
        {
            var path = PathFor(parse.GetValue(dateOption), out var problem);
            if (path is null)
            {
                error.WriteLine($"edgectl: {problem}");
                return Task.FromResult(ExitUsage);
            }

            return Commands.RunAsync(parse.GetValue(socketOption)!, path, parse.GetValue(jsonOption), LightingView.Print, output, error, cancellation);
        });
        return lighting;
    }

    /// <summary>/v1/lighting, with ?date= when given; null (and the problem) for a date that is not a real yyyy-mm-dd.</summary>
    internal static string? PathFor(string? date, out string? problem)
    {
        problem = null;
        if (date is null)
        {
            return "/v1/lighting";
        }

        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            problem = $"bad date '{date}': expected a program day as yyyy-mm-dd (e.g. 2026-07-14)";
            return null;
        }

        // As the edge: the solar algorithm holds from 1900 to 2100 (the edge answers the same refusal).
        if (day.Year is < 1900 or > 2100)
        {
            problem = $"bad date '{date}': program days run from 1900-01-01 to 2100-12-31";
            return null;
        }

        return "/v1/lighting?date=" + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}

/// <summary>The lighting document as a technician reads it: the site and sun first, then one block per group.</summary>
internal static class LightingView
{
    public static void Print(JsonElement lighting, TextWriter output)
    {
        var town = StatusView.Text(lighting, "town");
        var latitude = Number(lighting, "latitude");
        var longitude = Number(lighting, "longitude");
        if (latitude is null || longitude is null)
        {
            output.WriteLine($"gateway   {StatusView.Text(lighting, "gatewayId")}  now {Local(StatusView.Text(lighting, "now"))}");
            output.WriteLine("site      NONE: no Edge:Site configured (Town, Latitude, Longitude, TimeZone): no sun, programs run on the system's time zone");
        }
        else
        {
            var where = $"{Degrees(latitude.Value, 'N', 'S')} {Degrees(longitude.Value, 'E', 'W')}";
            output.WriteLine($"gateway   {StatusView.Text(lighting, "gatewayId")}  {(town == "-" ? string.Empty : town + "  ")}{where}  {StatusView.Text(lighting, "timeZone")}  now {Local(StatusView.Text(lighting, "now"))}");
            output.WriteLine($"day       {StatusView.Text(lighting, "date")}  sunrise {Clock(lighting, "sunrise")}  sunset {Clock(lighting, "sunset")}  "
                + $"civil dawn {Clock(lighting, "civilDawn")}  civil dusk {Clock(lighting, "civilDusk")}  solar midnight {Local(StatusView.Text(lighting, "solarMidnight"))}");
        }

        var version = StatusView.Text(lighting, "lightingVersion");
        output.WriteLine(version == "-"
            ? "set       NONE: no lighting set applied yet (central pushes one when calendars are assigned to this gateway)"
            : $"set       {version}  DALI level commands sent {StatusView.Text(lighting, "appliedCommands")}, failed {StatusView.Text(lighting, "failedCommands")}");

        foreach (var group in Array(lighting, "groups"))
        {
            output.WriteLine();
            PrintGroup(group, output);
        }
    }

    private static void PrintGroup(JsonElement group, TextWriter output)
    {
        var target = group.TryGetProperty("group", out var g) && g.ValueKind == JsonValueKind.Number ? $"group {g.GetInt32()}" : "whole line";
        var calendar = StatusView.Text(group, "calendar");
        var program = StatusView.Text(group, "program");
        var now = Percent(group, "levelPercent");
        var running = calendar == "-" ? "no calendar" : $"calendar {calendar}  program {(program == "-" ? "none (the edge leaves these lamps alone)" : program)}";
        output.WriteLine($"{StatusView.Text(group, "line")} {target}  {running}  now {now}");
        if (group.TryGetProperty("override", out var o) && o.ValueKind == JsonValueKind.Object)
        {
            output.WriteLine($"  OVERRIDE {Percent(o, "levelPercent")} until {Local(StatusView.Text(o, "until"))} (command {StatusView.Text(o, "commandId")})");
        }

        if (group.TryGetProperty("nextChange", out var next) && next.ValueKind == JsonValueKind.Object)
        {
            output.WriteLine($"  next change {Local(StatusView.Text(next, "at"))} -> {Percent(next, "levelPercent")}");
        }

        var steps = Array(group, "steps").ToList();
        if (steps.Count == 0)
        {
            return;
        }

        output.WriteLine($"  {"at",-25} {"level",6} {"arc",4}  source");
        foreach (var step in steps)
        {
            output.WriteLine($"  {Local(StatusView.Text(step, "at")),-25} {Percent(step, "levelPercent"),6} {StatusView.Text(step, "arcLevel"),4}  {StatusView.Text(step, "source")}");
        }
    }

    /// <summary>"2026-07-14T21:53:10+02:00" as "2026-07-14 21:53:10 +02:00" (the edge already gives the site's offset).</summary>
    private static string Local(string iso) =>
        DateTimeOffset.TryParseExact(iso, "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)
            : iso;

    /// <summary>The local time of day of a sun event, "-" when the sun does not rise or set that day.</summary>
    private static string Clock(JsonElement element, string name)
    {
        var iso = StatusView.Text(element, name);
        return DateTimeOffset.TryParseExact(iso, "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at.ToString("HH:mm:ss", CultureInfo.InvariantCulture)
            : iso;
    }

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static string Percent(JsonElement element, string name) =>
        Number(element, name) is { } percent ? percent.ToString("0.#", CultureInfo.InvariantCulture) + "%" : "-";

    private static string Degrees(double value, char positive, char negative) =>
        Math.Abs(value).ToString("0.0###", CultureInfo.InvariantCulture) + " " + (value < 0 ? negative : positive);

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];
}
