using City.Central.Assets;
using City.Central.Energy;
using City.Central.Model;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.OpenData;

/// <summary>
/// Lamp availability per town and local day: the share of the lamps' known time during which they worked, from the
/// history of each lamp's condition points (<c>.lamp-failure</c>, <c>.gear-failure</c>, <c>.answering</c>: the ones the
/// maintenance list watches). The state at the start of the range comes from the readings of the
/// <see cref="LookbackDays"/> days before it.
/// </summary>
internal static class AvailabilityDataset
{
    public const int LookbackDays = 30;
    private const int PageSize = 100_000;

    public static readonly string[] Columns =
    [
        "town", "date", "start", "end", "lamps", "known_lamp_hours", "working_lamp_hours", "availability_percent", "lamps_failed", "complete",
    ];

    public static DataTable Build(GatewayRegistry registry, AssetDirectory assets, IHistoryStore history, DateOnly firstDay, DateOnly lastDay, Func<string, bool> townPublished, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(townPublished);
        var nowMs = now.ToUnixTimeMilliseconds();
        var towns = new Dictionary<string, TownDays>(StringComparer.OrdinalIgnoreCase);
        var readFrom = new DateTimeOffset(firstDay.AddDays(-LookbackDays - 1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
        foreach (var gateway in registry.All())
        {
            var lamps = LampsOf(gateway, assets, townPublished);
            if (lamps.Count == 0)
            {
                continue;
            }

            var series = lamps.SelectMany(l => l.Points).Select(p => new SeriesKey(gateway.Id, p.PointId, p.Alias)).ToList();
            var owner = new Dictionary<int, (LampPoints Lamp, int Point)>();
            var index = 0;
            foreach (var lamp in lamps)
            {
                for (var p = 0; p < lamp.Points.Count; p++)
                {
                    owner[index++] = (lamp, p);
                }
            }

            string? cursor = null;
            do
            {
                var page = history.ReadHistory(new HistoryQuery(series, readFrom, nowMs, PageSize, cursor));
                foreach (var reading in page.Readings)
                {
                    var (lamp, point) = owner[reading.Series];
                    lamp.Readings.Add(new ConditionReading(reading.Reading.TimestampUnixMs, point, ConditionOf(lamp.Points[point], reading.Reading)));
                }

                cursor = page.NextCursor;
            }
            while (cursor is not null);

            foreach (var lamp in lamps)
            {
                if (!towns.TryGetValue(lamp.Town, out var town))
                {
                    town = new TownDays(lamp.Town, assets, firstDay, lastDay);
                    towns.Add(lamp.Town, town);
                }

                var days = new LampDay[town.Days.Count];
                AvailabilityCalculator.Accumulate(lamp.Readings, lamp.Points.Count, town.Days, nowMs, days);
                town.Add(days);
            }
        }

        var table = new DataTable(Columns);
        foreach (var town in towns.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            for (var d = 0; d < town.Days.Count; d++)
            {
                var (known, working, lampCount, failed) = town.Totals[d];
                if (lampCount == 0)
                {
                    continue;
                }

                var start = DateTimeOffset.FromUnixTimeMilliseconds(town.Days[d].Start).ToOffset(town.Zone.GetUtcOffset(DateTimeOffset.FromUnixTimeMilliseconds(town.Days[d].Start)));
                var end = DateTimeOffset.FromUnixTimeMilliseconds(town.Days[d].End).ToOffset(town.Zone.GetUtcOffset(DateTimeOffset.FromUnixTimeMilliseconds(town.Days[d].End)));
                table.Add(
                    town.Name,
                    firstDay.AddDays(d).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                    OpenDataTimes.Local(start),
                    OpenDataTimes.Local(end),
                    lampCount,
                    Math.Round(known / 3_600_000.0, 4),
                    Math.Round(working / 3_600_000.0, 4),
                    Math.Round(100.0 * working / known, 2),
                    failed,
                    town.Days[d].End <= nowMs);
            }
        }

        return table;
    }

    /// <summary>A good boolean reading says working or failed (answering: true = working; the failure flags: true = failed).</summary>
    internal static LampCondition ConditionOf(WatchedPoint point, Reading reading)
    {
        if (reading.Quality != Quality.Good || reading.Value.Type != PointType.Boolean)
        {
            return LampCondition.Unknown;
        }

        var set = point.IsSet(reading.Value);
        return set ? LampCondition.Failed : LampCondition.Working;
    }

    private static List<LampPoints> LampsOf(GatewayState gateway, AssetDirectory assets, Func<string, bool> townPublished)
    {
        var result = new List<LampPoints>();
        var watched = WatchedPoint.Map(gateway.Catalogue).Watched.Values
            .Where(p => p.LampId is not null && p.Kind is MaintenanceKinds.LampFailure or MaintenanceKinds.GearFailure or MaintenanceKinds.NotAnswering);
        foreach (var group in watched.GroupBy(p => p.LampId!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var town = assets.Find(gateway.Id, group.Key)?.Town ?? assets.TownOf(gateway.Id);
            if (town is not null && townPublished(town))
            {
                result.Add(new LampPoints(town, [.. group.OrderBy(p => p.Alias)]));
            }
        }

        return result;
    }

    private sealed record LampPoints(string Town, IReadOnlyList<WatchedPoint> Points)
    {
        public List<ConditionReading> Readings { get; } = [];
    }

    /// <summary>A town's local days and, per day, the sums over its lamps.</summary>
    private sealed class TownDays
    {
        public TownDays(string name, AssetDirectory assets, DateOnly firstDay, DateOnly lastDay)
        {
            Name = name;
            Zone = assets.Lamps(town: name).FirstOrDefault(l => l.TimeZone is not null)?.TimeZone ?? TimeZoneInfo.Utc;
            var days = new List<(long, long)>();
            for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
            {
                days.Add((EnergyReport.LocalMidnight(day, Zone).ToUnixTimeMilliseconds(), EnergyReport.LocalMidnight(day.AddDays(1), Zone).ToUnixTimeMilliseconds()));
            }

            Days = days;
            Totals = new (long, long, int, int)[days.Count];
        }

        public string Name { get; }

        public TimeZoneInfo Zone { get; }

        public IReadOnlyList<(long Start, long End)> Days { get; }

        public (long Known, long Working, int Lamps, int Failed)[] Totals { get; }

        public void Add(LampDay[] lampDays)
        {
            for (var d = 0; d < lampDays.Length; d++)
            {
                if (lampDays[d].KnownMs == 0)
                {
                    continue;
                }

                var (known, working, lamps, failed) = Totals[d];
                Totals[d] = (known + lampDays[d].KnownMs, working + lampDays[d].WorkingMs, lamps + 1, failed + (lampDays[d].Failed ? 1 : 0));
            }
        }
    }
}
