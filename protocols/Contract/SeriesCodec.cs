using City.Contract.Wire;

namespace City.Contract;

/// <summary>
/// Lays the readings of one point out by column: timestamps as delta of delta, numbers as zigzag
/// deltas of decimally scaled integers when that is exact, qualities as runs.
/// </summary>
public static class SeriesCodec
{
    /// <summary>Largest decimal scale tried before numbers fall back to raw doubles.</summary>
    public const int MaxDecimalScale = 9;

    // Beyond 2^53 consecutive integers are no longer exact in a double.
    private const double MaxExactInteger = 9007199254740992d;

    internal static readonly double[] PowersOfTen =
        [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

    /// <summary>Encodes readings of one alias and one value type, in the order given.</summary>
    public static Series Encode(uint alias, ReadOnlySpan<Reading> readings)
    {
        if (readings.IsEmpty)
        {
            throw new ArgumentException("A series needs at least one reading.", nameof(readings));
        }

        var type = readings[0].Value.Type;
        var series = new Series { Alias = alias, FirstTimestampUnixMs = readings[0].TimestampUnixMs };
        long previousTimestamp = readings[0].TimestampUnixMs;
        long previousDelta = 0;
        for (var i = 0; i < readings.Length; i++)
        {
            var reading = readings[i];
            if (reading.Alias != alias || reading.Value.Type != type)
            {
                throw new ArgumentException($"Reading {i} has alias {reading.Alias} and type {reading.Value.Type}; the series is alias {alias} of type {type}.", nameof(readings));
            }

            if (i > 0)
            {
                var delta = reading.TimestampUnixMs - previousTimestamp;
                series.TimestampDeltaOfDelta.Add(i == 1 ? delta : delta - previousDelta);
                previousDelta = delta;
                previousTimestamp = reading.TimestampUnixMs;
            }
        }

        EncodeValues(series, type, readings);
        EncodeQualities(series.QualityRuns, readings);
        return series;
    }

    /// <summary>Number of readings the series holds, or -1 when its columns disagree.</summary>
    public static int CountReadings(Series series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var count = series.TimestampDeltaOfDelta.Count + 1;
        var values = series.Encoding switch
        {
            ValueEncoding.ScaledDelta => series.ScaledDeltas.Count,
            ValueEncoding.Double => series.Doubles.Count,
            ValueEncoding.Boolean => series.Booleans.Count,
            ValueEncoding.Text => series.Texts.Count,
            _ => -1,
        };
        if (values != count)
        {
            return -1;
        }

        return QualityRunsCover(series.QualityRuns, count) ? count : -1;
    }

    /// <summary>True when the runs are empty (all good) or pairs whose lengths add up to <paramref name="count"/>.</summary>
    internal static bool QualityRunsCover(Google.Protobuf.Collections.RepeatedField<uint> runs, int count)
    {
        if (runs.Count == 0)
        {
            return true;
        }

        if (runs.Count % 2 != 0)
        {
            return false;
        }

        long total = 0;
        for (var i = 1; i < runs.Count; i += 2)
        {
            total += runs[i];
        }

        return total == count;
    }

    /// <summary>Appends the series' readings to <paramref name="destination"/>; false with a reason when it is inconsistent.</summary>
    public static bool TryDecode(Series series, List<Reading> destination, out string? error)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(destination);
        var count = CountReadings(series);
        if (count < 0)
        {
            error = $"series of alias {series.Alias}: column lengths disagree";
            return false;
        }

        if (series.Encoding == ValueEncoding.ScaledDelta && series.DecimalScale > MaxDecimalScale)
        {
            error = $"series of alias {series.Alias}: decimal scale {series.DecimalScale} is above {MaxDecimalScale}";
            return false;
        }

        var start = destination.Count;
        long timestamp = series.FirstTimestampUnixMs;
        long delta = 0;
        long scaled = 0;
        var divisor = series.Encoding == ValueEncoding.ScaledDelta ? PowersOfTen[series.DecimalScale] : 1;
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                var field = series.TimestampDeltaOfDelta[i - 1];
                delta = i == 1 ? field : unchecked(delta + field);
                timestamp = unchecked(timestamp + delta);
            }

