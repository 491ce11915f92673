using City.Contract;

namespace City.Benchmarks;

/// <summary>The workload of the size comparison: 50 points read once a second for a minute.</summary>
internal static class Telemetry
{
    public const long Start = 1_790_000_000_000;

    public static List<Reading> Periodic(int points = 50, int perPoint = 60, int seed = 42)
    {
        var random = new Random(seed);
        var readings = new List<Reading>(points * perPoint);
        for (var p = 0; p < points; p++)
        {
            var level = 200 + (p * 3.7);
            for (var i = 0; i < perPoint; i++)
            {
                level += Math.Round((random.NextDouble() - 0.5) * 0.4, 2);
                readings.Add(new Reading((uint)(p + 1), Start + (i * 1000), PointValue.FromNumber(Math.Round(level, 2))));
            }
        }

        return readings;
    }
}
