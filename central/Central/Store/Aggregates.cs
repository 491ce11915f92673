using City.Contract;
using City.Contract.Wire;

namespace City.Central.Store;

/// <summary>Interval buckets over readings: numbers and booleans (0/1) of good quality; text and other qualities are skipped.</summary>
internal static class Aggregates
{
    /// <summary>The bucket start of a timestamp: the multiple of the interval at or below it (also before 1970).</summary>
    public static long BucketOf(long unixMs, long intervalMs) => unixMs >= 0 ? unixMs - (unixMs % intervalMs) : unixMs - (((unixMs % intervalMs) + intervalMs) % intervalMs);

    public static bool Counts(Reading reading) => reading.Quality == Quality.Good && reading.Value.Type != PointType.Text;

    public static double NumberOf(Reading reading) => reading.Value.Type == PointType.Boolean ? (reading.Value.Number != 0 ? 1 : 0) : reading.Value.Number;

    /// <summary>Buckets of one series' readings (in timestamp order), only those holding a counted reading.</summary>
    public static IEnumerable<AggregateBucket> Buckets(int series, IEnumerable<Reading> readings, long intervalMs)
    {
        var buckets = new SortedDictionary<long, AggregateBucket>();
        foreach (var reading in readings)
        {
            if (!Counts(reading))
            {
                continue;
            }

            var value = NumberOf(reading);
            var start = BucketOf(reading.TimestampUnixMs, intervalMs);
            buckets[start] = buckets.TryGetValue(start, out var b)
                ? b with { Min = Math.Min(b.Min, value), Max = Math.Max(b.Max, value), Sum = b.Sum + value, Count = b.Count + 1 }
                : new AggregateBucket(series, start, value, value, value, 1);
        }

        return buckets.Values;
    }
}
