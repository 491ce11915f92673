using System.Globalization;
using System.Text.Json;
using City.Protocols.Talq;

namespace City.Central.Lighting;

/// <summary>
/// Pure pieces of the lighting programs: ids, the assignment body (every problem named by its path), which programs a
/// calendar uses, and the set of one gateway (only the calendars and programs its assignment uses).
/// </summary>
internal static class LightingSetBuilder
{
    public const int MaxIdLength = 64;
    public const int MaxGroups = 16 * 64;

    /// <summary>A calendar, program or line id: 1-64 of A-Z a-z 0-9 . _ - (it is a path segment).</summary>
    public static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public const string IdRule = "1-64 of A-Z a-z 0-9 . _ -";

    /// <summary>The programs a calendar names: its rules' and its default program, without repeats, in order.</summary>
    public static IEnumerable<string> ProgramsOf(TalqCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return calendar.Rules.Select(r => r.Program).Append(calendar.DefaultProgram).OfType<string>().Where(p => p.Length > 0).Distinct(StringComparer.Ordinal);
    }

    /// <summary>The problems of a calendar's references: each program it names must exist.</summary>
    public static List<string> UnknownPrograms(TalqCalendar calendar, Func<string, bool> programExists)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(programExists);
        var problems = new List<string>();
        for (var i = 0; i < calendar.Rules.Count; i++)
        {
            if (!programExists(calendar.Rules[i].Program))
            {
                problems.Add($"rules[{i}].program: unknown control program '{calendar.Rules[i].Program}'.");
            }
        }

        if (calendar.DefaultProgram is { Length: > 0 } fallback && !programExists(fallback))
        {
            problems.Add($"defaultProgram: unknown control program '{fallback}'.");
        }

        return problems;
    }

    /// <summary>
    /// The set a gateway runs: its assignment, the calendars it names and the programs those name, sorted by id (so the
    /// version depends on the content only), issued at <paramref name="issuedAt"/>, its version computed.
    /// </summary>
    public static LightingSet Build(
        GatewayAssignment assignment,
        IReadOnlyDictionary<string, TalqCalendar> calendars,
        IReadOnlyDictionary<string, TalqControlProgram> programs,
        DateTimeOffset issuedAt)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(calendars);
        ArgumentNullException.ThrowIfNull(programs);
        var usedCalendars = assignment.Groups.Select(g => g.Calendar).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(id => calendars[id]).ToList();
        var usedPrograms = usedCalendars.SelectMany(ProgramsOf).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(id => programs[id]).ToList();
        var set = new LightingSet
        {
            IssuedAt = issuedAt,
            DayOffset = assignment.DayOffset,
            Calendars = usedCalendars,
            ControlPrograms = usedPrograms,
            Assignments = [.. assignment.Groups.Select(g => new LightingAssignment { Line = g.Line, Group = g.Group, Calendar = g.Calendar })],
        };
        set.Version = set.ComputeVersion();
        return set;
    }

    /// <summary>
    /// Reads an assignment body <c>{"dayOffset":12,"groups":[{"line":"lights-a","group":null,"calendar":"dijon"}]}</c>;
    /// every problem names its path; a calendar must exist.
    /// </summary>
    public static bool TryParseAssignment(JsonElement body, Func<string, bool> calendarExists, out GatewayAssignment assignment, out List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(calendarExists);
        assignment = GatewayAssignment.Empty;
        problems = [];
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems.Add("body: a JSON object {\"dayOffset\":12,\"groups\":[...]} is required.");
            return false;
        }

        foreach (var property in body.EnumerateObject().Where(p => p.Name is not ("dayOffset" or "groups" or "gateway")))
        {
            problems.Add($"{property.Name}: not a field of an assignment (fields: dayOffset, groups).");
        }

        var dayOffset = 12;
        if (body.TryGetProperty("dayOffset", out var offset)
            && (offset.ValueKind != JsonValueKind.Number || !offset.TryGetInt32(out dayOffset) || dayOffset is not (0 or 12)))
        {
            problems.Add($"dayOffset: {offset.GetRawText()} is not 0 or 12 (the hour a program day starts).");
        }

        var groups = new List<LightingAssignment>();
        if (!body.TryGetProperty("groups", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() is 0 or > MaxGroups)
        {
            problems.Add($"groups: a list of 1 to {MaxGroups} {{\"line\",\"group\",\"calendar\"}} is required.");
        }
        else
        {
            var index = 0;
            var seen = new HashSet<(string, int?)>();
            foreach (var item in items.EnumerateArray())
            {
                if (TryParseGroup(item, $"groups[{index}]", calendarExists, problems) is { } group)
                {
                    if (seen.Add((group.Line, group.Group)))
                    {
                        groups.Add(group);
                    }
                    else
                    {
                        var which = group.Group is { } g ? "group " + g.ToString(CultureInfo.InvariantCulture) : "(the whole line)";
                        problems.Add($"groups[{index}]: line '{group.Line}' {which} is assigned twice.");
                    }
                }

                index++;
            }
        }

        if (problems.Count > 0)
        {
            return false;
        }

        assignment = new GatewayAssignment(dayOffset, groups);
        return true;
    }

    private static LightingAssignment? TryParseGroup(JsonElement item, string path, Func<string, bool> calendarExists, List<string> problems)
    {
        var before = problems.Count;
        if (item.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: an object {{\"line\",\"group\",\"calendar\"}} is required.");
            return null;
        }

        foreach (var property in item.EnumerateObject().Where(p => p.Name is not ("line" or "group" or "calendar")))
        {
            problems.Add($"{path}.{property.Name}: not a field of an assigned group (fields: line, group, calendar).");
        }

        var line = item.TryGetProperty("line", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
        if (!IsValidId(line))
        {
            problems.Add($"{path}.line: {(item.TryGetProperty("line", out var raw) ? raw.GetRawText() : "missing")}, a DALI line name ({IdRule}) is required.");
        }

        if (item.TryGetProperty("group", out var group) && group.ValueKind != JsonValueKind.Null
            && (group.ValueKind != JsonValueKind.Number || !group.TryGetInt32(out var number) || number is < 0 or > 15))
        {
            problems.Add($"{path}.group: {group.GetRawText()} is not a DALI group 0-15, nor null (the whole line).");
        }

        var calendar = item.TryGetProperty("calendar", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (calendar is null)
        {
            problems.Add($"{path}.calendar: required (a calendar id).");
        }
        else if (!calendarExists(calendar))
        {
            problems.Add($"{path}.calendar: unknown calendar '{calendar}'.");
        }

        return problems.Count > before ? null : new LightingAssignment { Line = line!, Group = GroupOf(item), Calendar = calendar! };
    }

    private static int? GroupOf(JsonElement item) =>
        item.TryGetProperty("group", out var group) && group.ValueKind == JsonValueKind.Number ? group.GetInt32() : null;
}
