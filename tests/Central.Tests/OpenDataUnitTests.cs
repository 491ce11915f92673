using System.Globalization;
using System.Text;
using City.Central.Assets;
using City.Central.Configuration;
using City.Central.Energy;
using City.Central.OpenData;
using City.Central.State;
using City.Central.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace City.Central.Tests;

/// <summary>The open data's pure parts (availability, patterns, CSV, counters) and the daily schedule on a fake clock.</summary>
public sealed class OpenDataUnitTests
{
    private const long Hour = 3_600_000;

    [Fact]
    public void Availability_carries_each_state_until_the_next_reading_and_a_failure_of_any_point_wins()
    {
        (long, long)[] days = [(0, 24 * Hour), (24 * Hour, 48 * Hour)];
        var totals = new LampDay[2];
        ConditionReading[] readings =
        [
            new(2 * Hour, 0, LampCondition.Working),             // known from 02:00
            new(2 * Hour, 1, LampCondition.Working),
            new(10 * Hour, 1, LampCondition.Failed),             // the second point fails at 10:00 ...
            new(12 * Hour, 0, LampCondition.Working),            // ... which a working first point does not hide
            new(14 * Hour, 1, LampCondition.Working),            // repaired at 14:00
            new(30 * Hour, 0, LampCondition.Unknown),            // both unknown from 30:00 (comm-loss)
            new(30 * Hour, 1, LampCondition.Unknown),
        ];
        AvailabilityCalculator.Accumulate(readings, 2, days, 40 * Hour, totals);
        Assert.Equal(22 * Hour, totals[0].KnownMs);
        Assert.Equal(18 * Hour, totals[0].WorkingMs);
        Assert.True(totals[0].Failed);
        Assert.Equal(6 * Hour, totals[1].KnownMs);
        Assert.Equal(6 * Hour, totals[1].WorkingMs);
        Assert.False(totals[1].Failed);
    }

    [Fact]
    public void Availability_stops_at_now()
    {
        var totals = new LampDay[1];
        AvailabilityCalculator.Accumulate([new ConditionReading(0, 0, LampCondition.Failed)], 1, [(0, 24 * Hour)], 5 * Hour, totals);
        Assert.Equal(5 * Hour, totals[0].KnownMs);
        Assert.Equal(0, totals[0].WorkingMs);
        Assert.True(totals[0].Failed);
    }

    [Theory]
    [InlineData("gw-001/tc-snmp/detector-volume/*", "gw-001", "tc-snmp/detector-volume/3", true)]
    [InlineData("gw-001/tc-snmp/detector-volume/*", "gw-002", "tc-snmp/detector-volume/3", false)]
    [InlineData("*/*/detector-volume/*", "gw-002", "tc-snmp/detector-volume/3", true)]
    [InlineData("*/*/detector-volume/*", "gw-002", "tc-snmp/detector-occupancy/3", false)]
    [InlineData("*/tc1/detector-*-count", "gw.1", "tc1/detector-8-count", true)]
    [InlineData("gw.1/tc1/detector-1-count", "gwx1", "tc1/detector-1-count", false)]
    public void Point_patterns_take_star_for_any_run_and_the_rest_literally(string pattern, string gateway, string point, bool allowed) =>
        Assert.Equal(allowed, new PointPatterns([pattern]).Allows(gateway, point));

