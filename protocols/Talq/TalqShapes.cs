using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Protocols.Talq;

/// <summary>A TALQ Calendar: ordered rules choosing a control program per day, first match wins.</summary>
public sealed class TalqCalendar
{
    public string Id { get; set; } = "";

    [JsonPropertyName("ownerCMS")]
    public string OwnerCms { get; set; } = "";

    public List<TalqCalendarRule> Rules { get; set; } = [];

    public string? DefaultProgram { get; set; }
}

/// <summary>One calendar rule: an optional date range, an optional condition, the program it selects.</summary>
public sealed class TalqCalendarRule
{
    public string? StartDate { get; set; }

    public string? EndDate { get; set; }

    public TalqCondition? Condition { get; set; }

    public string Program { get; set; } = "";
}

/// <summary>A calendar condition: <c>ccDay</c> (weekdays, optional occurrences) or <c>ccDate</c> (dates).</summary>
public sealed class TalqCondition
{
    public string Type { get; set; } = "";

    public List<TalqDayRange>? Days { get; set; }

    public List<string>? Occurrences { get; set; }

    public List<TalqDateItem>? Dates { get; set; }
}

/// <summary>A weekday or a weekday range, 1 = Monday .. 7 = Sunday.</summary>
public sealed class TalqDayRange
{
    public int Start { get; set; }

    public int? End { get; set; }
}

/// <summary>A date (<c>---dd</c> or <c>--mm-dd</c>) or a date range.</summary>
public sealed class TalqDateItem
{
    public string Start { get; set; } = "";

    public string? End { get; set; }
}

/// <summary>A TALQ ControlProgramOne: active periods, fixed-time and astronomical controls.</summary>
public sealed class TalqControlProgram
{
    public string Type { get; set; } = "ControlProgramOne";

    public string Id { get; set; } = "";

    [JsonPropertyName("ownerCMS")]
    public string OwnerCms { get; set; } = "";

    public List<TalqActivePeriod> ActivePeriods { get; set; } = [];

    public List<TalqFixedTimeControl> FixedTimeControls { get; set; } = [];

    public List<TalqAstroClockTimeControl>? AstroClockTimeControls { get; set; }
}

/// <summary>An AbsoluteActivePeriod or an AstroClockActivePeriod (with our NotBefore/NotAfter clamps).</summary>
public sealed class TalqActivePeriod
{
    public string Name { get; set; } = "";

    public string? StartTime { get; set; }

    public string? EndTime { get; set; }

    public int? SunsetOffset { get; set; }

    public int? SunriseOffset { get; set; }

    public string? SunsetNotBefore { get; set; }

    public string? SunsetNotAfter { get; set; }

    public string? SunriseNotBefore { get; set; }

    public string? SunriseNotAfter { get; set; }
}

/// <summary>A level from a clock time (or, our extension, from solar midnight + offset minutes).</summary>
public sealed class TalqFixedTimeControl
{
    public string StartTime { get; set; } = "";

    public TalqCommand Command { get; set; } = new();

    public int? SolarMidnightOffset { get; set; }
}

/// <summary>A level relative to sunrise or sunset, combined with the fixed-time level by Set, Max or Min.</summary>
public sealed class TalqAstroClockTimeControl
{
    public int Offset { get; set; }

    public string SolarEventType { get; set; } = "";

    public string Operation { get; set; } = "";

    public TalqCommand Command { get; set; } = new();
}

/// <summary>A control's command: the state to reach and an optional ramp time.</summary>
public sealed class TalqCommand
{
    public TalqState State { get; set; } = new();

    public double? RampToLevelTime { get; set; }
}

/// <summary>A LevelState (0-100 percent) or a BooleanState (true = 100).</summary>
public sealed class TalqState
{
    public string Name { get; set; } = "";

    public JsonElement? Value { get; set; }

    /// <summary>A LevelState of <paramref name="percent"/> (0-100).</summary>
    public static TalqState Level(int percent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        return new TalqState { Name = "LevelState", Value = JsonSerializer.SerializeToElement(percent, TalqJsonContext.Default.Int32) };
    }

    /// <summary>A BooleanState (true = on at 100 %, false = off).</summary>
    public static TalqState Boolean(bool on) =>
        new() { Name = "BooleanState", Value = JsonSerializer.SerializeToElement(on, TalqJsonContext.Default.Boolean) };

    /// <summary>The level this state asks for in percent (BooleanState true = 100); null when it is not a valid level.</summary>
    public double? LevelPercent() => Name switch
    {
        "LevelState" when Value is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var level)
            && level is >= 0 and <= 100 => level,
        "BooleanState" when Value is { ValueKind: JsonValueKind.True } => 100,
        "BooleanState" when Value is { ValueKind: JsonValueKind.False } => 0,
        _ => null,
    };
}
