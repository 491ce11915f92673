using System.Globalization;

namespace City.Protocols.Talq;

/// <summary>Which program a calendar selects for a program day: rules in order, first match wins, else the default.</summary>
internal static class CalendarRules
{
    public static string? ProgramFor(TalqCalendar calendar, DateOnly day)
    {
        foreach (var rule in calendar.Rules)
        {
            if (InRange(rule, day) && Matches(rule.Condition, day))
            {
                return rule.Program;
            }
        }

        return calendar.DefaultProgram;
    }

    private static bool InRange(TalqCalendarRule rule, DateOnly day)
    {
        if (IsFullDate(rule.StartDate) || IsFullDate(rule.EndDate))
        {
            var from = rule.StartDate is null ? DateOnly.MinValue : FullDate(rule.StartDate);
            var to = rule.EndDate is null ? DateOnly.MaxValue : FullDate(rule.EndDate);
            return day >= from && day <= to;
        }

        var start = rule.StartDate is null ? (1, 1) : MonthDay(rule.StartDate);
        var end = rule.EndDate is null ? (12, 31) : MonthDay(rule.EndDate);
        var today = (day.Month, day.Day);
        return start.CompareTo(end) <= 0
            ? today.CompareTo(start) >= 0 && today.CompareTo(end) <= 0
            : today.CompareTo(start) >= 0 || today.CompareTo(end) <= 0;   // wraps the year end
    }

    private static bool Matches(TalqCondition? condition, DateOnly day)
    {
        switch (condition?.Type)
        {
            case null:
                return true;
            case "ccDay":
                var weekday = day.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)day.DayOfWeek;
                if (!(condition.Days ?? []).Any(d => weekday >= d.Start && weekday <= (d.End ?? d.Start)))
                {
                    return false;
                }

                if (condition.Occurrences is not { Count: > 0 } occurrences)
                {
                    return true;
                }

                var nth = ((day.Day - 1) / 7) + 1;
                var last = day.Day + 7 > DateTime.DaysInMonth(day.Year, day.Month);
                return occurrences.Any(o => o == "L" ? last : o == nth.ToString(CultureInfo.InvariantCulture));
            case "ccDate":
                return (condition.Dates ?? []).Any(d => DateMatches(d, day));
            default:
                return false;
        }
    }

    private static bool DateMatches(TalqDateItem item, DateOnly day)
    {
        if (item.Start.StartsWith("---", StringComparison.Ordinal))
        {
            var from = int.Parse(item.Start[3..], CultureInfo.InvariantCulture);
            var to = item.End is null ? from : int.Parse(item.End[3..], CultureInfo.InvariantCulture);
            return day.Day >= from && day.Day <= to;
        }

        var start = MonthDay(item.Start);
        var end = item.End is null ? start : MonthDay(item.End);
        var today = (day.Month, day.Day);
        return today.CompareTo(start) >= 0 && today.CompareTo(end) <= 0;
    }

    private static bool IsFullDate(string? text) => text is not null && !text.StartsWith("--", StringComparison.Ordinal);

    private static DateOnly FullDate(string text) =>
        DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static (int Month, int Day) MonthDay(string text) =>
        (int.Parse(text.AsSpan(2, 2), CultureInfo.InvariantCulture), int.Parse(text.AsSpan(5, 2), CultureInfo.InvariantCulture));
}
