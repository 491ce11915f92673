using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace City.Protocols.Talq;

/// <summary>Reads the TALQ shapes out of a parsed document, naming every problem by its JSON path.</summary>
internal sealed partial class TalqReader
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public void Error(string path, string message) => _errors.Add($"{(path.Length == 0 ? "$" : path)}: {message}");

    public TalqCalendar? Calendar(JsonElement element, string path)
    {
        if (!IsObject(element, path))
        {
            return null;
        }

        var calendar = new TalqCalendar
        {
            Id = RequiredString(element, "id", path) ?? "",
            OwnerCms = RequiredString(element, "ownerCMS", path, allowEmpty: true) ?? "",
            DefaultProgram = OptionalString(element, "defaultProgram", path),
        };
        foreach (var (rule, rulePath) in Items(element, "rules", path, required: false))
        {
            if (Rule(rule, rulePath) is { } parsed)
            {
                calendar.Rules.Add(parsed);
            }
        }

        return calendar;
    }

    public TalqControlProgram? ControlProgram(JsonElement element, string path)
    {
        if (!IsObject(element, path))
        {
            return null;
        }

        var type = RequiredString(element, "type", path);
        if (type is not null and not "ControlProgramOne")
        {
            Error(Join(path, "type"), $"'{type}' is not supported (only ControlProgramOne)");
        }

        var program = new TalqControlProgram
        {
            Id = RequiredString(element, "id", path) ?? "",
            OwnerCms = RequiredString(element, "ownerCMS", path, allowEmpty: true) ?? "",
        };
        foreach (var (period, periodPath) in Items(element, "activePeriods", path, required: true))
        {
            if (ActivePeriod(period, periodPath) is { } parsed)
            {
                program.ActivePeriods.Add(parsed);
            }
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var (control, controlPath) in Items(element, "fixedTimeControls", path, required: true))
        {
            if (FixedTimeControl(control, controlPath) is { } parsed)
            {
                program.FixedTimeControls.Add(parsed);
                if (parsed.SolarMidnightOffset is null && !seen.TryAdd(parsed.StartTime, index))
                {
                    Error(Join(controlPath, "startTime"),
                        $"{parsed.StartTime} is already the start of fixedTimeControls[{seen[parsed.StartTime]}]");
                }
            }

            index++;
        }

        if (element.TryGetProperty("astroClockTimeControls", out _))
        {
            program.AstroClockTimeControls = [];
            foreach (var (control, controlPath) in Items(element, "astroClockTimeControls", path, required: false))
            {
                if (AstroControl(control, controlPath) is { } parsed)
                {
                    program.AstroClockTimeControls.Add(parsed);
                }
            }
        }

        if (element.TryGetProperty("dynamicControls", out var dynamic)
            && !(dynamic.ValueKind == JsonValueKind.Array && dynamic.GetArrayLength() == 0))
        {
            Error(Join(path, "dynamicControls"), "dynamic (sensor-driven) controls are not supported");
        }

        return program;
    }

    private TalqCalendarRule? Rule(JsonElement element, string path)
    {
        if (!IsObject(element, path))
        {
            return null;
        }

        var rule = new TalqCalendarRule
        {
            StartDate = OptionalString(element, "startDate", path),
            EndDate = OptionalString(element, "endDate", path),
            Program = RequiredString(element, "program", path) ?? "",
        };
        var start = RuleDate(rule.StartDate, Join(path, "startDate"));
        var end = RuleDate(rule.EndDate, Join(path, "endDate"));
        if (start is { } s && end is { } e)
        {
            if (s.Year is null != e.Year is null)
            {
                Error(Join(path, "endDate"), "startDate and endDate must both be yyyy-mm-dd or both --mm-dd");
            }
            else if (s.Year is not null && s.Date > e.Date)
            {
                Error(Join(path, "endDate"), $"{rule.EndDate} is before startDate {rule.StartDate}");
            }
        }

        if (element.TryGetProperty("condition", out var condition) && condition.ValueKind != JsonValueKind.Null)
        {
            rule.Condition = Condition(condition, Join(path, "condition"));
        }

        return rule;
    }

    private TalqCondition? Condition(JsonElement element, string path)
    {
        if (!IsObject(element, path))
        {
            return null;
        }

        var type = RequiredString(element, "type", path);
        var condition = new TalqCondition { Type = type ?? "" };
        if (type == "ccDay")
        {
            condition.Days = [];
            foreach (var (day, dayPath) in Items(element, "days", path, required: true))
            {
                if (DayRange(day, dayPath) is { } parsed)
                {
                    condition.Days.Add(parsed);
                }
            }

            if (condition.Days.Count > 7)
            {
                Error(Join(path, "days"), "at most 7 items");
            }

            if (element.TryGetProperty("occurrences", out _))
            {
                condition.Occurrences = Occurrences(element, path);
            }

            Refuse(element, "dates", path, "dates belongs to a ccDate condition");
        }
        else if (type == "ccDate")
        {
            condition.Dates = [];
            foreach (var (date, datePath) in Items(element, "dates", path, required: true))
            {
                if (DateItem(date, datePath) is { } parsed)
                {
                    condition.Dates.Add(parsed);
                }
            }

            Refuse(element, "days", path, "days belongs to a ccDay condition");
            Refuse(element, "occurrences", path, "occurrences belongs to a ccDay condition");
        }
        else if (type is not null)
        {
            Error(Join(path, "type"), $"'{type}' is not a condition type (ccDay or ccDate)");
        }

        return condition;
    }

    private List<string> Occurrences(JsonElement element, string path)
    {
        var occurrences = new List<string>();
        foreach (var (item, itemPath) in Items(element, "occurrences", path, required: false))
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                Error(itemPath, "expected a string (1-5 or L)");
                continue;
            }

            var value = item.GetString()!;
            if (value is not ("1" or "2" or "3" or "4" or "5" or "L"))
            {
                Error(itemPath, $"'{value}' is not an occurrence (1-5 or L)");
            }
            else if (occurrences.Contains(value))
            {
                Error(itemPath, $"'{value}' is repeated");
            }
            else
            {
                occurrences.Add(value);
            }
        }

        return occurrences;
    }

    private TalqDayRange? DayRange(JsonElement element, string path)
    {
        if (!IsObject(element, path))
        {
            return null;
        }

        var start = RequiredInt(element, "start", path);
        var end = OptionalInt(element, "end", path);
        if (start is { } s && (s < 1 || s > 7))
        {
            Error(Join(path, "start"), $"{s} is not a weekday (1-7)");
        }

        if (end is { } e && (e < 1 || e > 7))
        {
            Error(Join(path, "end"), $"{e} is not a weekday (1-7)");
        }
        else if (end is { } after && start is { } before && after <= before)
        {
            Error(Join(path, "end"), $"{after} is not after start {before}");
        }

        return new TalqDayRange { Start = start ?? 0, End = end };
    }

    private TalqDateItem? DateItem(JsonElement element, string path)
    {
        if (!IsObject(element, path))
        {
            return null;
        }

        var item = new TalqDateItem
        {
            Start = RequiredString(element, "start", path) ?? "",
            End = OptionalString(element, "end", path),
        };
        var start = ConditionDate(item.Start, Join(path, "start"));
        var end = item.End is null ? null : ConditionDate(item.End, Join(path, "end"));
        if (start is { } s && end is { } e)
        {
            if (s.Month is null != e.Month is null)
            {
                Error(Join(path, "end"), "start and end must both be ---dd or both --mm-dd");
            }
            else if ((e.Month ?? 0, e.Day).CompareTo((s.Month ?? 0, s.Day)) <= 0)
            {
                Error(Join(path, "end"), $"{item.End} is not after start {item.Start}");
            }
        }

        return item;
    }

    private TalqActivePeriod? ActivePeriod(JsonElement element, string path)
    {
        if (!IsObject(element, path))
        {
            return null;
        }

        var name = RequiredString(element, "name", path);
        var period = new TalqActivePeriod { Name = name ?? "" };
        switch (name)
        {
            case "AbsoluteActivePeriod":
                period.StartTime = RequiredTime(element, "startTime", path);
                period.EndTime = RequiredTime(element, "endTime", path);
                foreach (var extension in AstroExtensions)
                {
                    Refuse(element, extension, path, $"{extension} belongs to an AstroClockActivePeriod");
                }

                break;
            case "AstroClockActivePeriod":
                period.SunsetOffset = Offset(element, "sunsetOffset", path, required: true);
                period.SunriseOffset = Offset(element, "sunriseOffset", path, required: true);
                period.SunsetNotBefore = OptionalTime(element, "sunsetNotBefore", path);
                period.SunsetNotAfter = OptionalTime(element, "sunsetNotAfter", path);
                period.SunriseNotBefore = OptionalTime(element, "sunriseNotBefore", path);
                period.SunriseNotAfter = OptionalTime(element, "sunriseNotAfter", path);
                Bounds(period.SunsetNotBefore, period.SunsetNotAfter, Join(path, "sunsetNotAfter"), "sunsetNotBefore");
                Bounds(period.SunriseNotBefore, period.SunriseNotAfter, Join(path, "sunriseNotAfter"),
                    "sunriseNotBefore");
                break;
            case "SensorActivePeriod" or "AstroAndSensorActivePeriod" or "ValueActivePeriod":
                Error(Join(path, "name"), $"{name} is not supported (only AbsoluteActivePeriod and AstroClockActivePeriod)");
                break;
            case null:
                break;
            default:
                Error(Join(path, "name"), $"'{name}' is not an active period");
                break;
        }

        return period;
    }

    private static readonly string[] AstroExtensions =
        ["sunsetOffset", "sunriseOffset", "sunsetNotBefore", "sunsetNotAfter", "sunriseNotBefore", "sunriseNotAfter"];

    private void Bounds(string? notBefore, string? notAfter, string path, string beforeName)
    {
        if (notBefore is not null && notAfter is not null && string.CompareOrdinal(notBefore, notAfter) > 0)
        {
            Error(path, $"{notAfter} is before {beforeName} {notBefore}");
        }
    }

    private TalqFixedTimeControl? FixedTimeControl(JsonElement element, string path)
    {
        if (!IsObject(element, path))
        {
            return null;
        }

        var control = new TalqFixedTimeControl
        {
            StartTime = RequiredTime(element, "startTime", path) ?? "",
            SolarMidnightOffset = Offset(element, "solarMidnightOffset", path, required: false),
        };
        control.Command = Command(element, path) ?? new TalqCommand();
        return control;
    }

    private TalqAstroClockTimeControl? AstroControl(JsonElement element, string path)
    {
        if (!IsObject(element, path))
        {
            return null;
        }

        var control = new TalqAstroClockTimeControl
        {
            Offset = Offset(element, "offset", path, required: true) ?? 0,
            SolarEventType = RequiredString(element, "solarEventType", path) ?? "",
            Operation = RequiredString(element, "operation", path) ?? "",
        };
        if (control.SolarEventType.Length > 0 && control.SolarEventType is not ("sunrise" or "sunset"))
        {
            Error(Join(path, "solarEventType"), $"'{control.SolarEventType}' is not sunrise or sunset");
        }

        if (control.Operation is "Add" or "Sub" or "Mul")
        {
            Error(Join(path, "operation"), $"{control.Operation} is not supported (only Set, Max and Min)");
        }
        else if (control.Operation.Length > 0 && control.Operation is not ("Set" or "Max" or "Min"))
        {
            Error(Join(path, "operation"), $"'{control.Operation}' is not an operation (Set, Max or Min)");
        }

        control.Command = Command(element, path) ?? new TalqCommand();
        return control;
    }

    private TalqCommand? Command(JsonElement parent, string parentPath)
    {
        var path = Join(parentPath, "command");
        if (!parent.TryGetProperty("command", out var element))
        {
            Error(path, "required");
            return null;
        }

        if (!IsObject(element, path))
        {
            return null;
        }

        var command = new TalqCommand();
        if (element.TryGetProperty("rampToLevelTime", out var ramp))
        {
            if (ramp.ValueKind != JsonValueKind.Number || !ramp.TryGetDouble(out var seconds) || seconds < 0)
            {
                Error(Join(path, "rampToLevelTime"), "expected a number of seconds, 0 or more");
            }
            else
            {
                command.RampToLevelTime = seconds;
            }
        }

        Refuse(element, "rampFromLevelTime", path, "rampFromLevelTime is not supported");
        var statePath = Join(path, "state");
        if (!element.TryGetProperty("state", out var state))
        {
            Error(statePath, "required");
        }
        else if (IsObject(state, statePath))
        {
            command.State = State(state, statePath);
        }

        return command;
    }

    private TalqState State(JsonElement element, string path)
    {
        var name = RequiredString(element, "name", path);
        var valuePath = Join(path, "value");
        var hasValue = element.TryGetProperty("value", out var value);
        switch (name)
        {
            case "LevelState":
                if (!hasValue)
                {
                    Error(valuePath, "required");
                }
                else if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var level))
                {
                    Error(valuePath, "expected an integer percent (0-100)");
                }
                else if (level is < 0 or > 100)
                {
                    Error(valuePath, $"{level} is not a level (0-100)");
                }
                else
                {
                    return TalqState.Level(level);
                }

                break;
            case "BooleanState":
                if (!hasValue || value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    Error(valuePath, "expected true or false");
                }
                else
                {
                    return TalqState.Boolean(value.GetBoolean());
                }

                break;
            case null:
                break;
            default:
                Error(Join(path, "name"), $"{name} is not supported (only LevelState and BooleanState)");
                break;
        }

        return new TalqState { Name = name ?? "" };
    }
}