            PointValue value;
            switch (series.Encoding)
            {
                case ValueEncoding.ScaledDelta:
                    scaled = unchecked(scaled + series.ScaledDeltas[i]);
                    value = PointValue.FromNumber(scaled / divisor);
                    break;
                case ValueEncoding.Double:
                    value = PointValue.FromNumber(series.Doubles[i]);
                    break;
                case ValueEncoding.Boolean:
                    value = PointValue.FromBoolean(series.Booleans[i]);
                    break;
                default:
                    value = PointValue.FromText(series.Texts[i]);
                    break;
            }

            destination.Add(new Reading(series.Alias, timestamp, value, Quality.Good));
        }

        ApplyQualities(series.QualityRuns, destination, start);
        error = null;
        return true;
    }

    /// <summary>Sets the qualities of the readings from <paramref name="start"/> on, as the (checked) runs say.</summary>
    internal static void ApplyQualities(Google.Protobuf.Collections.RepeatedField<uint> runs, List<Reading> destination, int start)
    {
        var index = start;
        for (var run = 0; run < runs.Count; run += 2)
        {
            var quality = (Quality)runs[run];
            var length = (int)runs[run + 1];
            for (var j = 0; j < length; j++, index++)
            {
                destination[index] = destination[index] with { Quality = quality };
            }
        }
    }

    private static void EncodeValues(Series series, PointType type, ReadOnlySpan<Reading> readings)
    {
        switch (type)
        {
            case PointType.Boolean:
                series.Encoding = ValueEncoding.Boolean;
                foreach (var reading in readings)
                {
                    series.Booleans.Add(reading.Value.Boolean);
                }

                return;
            case PointType.Text:
                series.Encoding = ValueEncoding.Text;
                foreach (var reading in readings)
                {
                    series.Texts.Add(reading.Value.Text ?? string.Empty);
                }

                return;
        }

        var scale = FindDecimalScale(readings);
        if (scale < 0)
        {
            series.Encoding = ValueEncoding.Double;
            foreach (var reading in readings)
            {
                series.Doubles.Add(reading.Value.Number);
            }

            return;
        }

        series.Encoding = ValueEncoding.ScaledDelta;
        series.DecimalScale = (uint)scale;
        long previous = 0;
        foreach (var reading in readings)
        {
            var scaled = (long)Math.Round(reading.Value.Number * PowersOfTen[scale]);
            series.ScaledDeltas.Add(scaled - previous);
            previous = scaled;
        }
    }

    /// <summary>The smallest decimal scale at which every number is an exact integer, or -1.</summary>
    internal static int FindDecimalScale(ReadOnlySpan<Reading> readings)
    {
        var scale = 0;
        foreach (var reading in readings)
        {
            var number = reading.Value.Number;
            while (!ScalesExactly(number, scale))
            {
                if (++scale > MaxDecimalScale || !double.IsFinite(number))
                {
                    return -1;
                }
            }
        }

        return scale;
    }

    private static bool ScalesExactly(double number, int scale)
    {
        if (!double.IsFinite(number) || (number == 0 && double.IsNegative(number)))
        {
            return false;
        }

        var power = PowersOfTen[scale];
        var scaled = Math.Round(number * power);
        return Math.Abs(scaled) < MaxExactInteger && scaled / power == number;
    }

    internal static void EncodeQualities(Google.Protobuf.Collections.RepeatedField<uint> runs, ReadOnlySpan<Reading> readings)
    {
        var allGood = true;
        foreach (var reading in readings)
        {
            if (reading.Quality != Quality.Good)
            {
                allGood = false;
                break;
            }
        }

        if (allGood)
        {
            return;
        }

        var current = readings[0].Quality;
        uint length = 0;
        foreach (var reading in readings)
        {
            if (reading.Quality != current)
            {
                runs.Add((uint)current);
                runs.Add(length);
                current = reading.Quality;
                length = 0;
            }

            length++;
        }

        runs.Add((uint)current);
        runs.Add(length);
    }
}
