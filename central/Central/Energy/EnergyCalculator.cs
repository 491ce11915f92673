namespace City.Central.Energy;

/// <summary>One reading of a lamp's counter (Wh) or level (arc 0-254).</summary>
internal readonly record struct EnergySample(long TimestampUnixMs, double Value);

/// <summary>What one lamp did in one UTC hour; <see cref="Covered"/>: some of its data falls in the hour.</summary>
internal struct HourFigures
{
    public double MeasuredWh;
    public int CounterResets;
    public double LitSeconds;
    public bool EnergyCovered;
    public bool LevelCovered;
}

/// <summary>
/// The pure arithmetic of the energy aggregates, over one lamp's samples sorted by time with one value per instant:
/// counter deltas spread over the hours between two readings in proportion to the time in each, a counter that goes down
/// counted as a reset (the new value is what was used since), and a level above 0 lighting the lamp until the next level
/// reading, at most <see cref="MaxHoldMs"/>.
/// </summary>
internal static class EnergyCalculator
{
    public const long MsPerHour = 3_600_000;

    /// <summary>How long a level reading holds at most when no newer one follows.</summary>
    public const long MaxHoldMs = MsPerHour;

    /// <summary>The UTC hour (hours since 1970) of an instant.</summary>
    public static long HourOf(long unixMs) => unixMs >= 0 ? unixMs / MsPerHour : ((unixMs + 1) / MsPerHour) - 1;

    /// <summary>
    /// Adds the measured Wh and counter resets of the hours [firstHour, firstHour + hours.Length) from consecutive counter
    /// readings. Pairs outside the hours add nothing, so the caller passes every reading that can reach them (the one
    /// before the first hour and the one after the last included).
    /// </summary>
    public static void AddEnergy(IReadOnlyList<EnergySample> counter, long firstHour, Span<HourFigures> hours)
    {
        ArgumentNullException.ThrowIfNull(counter);
        var rangeStart = firstHour * MsPerHour;
        var rangeEnd = (firstHour + hours.Length) * MsPerHour;
        for (var i = 1; i < counter.Count; i++)
        {
            var (t0, v0) = (counter[i - 1].TimestampUnixMs, counter[i - 1].Value);
            var (t1, v1) = (counter[i].TimestampUnixMs, counter[i].Value);
            if (t1 <= t0)
            {
                continue;
            }

            var reset = v1 < v0;
            var delta = reset ? Math.Max(0, v1) : v1 - v0;
            var resetHour = HourOf(t1) - firstHour;
            if (reset && resetHour >= 0 && resetHour < hours.Length)
            {
                hours[(int)resetHour].CounterResets++;
            }

            if (t1 <= rangeStart || t0 >= rangeEnd)
            {
                continue;
            }

            var from = Math.Max(t0, rangeStart);
            var to = Math.Min(t1, rangeEnd);
            var span = (double)(t1 - t0);
            for (var hour = HourOf(from); hour * MsPerHour < to; hour++)
            {
                var start = Math.Max(from, hour * MsPerHour);
                var end = Math.Min(to, (hour + 1) * MsPerHour);
                ref var figures = ref hours[(int)(hour - firstHour)];
                figures.EnergyCovered = true;
                figures.MeasuredWh += delta * (end - start) / span;
            }
        }
    }

    /// <summary>
    /// Adds the lit seconds of the hours [firstHour, firstHour + hours.Length) from level readings. A reading holds until the
    /// next one, at most an hour; the last one also at most until <paramref name="lastHoldLimitUnixMs"/> (when it was known).
    /// </summary>
    public static void AddLevel(IReadOnlyList<EnergySample> level, long firstHour, Span<HourFigures> hours, long lastHoldLimitUnixMs = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(level);
        var rangeStart = firstHour * MsPerHour;
        var rangeEnd = (firstHour + hours.Length) * MsPerHour;
        for (var i = 0; i < level.Count; i++)
        {
            var t = level[i].TimestampUnixMs;
            var holdEnd = t + MaxHoldMs;
            if (i + 1 < level.Count)
            {
                holdEnd = Math.Min(holdEnd, level[i + 1].TimestampUnixMs);
            }
            else
            {
                holdEnd = Math.Min(holdEnd, Math.Max(t, lastHoldLimitUnixMs));
            }

            var from = Math.Max(t, rangeStart);
            var to = Math.Min(holdEnd, rangeEnd);
            if (to <= from)
            {
                if (t >= rangeStart && t < rangeEnd)
                {
                    hours[(int)(HourOf(t) - firstHour)].LevelCovered = true;
                }

                continue;
            }

            var lit = level[i].Value > 0;
            for (var hour = HourOf(from); hour * MsPerHour < to; hour++)
            {
                var start = Math.Max(from, hour * MsPerHour);
                var end = Math.Min(to, (hour + 1) * MsPerHour);
                ref var figures = ref hours[(int)(hour - firstHour)];
                figures.LevelCovered = true;
                if (lit)
                {
                    figures.LitSeconds += (end - start) / 1000.0;
                }
            }
        }
    }

    /// <summary>Merges new readings into sorted ones: a reading at an instant already known replaces it (a resent duplicate).</summary>
    public static List<EnergySample> Merge(IReadOnlyList<EnergySample> sorted, IEnumerable<EnergySample> added)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var news = added.ToList();
        if (IsStrictlyIncreasing(news) && (sorted.Count == 0 || news.Count == 0 || news[0].TimestampUnixMs > sorted[^1].TimestampUnixMs))
        {
            // Live readings after the stored ones: appended as they are.
            return [.. sorted, .. news];
        }

        var map = new SortedDictionary<long, double>();
        foreach (var sample in sorted)
        {
            map[sample.TimestampUnixMs] = sample.Value;
        }

        foreach (var sample in news)
        {
            map[sample.TimestampUnixMs] = sample.Value;
        }

        return [.. map.Select(p => new EnergySample(p.Key, p.Value))];
    }

    private static bool IsStrictlyIncreasing(List<EnergySample> samples)
    {
        for (var i = 1; i < samples.Count; i++)
        {
            if (samples[i].TimestampUnixMs <= samples[i - 1].TimestampUnixMs)
            {
                return false;
            }
        }

        return true;
    }
}
