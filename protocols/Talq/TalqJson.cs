using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace City.Protocols.Talq;

/// <summary>
/// Parses, validates and writes the TALQ shapes and the lighting set. Parsing never throws on bad input: it returns false
/// with every problem found, each named by its JSON path ("rules[1].condition.days[0].start: 8 is not a weekday (1-7)").
/// Properties nobody knows are left out; TALQ features this implementation does not run (sensor and value active periods,
/// dynamic controls, Add/Sub/Mul operations, other states, rampFromLevelTime) are refused, never silently ignored.
/// </summary>
public static partial class TalqJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    public static bool TryParseCalendar(string json, out TalqCalendar? c, out IReadOnlyList<string> errors)
    {
        c = Parse(json, (reader, root) => reader.Calendar(root, ""), out errors);
        return c is not null;
    }

    public static bool TryParseControlProgram(string json, out TalqControlProgram? p, out IReadOnlyList<string> errors)
    {
        p = Parse(json, (reader, root) => reader.ControlProgram(root, ""), out errors);
        return p is not null;
    }

    /// <summary>Parses a whole lighting set and checks its references (rules and defaults name programs of the set,
    /// assignments name calendars of the set, ids unique, groups 0-15, one assignment per line and group).</summary>
    public static bool TryParseSet(string json, out LightingSet? s, out IReadOnlyList<string> errors)
    {
        s = Parse(json, Set, out errors);
        return s is not null;
    }

    public static string Serialize(TalqCalendar c) => JsonSerializer.Serialize(c, TalqJsonContext.Default.TalqCalendar);

    public static string Serialize(TalqControlProgram p) =>
        JsonSerializer.Serialize(p, TalqJsonContext.Default.TalqControlProgram);

    public static string Serialize(LightingSet s) => JsonSerializer.Serialize(s, TalqJsonContext.Default.LightingSet);

    private static T? Parse<T>(string json, Func<TalqReader, JsonElement, T?> read, out IReadOnlyList<string> errors)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(json);
        var reader = new TalqReader();
        try
        {
            using var document = JsonDocument.Parse(json, DocumentOptions);
            var value = read(reader, document.RootElement);
            errors = reader.Errors;
            return errors.Count == 0 ? value : null;
        }
        catch (JsonException e)
        {
            reader.Error("", $"not JSON ({e.Message})");
            errors = reader.Errors;
            return null;
        }
    }

    private static LightingSet? Set(TalqReader reader, JsonElement root)
    {
        if (!reader.IsObject(root, ""))
        {
            return null;
        }

        var set = new LightingSet { Version = reader.RequiredString(root, "version", "") ?? "" };
        var issuedAt = reader.RequiredString(root, "issuedAt", "");
        if (issuedAt is not null)
        {
            if (DateTimeOffset.TryParse(issuedAt, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
                && IsoInstant().IsMatch(issuedAt))
            {
                set.IssuedAt = instant;
            }
            else
            {
                reader.Error("issuedAt", $"'{issuedAt}' is not an ISO-8601 instant");
            }
        }

        if (reader.OptionalInt(root, "dayOffset", "") is { } dayOffset)
        {
            if (dayOffset is not (0 or 12))
            {
                reader.Error("dayOffset", $"{dayOffset} is not 0 (midnight to midnight) or 12 (noon to noon)");
            }

            set.DayOffset = dayOffset;
        }

        foreach (var (item, path) in reader.Items(root, "calendars", "", required: true))
        {
            if (reader.Calendar(item, path) is { } calendar)
            {
                set.Calendars.Add(calendar);
            }
        }

        foreach (var (item, path) in reader.Items(root, "controlPrograms", "", required: true))
        {
            if (reader.ControlProgram(item, path) is { } program)
            {
                set.ControlPrograms.Add(program);
            }
        }

        foreach (var (item, path) in reader.Items(root, "assignments", "", required: true))
        {
            if (reader.IsObject(item, path))
            {
                var assignment = new LightingAssignment
                {
                    Line = reader.RequiredString(item, "line", path) ?? "",
                    Group = reader.OptionalInt(item, "group", path),
                    Calendar = reader.RequiredString(item, "calendar", path) ?? "",
                };
                if (assignment.Group is { } group && group is < 0 or > 15)
                {
                    reader.Error($"{path}.group", $"{group} is not a DALI group (0-15)");
                }

                set.Assignments.Add(assignment);
            }
        }

        CheckReferences(reader, set);
        return set;
    }

    private static void CheckReferences(TalqReader reader, LightingSet set)
    {
        var programs = Unique(reader, set.ControlPrograms.Select(p => p.Id), "controlPrograms", "control program");
        var calendars = Unique(reader, set.Calendars.Select(c => c.Id), "calendars", "calendar");
        for (var c = 0; c < set.Calendars.Count; c++)
        {
            var calendar = set.Calendars[c];
            for (var r = 0; r < calendar.Rules.Count; r++)
            {
                var program = calendar.Rules[r].Program;
                if (program.Length > 0 && !programs.Contains(program))
                {
                    reader.Error($"calendars[{c}].rules[{r}].program", $"no control program '{program}' in the set");
                }
            }

            if (calendar.DefaultProgram is { } fallback && !programs.Contains(fallback))
            {
                reader.Error($"calendars[{c}].defaultProgram", $"no control program '{fallback}' in the set");
            }
        }

        var targets = new Dictionary<(string Line, int? Group), int>();
        for (var a = 0; a < set.Assignments.Count; a++)
        {
            var assignment = set.Assignments[a];
            if (assignment.Calendar.Length > 0 && !calendars.Contains(assignment.Calendar))
            {
                reader.Error($"assignments[{a}].calendar", $"no calendar '{assignment.Calendar}' in the set");
            }

            if (!targets.TryAdd((assignment.Line, assignment.Group), a))
            {
                reader.Error($"assignments[{a}]",
                    $"{Target(assignment)} is already assigned by assignments[{targets[(assignment.Line, assignment.Group)]}]");
            }
        }

        foreach (var line in set.Assignments.GroupBy(a => a.Line))
        {
            if (line.Any(a => a.Group is null) && line.Any(a => a.Group is not null))
            {
                var index = set.Assignments.IndexOf(line.First(a => a.Group is not null));
                reader.Error($"assignments[{index}]",
                    $"line '{line.Key}' has a whole-line assignment: its groups cannot also be assigned");
            }
        }
    }

    private static string Target(LightingAssignment a) =>
        a.Group is { } group ? $"line '{a.Line}' group {group}" : $"line '{a.Line}' (whole line)";

    private static HashSet<string> Unique(TalqReader reader, IEnumerable<string> ids, string array, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var id in ids)
        {
            if (id.Length > 0 && !seen.Add(id))
            {
                reader.Error($"{array}[{index}].id", $"{what} '{id}' appears twice");
            }

            index++;
        }

        return seen;
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")]
    private static partial Regex IsoInstant();
}
