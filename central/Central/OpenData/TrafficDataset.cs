using System.Globalization;
using City.Central.Assets;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.OpenData;

/// <summary>
/// Traffic detector counts per controller and UTC hour, for the detector points the allow-list names. Two kinds of point:
/// an NTCIP 1202 <c>DEVICE/detector-volume/N</c> (detectorVolume: the vehicles of the controller's last collection
/// period, read once per period by the edge's profile) is summed per hour; a Modbus <c>DEVICE/detector-N-count</c> (a
/// wrapping 16-bit counter) counts its increases, each in the hour of the later reading.
/// </summary>
internal static class TrafficDataset
{
    public const long HourMs = 3_600_000;
    private const int PageSize = 100_000;

    public static readonly string[] Columns = ["town", "controller", "detector", "start", "end", "vehicles", "complete"];

    /// <summary>The controller (DEVICE) and detector number of a detector point id, or null.</summary>
    public static (string Device, int Detector, bool IsCounter)? Parse(string pointId)
    {
        ArgumentNullException.ThrowIfNull(pointId);
        var parts = pointId.Split('/');
        if (parts.Length == 3 && parts[1] == "detector-volume" && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var row))
        {
            return (parts[0], row, false);
        }

        if (parts.Length == 2 && parts[1].StartsWith("detector-", StringComparison.Ordinal) && parts[1].EndsWith("-count", StringComparison.Ordinal)
            && int.TryParse(parts[1]["detector-".Length..^"-count".Length], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return (parts[0], number, true);
        }

        return null;
    }

    /// <summary>Vehicles per hour from a wrapping 16-bit counter's readings in time order (the hour of the later reading).</summary>
    public static SortedDictionary<long, double> CounterHours(IEnumerable<(long AtUnixMs, double Value)> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var hours = new SortedDictionary<long, double>();
        double? previous = null;
        foreach (var (at, value) in readings)
        {
            if (previous is { } before)
            {
                var increase = (value - before + 65_536) % 65_536;
                var hour = Aggregates.BucketOf(at, HourMs);
                hours[hour] = hours.GetValueOrDefault(hour) + increase;
            }

            previous = value;
        }

        return hours;
    }

    public static DataTable Build(GatewayRegistry registry, AssetDirectory assets, IHistoryStore history, PointPatterns allowed, DateOnly firstDay, Func<string, bool> townPublished, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentNullException.ThrowIfNull(townPublished);
        var fromMs = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
        var nowMs = now.ToUnixTimeMilliseconds();
        var rows = new List<(string Town, string Controller, int Detector, long Hour, double Vehicles)>();
        foreach (var gateway in registry.All())
        {
            // A controller without a town is published only when no town list is configured.
            var town = assets.TownOf(gateway.Id) ?? string.Empty;
            if (!townPublished(town))
            {
                continue;
            }

            var points = gateway.Catalogue
                .Where(p => p.Type == PointType.Number && allowed.Allows(gateway.Id, p.Id))
                .Select(p => (Point: p, Detector: Parse(p.Id)))
                .Where(p => p.Detector is not null)
                .ToList();
            var volumes = points.Where(p => !p.Detector!.Value.IsCounter).ToList();
            if (volumes.Count > 0)
            {
                var buckets = history.ReadAggregates(new AggregateQuery([.. volumes.Select(p => new SeriesKey(gateway.Id, p.Point.Id, p.Point.Alias))], fromMs, nowMs, HourMs));
                foreach (var bucket in buckets)
                {
                    var (device, detector, _) = volumes[bucket.Series].Detector!.Value;
                    rows.Add((town, gateway.Id + "/" + device, detector, bucket.StartUnixMs, bucket.Sum));
                }
            }

            foreach (var (point, parsed) in points.Where(p => p.Detector!.Value.IsCounter))
            {
                var (device, detector, _) = parsed!.Value;
                var readings = new List<(long, double)>();
                string? cursor = null;
                do
                {
                    // One reading before the range gives the first hour's increase.
                    var page = history.ReadHistory(new HistoryQuery([new SeriesKey(gateway.Id, point.Id, point.Alias)], fromMs - HourMs, nowMs, PageSize, cursor));
                    readings.AddRange(page.Readings.Where(r => Aggregates.Counts(r.Reading)).Select(r => (r.Reading.TimestampUnixMs, r.Reading.Value.Number)));
                    cursor = page.NextCursor;
                }
                while (cursor is not null);

                foreach (var (hour, vehicles) in CounterHours(readings).Where(h => h.Key >= fromMs))
                {
                    rows.Add((town, gateway.Id + "/" + device, detector, hour, vehicles));
                }
            }
        }

        var table = new DataTable(Columns);
        foreach (var row in rows.OrderBy(r => r.Town, StringComparer.Ordinal).ThenBy(r => r.Controller, StringComparer.Ordinal).ThenBy(r => r.Detector).ThenBy(r => r.Hour))
        {
            table.Add(row.Town.Length == 0 ? null : row.Town, row.Controller, row.Detector, OpenDataTimes.Utc(row.Hour), OpenDataTimes.Utc(row.Hour + HourMs), row.Vehicles, row.Hour + HourMs <= nowMs);
        }

        return table;
    }
}
