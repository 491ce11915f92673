namespace City.Central.OpenData;

/// <summary>What one of a lamp's condition points says: the lamp (or its gear) failed, works, or nothing usable.</summary>
internal enum LampCondition
{
    Unknown,
    Working,
    Failed,
}

/// <summary>A reading of one of a lamp's condition points (<see cref="Point"/>: its index among the lamp's points).</summary>
internal readonly record struct ConditionReading(long AtUnixMs, int Point, LampCondition Condition);

/// <summary>One lamp's figures for one day: how long its state was known, how long it worked, whether it failed at some moment.</summary>
internal struct LampDay
{
    public long KnownMs;
    public long WorkingMs;
    public bool Failed;
}

/// <summary>
/// A lamp's availability from its condition points (lamp failure, gear failure, answering), which the edge writes when they
/// change: each reading holds until the next one of the same point. The lamp has failed while any point says failed,
/// works while none does and at least one says working, and is unknown otherwise (before its first reading, or while
/// its readings are not of good quality).
/// </summary>
internal static class AvailabilityCalculator
{
    /// <summary>
    /// Adds the lamp's known and working time to each day (intervals [Start, End)) up to <paramref name="untilUnixMs"/>.
    /// <paramref name="readings"/> are in time order; <paramref name="points"/> is the number of the lamp's points.
    /// </summary>
    public static void Accumulate(IReadOnlyList<ConditionReading> readings, int points, IReadOnlyList<(long Start, long End)> days, long untilUnixMs, LampDay[] into)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(days);
        ArgumentNullException.ThrowIfNull(into);
        var states = new LampCondition[points];
        for (var i = 0; i < readings.Count; i++)
        {
            states[readings[i].Point] = readings[i].Condition;
            var end = i + 1 < readings.Count ? Math.Min(readings[i + 1].AtUnixMs, untilUnixMs) : untilUnixMs;
            Add(readings[i].AtUnixMs, end, Combined(states), days, into);
        }
    }

    public static LampCondition Combined(ReadOnlySpan<LampCondition> states)
    {
        var combined = LampCondition.Unknown;
        foreach (var state in states)
        {
            if (state == LampCondition.Failed)
            {
                return LampCondition.Failed;
            }

            if (state == LampCondition.Working)
            {
                combined = LampCondition.Working;
            }
        }

        return combined;
    }

    private static void Add(long start, long end, LampCondition condition, IReadOnlyList<(long Start, long End)> days, LampDay[] into)
    {
        if (end <= start || condition == LampCondition.Unknown)
        {
            return;
        }

        for (var d = 0; d < days.Count; d++)
        {
            var overlap = Math.Min(end, days[d].End) - Math.Max(start, days[d].Start);
            if (overlap <= 0)
            {
                continue;
            }

            into[d].KnownMs += overlap;
            if (condition == LampCondition.Working)
            {
                into[d].WorkingMs += overlap;
            }
            else
            {
                into[d].Failed = true;
            }
        }
    }
}
