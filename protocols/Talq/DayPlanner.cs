using System.Globalization;

namespace City.Protocols.Talq;

/// <summary>Computes the steps of one program day of a ControlProgramOne (see LightingSchedule for the semantics).</summary>
internal sealed class DayPlanner(int dayOffset, LightingSite site, DateOnly day, DateTimeOffset start, DateTimeOffset end)
{
    private const string Off = "off: outside active periods";
    private readonly Dictionary<DateOnly, SolarDay> _solar = [];

    private sealed record Interval(DateTimeOffset From, DateTimeOffset To, string OnSource, string OffSource);

    private sealed record Control(DateTimeOffset At, double Level, string Source, string Operation = "Set");

    public List<LightingStep> Plan(TalqControlProgram program)
    {
        var periods = program.ActivePeriods.SelectMany(ActiveIntervals).ToList();
        var alwaysActive = program.ActivePeriods.Count == 0;
        var fixedControls = program.FixedTimeControls.Select(FixedControl).Where(InWindow).OrderBy(c => c.At).ToList();
        var astroControls = (program.AstroClockTimeControls ?? []).SelectMany(AstroControls).OrderBy(c => c.At).ToList();

        var candidates = new List<(DateTimeOffset At, int Priority, string Source)>();
        foreach (var period in periods)
        {
            candidates.Add((period.From, 1, period.OnSource));
            candidates.Add((period.To, 0, period.OffSource));
        }

        candidates.AddRange(astroControls.Select(c => (c.At, 2, c.Source)));
        candidates.AddRange(fixedControls.Select(c => (c.At, 3, c.Source)));

        var steps = new List<LightingStep>();
        var (first, firstSource) = LevelAt(start, alwaysActive, periods, fixedControls, astroControls);
        steps.Add(new LightingStep(start, first, firstSource));
        foreach (var group in candidates.Where(c => c.At > start && c.At < end).GroupBy(c => c.At).OrderBy(g => g.Key))
        {
            var (level, holdingSource) = LevelAt(group.Key, alwaysActive, periods, fixedControls, astroControls);
            if (level == steps[^1].LevelPercent)
            {
                continue;
            }

            var cause = group.OrderBy(c => c.Priority)
                .FirstOrDefault(c => c.Priority != 0 || holdingSource.StartsWith(Off, StringComparison.Ordinal));
            steps.Add(new LightingStep(group.Key, level, cause.Source ?? holdingSource));
        }

        return steps;
    }

    private (double Level, string Source) LevelAt(DateTimeOffset at, bool alwaysActive, List<Interval> periods,
        List<Control> fixedControls, List<Control> astroControls)
    {
        var active = alwaysActive || periods.Any(p => p.From <= at && at < p.To);
        if (!active)
        {
            return (0, Off);
        }

        var fixedControl = fixedControls.LastOrDefault(c => c.At <= at) ?? fixedControls.LastOrDefault();
        var (level, source) = fixedControl is null ? (100.0, "on: no fixed-time control") : (fixedControl.Level, fixedControl.Source);
        if (astroControls.LastOrDefault(c => c.At <= at) is { } astro)
        {
            level = astro.Operation switch
            {
                "Max" => Math.Max(level, astro.Level),
                "Min" => Math.Min(level, astro.Level),
                _ => astro.Level,
            };
            source = astro.Source;
        }

        return (level, source);
    }

    private bool InWindow(Control control) => control.At >= start && control.At < end;

    private Control FixedControl(TalqFixedTimeControl control)
    {
        var level = control.Command.State.LevelPercent() ?? 0;
        if (control.SolarMidnightOffset is { } offset)
        {
            // the solar midnight inside this program day: the one after D's noon (DayOffset 12) or before it (0)
            var midnight = Solar(day.AddDays(-1)).SolarMidnight;
            if (midnight < start)
            {
                midnight = Solar(day).SolarMidnight;
            }

            return new Control(midnight.AddMinutes(offset), level, $"fixed solar midnight{Signed(offset)}");
        }

        TalqReader.TryParseTime(control.StartTime, out var time);
        return new Control(ClockInstant(time), level, $"fixed {control.StartTime}");
    }

    private IEnumerable<Control> AstroControls(TalqAstroClockTimeControl control)
    {
        var level = control.Command.State.LevelPercent() ?? 0;
        var source = $"{control.SolarEventType}{Signed(control.Offset)} {control.Operation} {Format(level)} (astro control)";
        for (var date = day.AddDays(-1); date <= day.AddDays(1); date = date.AddDays(1))
        {
            var solar = Solar(date);
            var solarEvent = control.SolarEventType == "sunrise" ? solar.Sunrise : solar.Sunset;
            if (solarEvent?.AddMinutes(control.Offset) is { } at && at >= start && at < end)
            {
                yield return new Control(at, level, source, control.Operation);
            }
        }
    }

