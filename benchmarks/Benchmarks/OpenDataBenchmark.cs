using System.Diagnostics;
using System.Globalization;
using City.Central.Assets;
using City.Central.Energy;
using City.Central.Model;
using City.Central.OpenData;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;

namespace City.Benchmarks;

/// <summary>
/// `opendata`: the cost of generating the open data for a city, in process. GATEWAYS cabinets of LAMPS lamps each (births
/// with a site and positioned assets, three condition points per lamp), DAYS days of condition readings (every lamp's
/// three points once at the start, and 2 % of the lamps failing and repaired on each day) in a LiteDB store, one batch
/// per gateway and day. Times each dataset's builder (the availability reads every gateway's condition history) and
/// prints the sizes.
/// </summary>
internal static class OpenDataBenchmark
{
    private const long Hour = 3_600_000;

    public static int Run(string[] args)
    {
        var gateways = 1000;
        var lamps = 34;
        var days = 31;
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--gateways": gateways = value; break;
                case "--lamps": lamps = value; break;
                case "--days": days = value; break;
                default:
                    Console.Error.WriteLine("opendata [--gateways 1000] [--lamps 34] [--days 31]");
                    return 2;
            }
        }

        var dataPath = Path.Combine(Path.GetTempPath(), "opendata-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataPath);
        try
        {
            var now = DateTimeOffset.UtcNow;
            var today = DateOnly.FromDateTime(now.UtcDateTime);
            var firstDay = today.AddDays(-days);
            var start = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
            using var store = new LiteDbReadingStore(dataPath, syncCommits: false);
            using var assetStore = new AssetStore(dataPath);
            using var energyStore = new EnergyStore(dataPath);
            var assets = new AssetDirectory(assetStore);
            var states = new List<GatewayState>();
            var random = new Random(7);
            var setup = Stopwatch.StartNew();
            long readingCount = 0;
            for (var g = 0; g < gateways; g++)
            {
                var id = $"gw-{g:D4}";
                var (lat, lon) = (47.30 + (g / 40 * 0.002), 5.00 + (g % 40 * 0.002));
                var birth = new Birth { GatewayId = id, Epoch = 1, Site = new Site { Town = $"Town {g % 24}", District = "Centre", Latitude = lat, Longitude = lon, TimeZone = "Europe/Paris" } };
                var catalogue = new List<CataloguePoint>();
                for (var n = 0; n < lamps; n++)
                {
                    var lampId = $"lights-a/g{n}";
                    birth.Assets.Add(new Asset { LampId = lampId, Line = "lights-a", Address = (uint)n, PoleId = $"P-{g}-{n}", Latitude = lat + (n * 0.0001), Longitude = lon, LuminaireModel = "LED 60", RatedPowerW = 60, ReplacedPowerW = 150, InstalledOn = "2025-03-01", RatedLifeHours = 100_000 });
                    catalogue.Add(new CataloguePoint((uint)((3 * n) + 1), lampId + ".lamp-failure", string.Empty, PointType.Boolean, "lights-a", string.Empty));
                    catalogue.Add(new CataloguePoint((uint)((3 * n) + 2), lampId + ".gear-failure", string.Empty, PointType.Boolean, "lights-a", string.Empty));
                    catalogue.Add(new CataloguePoint((uint)((3 * n) + 3), lampId + ".answering", string.Empty, PointType.Boolean, "lights-a", string.Empty));
                }

                assets.ApplyBirth(birth, now.ToUnixTimeMilliseconds());
                var state = new GatewayState(id) { Catalogue = catalogue, MaxBatchSpanMs = 24 * Hour };
                states.Add(state);
                var commit = new CommitSet();
                commit.Gateways.Add(new GatewayChange(state, true, false));
                for (var d = 0; d < days; d++)
                {
                    var readings = new List<Reading>();
                    var dayStart = start + (d * 24 * Hour);
                    for (var n = 0; n < lamps; n++)
                    {
                        if (d == 0)
                        {
                            readings.Add(new Reading((uint)((3 * n) + 1), dayStart, PointValue.FromBoolean(false)));
                            readings.Add(new Reading((uint)((3 * n) + 2), dayStart, PointValue.FromBoolean(false)));
                            readings.Add(new Reading((uint)((3 * n) + 3), dayStart, PointValue.FromBoolean(true)));
                        }

                        if (random.Next(50) == 0)
                        {
                            var failed = dayStart + (random.Next(12) * Hour);
                            readings.Add(new Reading((uint)((3 * n) + 1), failed, PointValue.FromBoolean(true)));
                            readings.Add(new Reading((uint)((3 * n) + 1), failed + (6 * Hour), PointValue.FromBoolean(false)));
                        }
                    }

                    readings = [.. readings.OrderBy(r => r.Alias).ThenBy(r => r.TimestampUnixMs)];
                    var encoded = BatchCodec.Encode(new BatchHeader(id, 1, (ulong)d + 1, dayStart), readings);
                    commit.Batches.Add(new StoredBatch(id, (ulong)d + 1, 1, BatchKind.Telemetry, dayStart, dayStart + (24 * Hour) - 1, readings.Count, encoded.Compression, encoded.Body.ToByteArray(), now.ToUnixTimeMilliseconds(), "bench") { BodyCrc32C = encoded.BodyCrc32C });
                    readingCount += readings.Count;
                }

                store.Commit(commit);
            }

            // As central's HistoryMaintenance does every 30 s: raw batches folded into per-point hourly chunks, closed hours merged.
            var foldWatch = Stopwatch.StartNew();
            while (store.Fold(now.ToUnixTimeMilliseconds(), 0).BatchesFolded > 0)
            {
            }

            store.MergeClosedSlices(now.ToUnixTimeMilliseconds(), 0);
            Console.WriteLine($"fold and merge: {foldWatch.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine($"setup: {gateways} gateways x {lamps} lamps = {gateways * lamps:N0} lamps, {readingCount:N0} condition readings over {days} days, in {setup.Elapsed.TotalSeconds:F1} s");
            var registry = new GatewayRegistry(states);
            bool All(string town) => true;

            var watch = Stopwatch.StartNew();
            var (geoJson, summary) = EquipmentDataset.Build(registry, assets, All);
            Console.WriteLine($"equipment.geojson: {summary.Cabinets:N0} cabinets + {summary.Lamps:N0} lamps, {geoJson.Length / 1e6:F1} MB in {watch.ElapsedMilliseconds} ms");

            watch.Restart();
            var availability = AvailabilityDataset.Build(registry, assets, store, firstDay, today, All, now);
            var availabilityMs = watch.ElapsedMilliseconds;
            var csv = availability.ToCsv();
            Console.WriteLine($"lamp-availability-daily: {availability.Rows.Count} rows (towns x days), {csv.Length / 1e3:F1} kB CSV, built in {availabilityMs} ms (every gateway's condition history)");

            // Where the availability's time goes: one gateway's condition history, all its series at once, over the whole
            // range (as the builder reads it) and over 2 days.
            var series = states[0].Catalogue.Select(p => new SeriesKey(states[0].Id, p.Id, p.Alias)).ToList();
            foreach (var spanDays in new[] { days + AvailabilityDataset.LookbackDays + 1, 2 })
            {
                watch.Restart();
                var page = store.ReadHistory(new HistoryQuery(series, now.ToUnixTimeMilliseconds() - (spanDays * 24 * Hour), now.ToUnixTimeMilliseconds(), 100_000));
                Console.WriteLine($"one gateway's history, {series.Count} series over {spanDays} days: {page.Readings.Count} readings in {watch.ElapsedMilliseconds} ms");
            }

            watch.Restart();
            var energy = EnergyDataset.Build(new EnergyReport(energyStore, assets), firstDay, today, All, now);
            Console.WriteLine($"energy-daily: {energy.Rows.Count} rows in {watch.ElapsedMilliseconds} ms (no energy readings in this benchmark: the report's key scan only)");
            return 0;
        }
        finally
        {
            Directory.Delete(dataPath, recursive: true);
        }
    }
}