    [Fact]
    public void Settings_problems_name_their_keys()
    {
        var options = new CentralOptions { OpenData = new OpenDataSettings { Datasets = ["energy", "weather"], TrafficPoints = ["*"], Days = 0, BaseUrl = "ftp://x", LicenceUrl = "etalab" } };
        var errors = options.Validate();
        Assert.Contains(errors, e => e.StartsWith("Central:OpenData:Datasets:1: 'weather' is not one of energy, availability, equipment, traffic", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Central:OpenData:TrafficPoints:0: '*'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Central:OpenData:Days: 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Central:OpenData:BaseUrl:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Central:OpenData:LicenceUrl:", StringComparison.Ordinal));
        Assert.False(new OpenDataSettings().Publishes(OpenDataNames.Energy));
        Assert.True(new OpenDataSettings { Enabled = true }.Publishes(OpenDataNames.Traffic));
        Assert.False(new OpenDataSettings { Enabled = true, Datasets = ["energy"] }.Publishes(OpenDataNames.Traffic));
    }

    [Fact]
    public void No_pattern_allows_nothing() => Assert.False(new PointPatterns([]).Allows("gw-001", "tc1/detector-volume/1"));

    [Fact]
    public void Csv_is_utf8_without_bom_with_a_header_crlf_and_quoted_fields()
    {
        var table = new DataTable(["town", "value", "note"]);
        table.Add("Saint-Étienne", 1.5, "a, \"quoted\" note");
        table.Add("Lyon", null, double.NaN);
        var bytes = table.ToCsv();
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal("town,value,note\r\nSaint-Étienne,1.5,\"a, \"\"quoted\"\" note\"\r\nLyon,,\r\n", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Detector_points_are_ntcip_volumes_or_modbus_counters()
    {
        Assert.Equal(("tc-snmp", 3, false), TrafficDataset.Parse("tc-snmp/detector-volume/3"));
        Assert.Equal(("tc1", 8, true), TrafficDataset.Parse("tc1/detector-8-count"));
        Assert.Null(TrafficDataset.Parse("tc-snmp/detector-occupancy/3"));
        Assert.Null(TrafficDataset.Parse("tc1/detector-1-occupied"));
    }

    [Fact]
    public void A_wrapping_counter_counts_its_increases_in_the_hour_of_the_later_reading()
    {
        var hours = TrafficDataset.CounterHours([(10, 65_000), (Hour - 1, 65_535), (Hour + 5, 9), (2 * Hour, 9)]);
        Assert.Equal(535, hours[0]);
        Assert.Equal(10, hours[Hour]);
        Assert.Equal(0, hours[2 * Hour]);
    }

    [Fact]
    public async Task Files_are_generated_at_start_then_daily_at_GenerateAtUtc_on_the_clock_given()
    {
        var dataPath = CentralHost.NewDataPath();
        Directory.CreateDirectory(dataPath);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T10:00:00Z", CultureInfo.InvariantCulture));
        var options = new CentralOptions { DataPath = dataPath, OpenData = new OpenDataSettings { Enabled = true, GenerateAtUtc = TimeSpan.FromHours(3), Days = 2 } };
        using var readings = new LiteDbReadingStore(dataPath, syncCommits: false);
        using var assetStore = new AssetStore(dataPath);
        using var energyStore = new EnergyStore(dataPath);
        var assets = new AssetDirectory(assetStore);
        using var publisher = new OpenDataPublisher(
            Microsoft.Extensions.Options.Options.Create(options), new GatewayRegistry([]), assets, readings, new EnergyReport(energyStore, assets), time, NullLogger<OpenDataPublisher>.Instance);
        try
        {
            Assert.Equal(TimeSpan.FromHours(17), publisher.UntilNext(time.GetUtcNow()));
            options.OpenData.RefreshMinutes = 15;
            Assert.Equal(TimeSpan.FromMinutes(15), publisher.UntilNext(time.GetUtcNow()));
            Assert.Equal(TimeSpan.FromMinutes(5), publisher.UntilNext(time.GetUtcNow().AddHours(16).AddMinutes(55)));
            options.OpenData.RefreshMinutes = 0;
            await publisher.StartAsync(CancellationToken.None);
            await Wait.UntilAsync(() => Task.FromResult(publisher.Current is not null), TimeSpan.FromSeconds(30), "the first generation");
            Assert.Equal(time.GetUtcNow(), publisher.Current!.GeneratedAt);
            Assert.Equal(new DateOnly(2026, 12, 3), publisher.Current.FirstDay);
            Assert.Equal(7, publisher.Current.Files.Count);

            // 17 hours later, 03:00 UTC the next day: generated again.
            time.Advance(TimeSpan.FromHours(17));
            await Wait.UntilAsync(() => Task.FromResult(publisher.Current!.GeneratedAt == time.GetUtcNow()), TimeSpan.FromSeconds(30), "the daily generation");
            Assert.Equal(new DateOnly(2026, 12, 6), publisher.Current!.LastDay);
            Assert.Equal(
                publisher.Current.Files.Select(f => f.File.Name).Order(StringComparer.Ordinal),
                Directory.GetFiles(publisher.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal("town,date,start,end,measured_kwh,full_power_kwh,baseline_kwh,lit_hours,savings_vs_full_percent,savings_vs_baseline_percent,lamps,counter_resets,complete\r\n", await File.ReadAllTextAsync(Path.Combine(publisher.Folder, "energy-daily.csv")));
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
            Directory.Delete(dataPath, recursive: true);
        }
    }
}
