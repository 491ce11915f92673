using City.Contract.Wire;

namespace City.Contract;

/// <summary>
/// Lays out single readings of many points (one reading each, numbers of one decimal scale) across points:
/// alias deltas, timestamp deltas in time order, scaled values. A lamp read once a minute then costs a few
/// bytes per reading instead of a whole series header.
/// </summary>
public static class ScatterCodec
{
    /// <summary>Encodes readings of distinct aliases whose numbers are exact at <paramref name="decimalScale"/>.</summary>
    public static Scatter Encode(IReadOnlyList<Reading> readings, int decimalScale)
    {
        ArgumentNullException.ThrowIfNull(readings);
        if (readings.Count == 0)
        {
            throw new ArgumentException("A scatter block needs at least one reading.", nameof(readings));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(decimalScale, SeriesCodec.MaxDecimalScale);
        var sorted = readings.OrderBy(r => r.TimestampUnixMs).ThenBy(r => r.Alias).ToArray();
        var power = SeriesCodec.PowersOfTen[decimalScale];
        var scatter = new Scatter { FirstTimestampUnixMs = sorted[0].TimestampUnixMs, DecimalScale = (uint)decimalScale };
        long previousAlias = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            var reading = sorted[i];
            if (reading.Value.Type != PointType.Number)
            {
                throw new ArgumentException($"Reading of alias {reading.Alias} is not a number.", nameof(readings));
            }

            scatter.AliasDeltas.Add(reading.Alias - previousAlias);
            previousAlias = reading.Alias;
            if (i > 0)
            {
                scatter.TimestampDeltas.Add(reading.TimestampUnixMs - sorted[i - 1].TimestampUnixMs);
            }

            var scaled = Math.Round(reading.Value.Number * power);
            if (scaled / power != reading.Value.Number)
            {
                throw new ArgumentException($"{reading.Value.Number} is not exact at decimal scale {decimalScale}.", nameof(readings));
            }

            scatter.ScaledValues.Add((long)scaled);
        }

        SeriesCodec.EncodeQualities(scatter.QualityRuns, sorted);
        return scatter;
    }

    /// <summary>Number of readings the block holds, or -1 when its columns disagree.</summary>
    public static int CountReadings(Scatter scatter)
    {
        ArgumentNullException.ThrowIfNull(scatter);
        var count = scatter.AliasDeltas.Count;
        return count > 0
            && scatter.ScaledValues.Count == count
            && scatter.TimestampDeltas.Count == count - 1
            && scatter.DecimalScale <= SeriesCodec.MaxDecimalScale
            && SeriesCodec.QualityRunsCover(scatter.QualityRuns, count)
            && AliasesInRange(scatter)
            ? count
            : -1;
    }

    private static bool AliasesInRange(Scatter scatter)
    {
        long alias = 0;
        foreach (var delta in scatter.AliasDeltas)
        {
            alias = unchecked(alias + delta);
            if (alias is < 0 or > uint.MaxValue)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Appends the block's readings (of <paramref name="onlyAlias"/> alone, if given); false with a reason when it is inconsistent.</summary>
    public static bool TryDecode(Scatter scatter, List<Reading> destination, out string? error, uint? onlyAlias = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var count = CountReadings(scatter);
        if (count < 0)
        {
            error = "scatter block: column lengths, decimal scale or aliases are inconsistent";
            return false;
        }

        var all = onlyAlias is null ? destination : [];
        var start = all.Count;
        var divisor = SeriesCodec.PowersOfTen[scatter.DecimalScale];
        long alias = 0;
        var timestamp = scatter.FirstTimestampUnixMs;
        for (var i = 0; i < count; i++)
        {
            alias += scatter.AliasDeltas[i];
            if (i > 0)
            {
                timestamp = unchecked(timestamp + scatter.TimestampDeltas[i - 1]);
            }

            all.Add(new Reading((uint)alias, timestamp, PointValue.FromNumber(scatter.ScaledValues[i] / divisor)));
        }

        SeriesCodec.ApplyQualities(scatter.QualityRuns, all, start);
        if (onlyAlias is { } wanted)
        {
            destination.AddRange(all.Where(r => r.Alias == wanted));
        }

        error = null;
        return true;
    }
}
