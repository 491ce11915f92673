using City.Central.Energy;

namespace City.Central.OpenData;

/// <summary>
/// Daily energy and savings per town: the buckets of GET /api/v1/energy?by=town&amp;interval=day over the published days
/// (the same report, so the figures are the API's), one row per town and local day.
/// </summary>
internal static class EnergyDataset
{
    public static readonly string[] Columns =
    [
        "town", "date", "start", "end", "measured_kwh", "full_power_kwh", "baseline_kwh", "lit_hours",
        "savings_vs_full_percent", "savings_vs_baseline_percent", "lamps", "counter_resets", "complete",
    ];

    public static DataTable Build(EnergyReport report, DateOnly firstDay, DateOnly lastDay, Func<string, bool> townPublished, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(townPublished);
        var table = new DataTable(Columns);
        var query = new EnergyQuery(EnergyScope.Town, Daily: true, new EnergyBound(null, firstDay), new EnergyBound(null, lastDay.AddDays(1)), Town: null, Gateway: null);
        var response = report.Build(query, 0, out var problem)
            ?? throw new InvalidOperationException("the energy report for the open data failed: " + problem);
        foreach (var bucket in response.Buckets.Where(b => townPublished(b.Key)).OrderBy(b => b.Key, StringComparer.Ordinal).ThenBy(b => b.Start, StringComparer.Ordinal))
        {
            table.Add(
                bucket.Key,
                bucket.Start[..10],
                bucket.Start,
                bucket.End,
                bucket.MeasuredKwh,
                bucket.FullPowerKwh,
                bucket.BaselineKwh,
                bucket.LitHours,
                bucket.SavingsVsFullPercent,
                bucket.SavingsVsBaselinePercent,
                bucket.Lamps,
                bucket.CounterResets,
                DateTimeOffset.Parse(bucket.End, System.Globalization.CultureInfo.InvariantCulture) <= now);
        }

        return table;
    }
}