    private IEnumerable<Interval> ActiveIntervals(TalqActivePeriod period) => period.Name switch
    {
        "AbsoluteActivePeriod" => AbsoluteIntervals(period),
        "AstroClockActivePeriod" => AstroIntervals(period),
        _ => [],
    };

    private IEnumerable<Interval> AbsoluteIntervals(TalqActivePeriod period)
    {
        TalqReader.TryParseTime(period.StartTime, out var startTime);
        TalqReader.TryParseTime(period.EndTime, out var endTime);
        var on = $"active period from {period.StartTime}";
        var off = $"{Off} (after {period.EndTime})";
        if (startTime == endTime)
        {
            return [new Interval(start, end, on, off)];
        }

        var from = ClockInstant(startTime);
        var to = ClockInstant(endTime);
        return from < to
            ? [new Interval(from, to, on, off)]
            : [new Interval(start, to, on, off), new Interval(from, end, on, off)];
    }

    /// <summary>Sunset+offset switches the period on, sunrise+offset off, each clamped by its bounds; before the first
    /// event the state is the one the last earlier event left (or, in a long polar period, the polar state).</summary>
    private IEnumerable<Interval> AstroIntervals(TalqActivePeriod period)
    {
        var events = new List<(DateTimeOffset At, bool On, string Source)>();
        for (var date = day.AddDays(-3); date <= day.AddDays(2); date = date.AddDays(1))
        {
            var solar = Solar(date);
            if (solar.Sunset is { } sunset)
            {
                var (at, note) = Clamp(sunset.AddMinutes(period.SunsetOffset ?? 0), date, period.SunsetNotBefore,
                    period.SunsetNotAfter);
                events.Add((at, true, $"sunset{Signed(period.SunsetOffset ?? 0)} (active period{note})"));
            }

            if (solar.Sunrise is { } sunrise)
            {
                var (at, note) = Clamp(sunrise.AddMinutes(period.SunriseOffset ?? 0), date, period.SunriseNotBefore,
                    period.SunriseNotAfter);
                events.Add((at, false, $"{Off} (sunrise{Signed(period.SunriseOffset ?? 0)}{note})"));
            }
        }

        events.Sort((a, b) => a.At.CompareTo(b.At));
        var before = events.LastOrDefault(e => e.At <= start);
        var active = before.Source is null ? Solar(day).AlwaysDown : before.On;
        var onSince = start;
        var onSource = before.Source ?? "polar night (active period)";
        var intervals = new List<Interval>();
        foreach (var (at, on, source) in events.Where(e => e.At > start && e.At < end))
        {
            if (on && !active)
            {
                (active, onSince, onSource) = (true, at, source);
            }
            else if (!on && active)
            {
                intervals.Add(new Interval(onSince, at, onSource, source));
                active = false;
            }
        }

        if (active)
        {
            intervals.Add(new Interval(onSince, end, onSource, Off));
        }

        return intervals;
    }

    private (DateTimeOffset At, string Note) Clamp(DateTimeOffset at, DateOnly date, string? notBefore, string? notAfter)
    {
        if (TalqReader.TryParseTime(notBefore, out var earliest) && LocalTime.At(date, earliest, site.TimeZone) is var low
            && at < low)
        {
            return (low, $", not before {notBefore}");
        }

        if (TalqReader.TryParseTime(notAfter, out var latest) && LocalTime.At(date, latest, site.TimeZone) is var high
            && at > high)
        {
            return (high, $", not after {notAfter}");
        }

        return (at, "");
    }

    /// <summary>A clock time of this program day: on D from DayOffset:00, on D+1 before it.</summary>
    private DateTimeOffset ClockInstant(TimeSpan time) =>
        LocalTime.At(time >= TimeSpan.FromHours(dayOffset) ? day : day.AddDays(1), time, site.TimeZone);

    private SolarDay Solar(DateOnly date)
    {
        if (!_solar.TryGetValue(date, out var solar))
        {
            solar = SolarCalculator.Compute(date, site);
            _solar[date] = solar;
        }

        return solar;
    }

    private static string Signed(int minutes) =>
        minutes < 0 ? minutes.ToString(CultureInfo.InvariantCulture) : "+" + minutes.ToString(CultureInfo.InvariantCulture);

    private static string Format(double level) => level.ToString("0.##", CultureInfo.InvariantCulture);
}
