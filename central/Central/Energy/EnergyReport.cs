using System.Globalization;
using City.Central.Assets;

namespace City.Central.Energy;

/// <summary>How the report groups: per lamp, gateway or town, in UTC hours or the site's calendar days.</summary>
internal sealed record EnergyQuery(EnergyScope By, bool Daily, EnergyBound From, EnergyBound To, string? Town, string? Gateway);

/// <summary>A bound of the report: an instant, or a calendar date (midnight in each key's time zone).</summary>
internal readonly record struct EnergyBound(DateTimeOffset? Instant, DateOnly? Date)
{
    public DateTimeOffset In(TimeZoneInfo zone) => Instant ?? EnergyReport.LocalMidnight(Date!.Value, zone);

    public override string ToString() => Instant?.ToString("O", CultureInfo.InvariantCulture) ?? Date!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>One bucket (or a key's total) of the energy report.</summary>
internal sealed record EnergyBucket(
    string Key,
    string Start,
    string End,
    double MeasuredKwh,
    double FullPowerKwh,
    double BaselineKwh,
    double LitHours,
    double? SavingsVsFullPercent,
    double? SavingsVsBaselinePercent,
    int Lamps,
    int CounterResets);

internal sealed record EnergyResponse(
    string By,
    string Interval,
    string From,
    string To,
    IReadOnlyList<EnergyBucket> Buckets,
    IReadOnlyList<EnergyBucket> Totals,
    EnergyBucket? Total,
    long PendingReadings);

/// <summary>
/// Builds the energy report from the hourly figures: a key's hours summed into UTC hours or into calendar days of the
/// key's time zone (the lamps' site zone; UTC when unknown). A day takes the hours that start in it, so a day of a
/// daylight-saving change has 23 or 25 of them.
/// </summary>
internal sealed class EnergyReport(EnergyStore store, AssetDirectory assets)
{
    /// <summary>At most this many buckets (keys x intervals) in one answer.</summary>
    public const int MaxBuckets = 200_000;

    public EnergyResponse? Build(EnergyQuery query, long pendingReadings, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(query);
        var keys = Keys(query);
        var plans = new List<(string Key, int No, TimeZoneInfo Zone, List<(DateTimeOffset Start, DateTimeOffset End)> Intervals)>();
        var total = 0L;
        foreach (var (key, no, zone) in keys)
        {
            var from = query.From.In(zone);
            var to = query.To.In(zone);
            if (to <= from)
            {
                problem = $"to ({query.To}) is not after from ({query.From}).";
                return null;
            }

            var intervals = query.Daily ? Days(from, to, zone) : Hours(from, to, zone);
            total += intervals.Count;
            if (total > MaxBuckets)
            {
                problem = $"from/to: the report would hold more than {MaxBuckets} buckets; narrow from/to, use interval=day, or filter with town= or gateway=.";
                return null;
            }

            plans.Add((key, no, zone, intervals));
        }

        var buckets = new List<EnergyBucket>();
        var totals = new List<EnergyBucket>();
        foreach (var (key, no, zone, intervals) in plans)
        {
            if (intervals.Count == 0)
            {
                continue;
            }

            var firstHour = EnergyCalculator.HourOf(intervals[0].Start.ToUnixTimeMilliseconds());
            var lastHour = EnergyCalculator.HourOf(intervals[^1].End.ToUnixTimeMilliseconds() - 1);
            var hours = store.ReadHours(query.By, no, firstHour, lastHour);
            if (hours.Count == 0)
            {
                continue;
            }

            var keyTotal = new Sum();
            var next = 0;
            foreach (var (start, end) in intervals)
            {
                var sum = new Sum();
                var endHour = end.ToUnixTimeMilliseconds();
                while (next < hours.Count && hours[next].Hour * EnergyCalculator.MsPerHour < endHour)
                {
                    if (hours[next].Hour * EnergyCalculator.MsPerHour >= start.ToUnixTimeMilliseconds())
                    {
                        sum.Add(hours[next]);
                        keyTotal.Add(hours[next]);
                    }

                    next++;
                }

                buckets.Add(sum.ToBucket(key, start, end));
            }

            totals.Add(keyTotal.ToBucket(key, intervals[0].Start, intervals[^1].End));
        }

        problem = null;
        var all = new Sum();
        foreach (var keyTotal in totals)
        {
            all.Add(keyTotal);
        }

        return new EnergyResponse(
            Name(query.By),
            query.Daily ? "day" : "hour",
            query.From.ToString(),
            query.To.ToString(),
            buckets,
            totals,
            totals.Count == 0 ? null : all.ToBucket("*", DateTimeOffset.Parse(totals.Min(t => t.Start)!, CultureInfo.InvariantCulture), DateTimeOffset.Parse(totals.Max(t => t.End)!, CultureInfo.InvariantCulture)),
            pendingReadings);
    }

    public static string Name(EnergyScope scope) => scope switch
    {
        EnergyScope.Lamp => "lamp",
        EnergyScope.Gateway => "gateway",
        _ => "town",
    };

    /// <summary>Midnight of a date in a zone (the first valid local instant of that day when DST skips midnight).</summary>
    public static DateTimeOffset LocalMidnight(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private List<(string Key, int No, TimeZoneInfo Zone)> Keys(EnergyQuery query)
    {
        var result = new List<(string, int, TimeZoneInfo)>();
        foreach (var name in store.Names(query.By))
        {
            var no = store.Find(query.By, name);
            switch (query.By)
            {
                case EnergyScope.Town:
                    if (query.Town is null || string.Equals(name, query.Town, StringComparison.OrdinalIgnoreCase))
                    {
                        result.Add((name, no, ZoneOfLamp(assets.Lamps(town: name))));
                    }

                    break;
                case EnergyScope.Gateway:
                    if ((query.Gateway is null || string.Equals(name, query.Gateway, StringComparison.Ordinal))
                        && (query.Town is null || InTown(name, null, query.Town)))
                    {
                        result.Add((name, no, ZoneOfGateway(name)));
                    }

                    break;
                default:
                    var slash = name.IndexOf('/', StringComparison.Ordinal);
                    var (gateway, lamp) = (name[..slash], name[(slash + 1)..]);
                    if ((query.Gateway is null || string.Equals(gateway, query.Gateway, StringComparison.Ordinal))
                        && (query.Town is null || InTown(gateway, lamp, query.Town)))
                    {
                        var asset = assets.Find(gateway, lamp);
                        result.Add((name, no, asset?.TimeZone ?? ZoneOfGateway(gateway)));
                    }

                    break;
            }
        }

        return result;
    }

    private bool InTown(string gatewayId, string? lampId, string town)
    {
        var lampTown = lampId is null ? null : assets.Find(gatewayId, lampId)?.Town;
        return string.Equals(lampTown ?? assets.TownOf(gatewayId), town, StringComparison.OrdinalIgnoreCase);
    }

    private static TimeZoneInfo ZoneOfLamp(IReadOnlyList<LampAsset> lamps) =>
        lamps.FirstOrDefault(l => l.TimeZone is not null)?.TimeZone ?? TimeZoneInfo.Utc;

    /// <summary>The zone of a gateway's lamps, else of its site, else UTC.</summary>
    private TimeZoneInfo ZoneOfGateway(string gatewayId)
    {
        var zone = ZoneOfLamp(assets.Lamps(gatewayId: gatewayId));
        if (zone != TimeZoneInfo.Utc || assets.SiteOf(gatewayId)?.TimeZone is not { Length: > 0 } id)
        {
            return zone;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var site) ? site : TimeZoneInfo.Utc;
    }

    private static List<(DateTimeOffset, DateTimeOffset)> Hours(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone)
    {
        var result = new List<(DateTimeOffset, DateTimeOffset)>();
        var start = EnergyCalculator.HourOf(from.ToUnixTimeMilliseconds());
        var end = EnergyCalculator.HourOf(to.ToUnixTimeMilliseconds() - 1);
        for (var hour = start; hour <= end && result.Count <= MaxBuckets; hour++)
        {
            result.Add((InZone(hour * EnergyCalculator.MsPerHour, zone), InZone((hour + 1) * EnergyCalculator.MsPerHour, zone)));
        }

        return result;
    }

    private static List<(DateTimeOffset, DateTimeOffset)> Days(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone)
    {
        var result = new List<(DateTimeOffset, DateTimeOffset)>();
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, zone).DateTime);
        while (result.Count <= MaxBuckets)
        {
            var start = LocalMidnight(day, zone);
            if (start >= to)
            {
                break;
            }

            result.Add((start, LocalMidnight(day.AddDays(1), zone)));
            day = day.AddDays(1);
        }

        return result;
    }

    private static DateTimeOffset InZone(long unixMs, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(unixMs), zone);

    /// <summary>Sums hours (or buckets) into one bucket; its lamps are the most lamps with data in one hour.</summary>
    private sealed class Sum
    {
        private double _measuredWh;
        private double _fullWh;
        private double _baselineWh;
        private double _litSeconds;
        private int _resets;
        private int _lamps;

        public void Add(HourTotals hour)
        {
            _measuredWh += hour.MeasuredWh;
            _fullWh += hour.FullPowerWh;
            _baselineWh += hour.BaselineWh;
            _litSeconds += hour.LitSeconds;
            _resets += hour.CounterResets;
            _lamps = Math.Max(_lamps, hour.Lamps);
        }

        public void Add(EnergyBucket bucket)
        {
            _measuredWh += bucket.MeasuredKwh * 1000;
            _fullWh += bucket.FullPowerKwh * 1000;
            _baselineWh += bucket.BaselineKwh * 1000;
            _litSeconds += bucket.LitHours * 3600;
            _resets += bucket.CounterResets;
            _lamps += bucket.Lamps;
        }

        public EnergyBucket ToBucket(string key, DateTimeOffset start, DateTimeOffset end) => new(
            key,
            start.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            end.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            Math.Round(_measuredWh / 1000, 6),
            Math.Round(_fullWh / 1000, 6),
            Math.Round(_baselineWh / 1000, 6),
            Math.Round(_litSeconds / 3600, 6),
            Savings(_measuredWh, _fullWh),
            Savings(_measuredWh, _baselineWh),
            _lamps,
            _resets);

        private static double? Savings(double measured, double reference) =>
            reference > 0 ? Math.Round((1 - (measured / reference)) * 100, 2) : null;
    }
}
