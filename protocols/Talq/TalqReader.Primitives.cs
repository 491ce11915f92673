using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace City.Protocols.Talq;

/// <summary>The reader's primitives: strings, integers, arrays, dates and times, each checked with its path.</summary>
internal sealed partial class TalqReader
{
    /// <summary>A rule date: yyyy-mm-dd (Year set) or --mm-dd (a day of any year, Year null).</summary>
    private (int? Year, DateOnly Date)? RuleDate(string? text, string path)
    {
        if (text is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return (date.Year, date);
        }

        if (MonthDayPattern().IsMatch(text)
            && DateOnly.TryParseExact("2000" + text[1..], "yyyy-MM-dd", CultureInfo.InvariantCulture,
                DateTimeStyles.None, out var monthDay))
        {
            return (null, monthDay);
        }

        Error(path, $"'{text}' is not a date (yyyy-mm-dd or --mm-dd)");
        return null;
    }

    /// <summary>A condition date: ---dd (Month null) or --mm-dd.</summary>
    private (int? Month, int Day)? ConditionDate(string text, string path)
    {
        if (DayPattern().IsMatch(text))
        {
            return (null, int.Parse(text[3..], CultureInfo.InvariantCulture));
        }

        if (MonthDayPattern().IsMatch(text)
            && DateOnly.TryParseExact("2000" + text[1..], "yyyy-MM-dd", CultureInfo.InvariantCulture,
                DateTimeStyles.None, out var monthDay))
        {
            return (monthDay.Month, monthDay.Day);
        }

        if (text.Length > 0)
        {
            Error(path, $"'{text}' is not a day (---dd or --mm-dd)");
        }

        return null;
    }

    public static bool TryParseTime(string? text, out TimeSpan time)
    {
        time = default;
        return text is not null && TimePattern().IsMatch(text)
            && TimeSpan.TryParseExact(text, @"hh\:mm\:ss", CultureInfo.InvariantCulture, out time);
    }

    private string? RequiredTime(JsonElement element, string name, string path)
    {
        var text = RequiredString(element, name, path);
        return text is null ? null : CheckTime(text, Join(path, name));
    }

    private string? OptionalTime(JsonElement element, string name, string path)
    {
        var text = OptionalString(element, name, path);
        return text is null ? null : CheckTime(text, Join(path, name));
    }

    private string? CheckTime(string text, string path)
    {
        if (!TryParseTime(text, out _))
        {
            Error(path, $"'{text}' is not a time of day (hh:mm:ss)");
            return null;
        }

        return text;
    }

    private int? Offset(JsonElement element, string name, string path, bool required)
    {
        var value = required ? RequiredInt(element, name, path) : OptionalInt(element, name, path);
        if (value is { } minutes && (minutes < -720 || minutes > 720))
        {
            Error(Join(path, name), $"{minutes} minutes is beyond 12 hours either way");
            return null;
        }

        return value;
    }

    public IEnumerable<(JsonElement Item, string Path)> Items(JsonElement element, string name, string path,
        bool required)
    {
        var arrayPath = Join(path, name);
        if (!element.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Error(arrayPath, "required");
            }

            yield break;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            Error(arrayPath, "expected an array");
            yield break;
        }

        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            yield return (item, $"{arrayPath}[{index}]");
            index++;
        }
    }

    public bool IsObject(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            return true;
        }

        Error(path, "expected an object");
        return false;
    }

    public string? RequiredString(JsonElement element, string name, string path, bool allowEmpty = false)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Error(Join(path, name), "required");
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(Join(path, name), "expected a string");
            return null;
        }

        var text = value.GetString()!;
        if (!allowEmpty && string.IsNullOrWhiteSpace(text))
        {
            Error(Join(path, name), "must not be empty");
            return null;
        }

        return text;
    }

    public string? OptionalString(JsonElement element, string name, string path)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            Error(Join(path, name), "expected a non-empty string");
            return null;
        }

        return value.GetString();
    }

    public int? RequiredInt(JsonElement element, string name, string path)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Error(Join(path, name), "required");
            return null;
        }

        return Int(value, Join(path, name));
    }

    public int? OptionalInt(JsonElement element, string name, string path) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? Int(value, Join(path, name))
            : null;

    private int? Int(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return number;
        }

        Error(path, "expected an integer");
        return null;
    }

    private void Refuse(JsonElement element, string name, string path, string message)
    {
        if (element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            Error(Join(path, name), message);
        }
    }

    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    [GeneratedRegex(@"^--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]
    private static partial Regex MonthDayPattern();

    [GeneratedRegex(@"^---(0[1-9]|[12]\d|3[01])$")]
    private static partial Regex DayPattern();

    [GeneratedRegex(@"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")]
    private static partial Regex TimePattern();
}
