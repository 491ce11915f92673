using System.Diagnostics;
using System.Globalization;
using City.Central.Assets;
using City.Central.Configuration;
using City.Central.Energy;
using City.Central.Ingest;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace City.Benchmarks;

/// <summary>
/// `energy`: central's energy aggregates, in process. Part 1 aggregates a town's month (LAMPS lamps on gateways of 40,
/// DAYS days of hourly level and counter readings, one round per day) and times the report over it (median of 5).
/// Part 2 times the ingest worker (LiteDB store, fsync'd commits, as central runs it) on groups of 200 batches of
/// 1,000 readings, with no lamp point and with 8 or 32 lamps (16% or 64% of the readings), alternating, ROUNDS times;
/// the aggregator runs alongside and a full channel holds ingest back, so its cost shows in the ingest rate.
/// </summary>
internal static class EnergyBenchmark
{
    private const long Hour = 3_600_000;
    private const int LampsPerGateway = 40;

    public static async Task<int> RunAsync(string[] args)
    {
        var lamps = 2000;
        var days = 30;
        var rounds = 3;
        var groups = 5;
        var aggregateLamps = 200;
        var aggregateDays = 7;
        var part = "all";
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--part")
            {
                part = args[i + 1];
                continue;
            }

            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--lamps": lamps = value; break;
                case "--days": days = value; break;
                case "--rounds": rounds = value; break;
                case "--groups": groups = value; break;
                case "--aggregate-lamps": aggregateLamps = value; break;
                case "--aggregate-days": aggregateDays = value; break;
                default:
                    Console.Error.WriteLine("energy [--part all|report|ingest] [--lamps 2000] [--days 30] [--aggregate-lamps 200] [--aggregate-days 7] [--rounds 3] [--groups 5]");
                    return 2;
            }
        }

        var dir = Path.Combine(Path.GetTempPath(), "energy-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            if (part is "all" or "report")
            {
                Aggregate(Path.Combine(dir, "aggregate"), aggregateLamps, aggregateDays);
                Report(Path.Combine(dir, "report"), lamps, days);
            }

            if (part is "all" or "ingest")
            {
                await IngestAsync(Path.Combine(dir, "ingest"), rounds, groups);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        return 0;
    }

    private static void Aggregate(string dir, int lamps, int days)
    {
        var gateways = Math.Max(1, lamps / LampsPerGateway);
        var assets = new AssetDirectory(new AssetStore(dir));
        for (var g = 0; g < gateways; g++)
        {
            assets.ApplyBirth(Birth($"town-{g:D3}", LampsPerGateway, "Dijon"), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }

        using var store = new EnergyStore(dir);
        var aggregator = new EnergyAggregator(new EnergyTap(), store, assets, TimeProvider.System, NullLogger<EnergyAggregator>.Instance);
        var first = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-days - 1), TimeSpan.Zero).ToUnixTimeMilliseconds();
        var counters = new double[gateways, LampsPerGateway];
        var readings = 0L;
        var watch = Stopwatch.StartNew();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        for (var day = 0; day < days; day++)
        {
            var batches = new List<EnergyBatch>();
            for (var g = 0; g < gateways; g++)
            {
                var list = new List<LampReading>(LampsPerGateway * 48);
                for (var lamp = 0; lamp < LampsPerGateway; lamp++)
                {
                    for (var h = 0; h < 24; h++)
                    {
                        var t = first + (day * 24 * Hour) + (h * Hour);
                        var lit = h is >= 17 or < 7;
                        list.Add(new LampReading($"lights-a/g{lamp + 1}", EnergyKind.Level, t, lit ? 229 : 0));
                        list.Add(new LampReading($"lights-a/g{lamp + 1}", EnergyKind.Counter, t, counters[g, lamp]));
                        counters[g, lamp] += lit ? 25 : 0;
                    }
                }

                readings += list.Count;
                batches.Add(new EnergyBatch($"town-{g:D3}", list));
            }

            store.InTransaction(() => aggregator.Apply(batches));
        }

        var seconds = watch.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        store.Checkpoint();
        Console.WriteLine($"aggregation: {lamps} lamps x {days} days hourly = {readings:N0} readings, {(long)lamps * days * 24:N0} lamp hours in {seconds:F1} s: {readings / seconds:N0} readings/s, {lamps * days * 24 / seconds:N0} lamp hours/s ({cpu:F1} s of CPU: {readings / cpu:N0} readings per CPU second); energy.db {new FileInfo(store.FilePath).Length / 1e6:F0} MB");
    }

    private static void Report(string dir, int lamps, int days)
    {
        // The hours written directly (what the aggregator would write), to time the report over a whole town's month.
        var gateways = Math.Max(1, lamps / LampsPerGateway);
        var assets = new AssetDirectory(new AssetStore(dir));
        for (var g = 0; g < gateways; g++)
        {
            assets.ApplyBirth(Birth($"town-{g:D3}", LampsPerGateway, "Dijon"), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }

        using var store = new EnergyStore(dir);
        var firstHour = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / Hour / 24 * 24) - ((days + 1) * 24);
        var watch = Stopwatch.StartNew();
        var townNo = store.NumberOf(EnergyScope.Town, "Dijon");
        for (var day = 0; day < days; day++)
        {
            store.InTransaction(() =>
            {
                var rollups = new RollupDifferences();
                for (var g = 0; g < gateways; g++)
                {
                    var gatewayNo = store.NumberOf(EnergyScope.Gateway, $"town-{g:D3}");
                    for (var lamp = 0; lamp < LampsPerGateway; lamp++)
                    {
                        var lampNo = store.NumberOf(EnergyScope.Lamp, EnergyStore.LampName($"town-{g:D3}", $"lights-a/g{lamp + 1}"));
                        for (var h = 0; h < 24; h++)
                        {
                            var lit = h is >= 17 or < 7;
                            var hour = new LampHour(firstHour + (day * 24) + h, lit ? 25 : 0, 0, lit ? 3600 : 0, 50, 150, gatewayNo, townNo);
                            store.PutLampHour(lampNo, hour, isNew: true);
                            rollups.Add(EnergyScope.Gateway, gatewayNo, hour.Totals, 1);
                            rollups.Add(EnergyScope.Town, townNo, hour.Totals, 1);
                        }
                    }
                }

                rollups.WriteTo(store);
            });
        }

        store.Checkpoint();
        Console.WriteLine($"report store: {lamps} lamps x {days} days = {(long)lamps * days * 24:N0} lamp hours written directly in {watch.Elapsed.TotalSeconds:F1} s; energy.db {new FileInfo(store.FilePath).Length / 1e6:F0} MB");
        var report = new EnergyReport(store, assets);
        var from = DateOnly.FromDateTime(DateTime.UtcNow.Date.AddDays(-days));
        var to = from.AddDays(days - 1);
        (string Name, EnergyQuery Query)[] queries =
        [
            ("by=town interval=day (month)", new(EnergyScope.Town, true, new(null, from), new(null, to), "Dijon", null)),
            ("by=town interval=hour (month)", new(EnergyScope.Town, false, new(null, from), new(null, to), "Dijon", null)),
            ($"by=gateway interval=day (month, {gateways} gateways)", new(EnergyScope.Gateway, true, new(null, from), new(null, to), "Dijon", null)),
            ("by=lamp interval=hour (month, one gateway)", new(EnergyScope.Lamp, false, new(null, from), new(null, to), null, "town-000")),
            ($"by=lamp interval=day (month, {lamps} lamps)", new(EnergyScope.Lamp, true, new(null, from), new(null, to), "Dijon", null)),
        ];
        foreach (var (name, query) in queries)
        {
            var times = new List<double>();
            var buckets = 0;
            for (var run = 0; run < 6; run++)
            {
                var one = Stopwatch.StartNew();
                var response = report.Build(query, 0, out var problem) ?? throw new InvalidOperationException(problem);
                buckets = response.Buckets.Count;
                if (run > 0)
                {
                    times.Add(one.Elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            Console.WriteLine($"report {name}: {buckets:N0} buckets, median {times[times.Count / 2]:F1} ms (min {times[0]:F1}, max {times[^1]:F1})");
        }
    }

    private static Birth Birth(string gatewayId, int lamps, string town, int genericPoints = 0)
    {
        var birth = new Birth
        {
            GatewayId = gatewayId,
            Epoch = 1,
            TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            SoftwareVersion = "bench",
            Site = new Site { Town = town, Latitude = 47.32, Longitude = 5.04, TimeZone = "Europe/Paris" },
        };
        uint alias = 1;
        for (var lamp = 1; lamp <= lamps; lamp++)
        {
            birth.Points.Add(new PointInfo { Alias = alias++, Id = $"lights-a/g{lamp}.level", Type = PointType.Number, Device = "lights-a" });
            birth.Points.Add(new PointInfo { Alias = alias++, Id = $"lights-a/g{lamp}.energy", Unit = "Wh", Type = PointType.Number, Device = "lights-a" });
            birth.Assets.Add(new Asset { LampId = $"lights-a/g{lamp}", Line = "lights-a", Address = (uint)lamp, RatedPowerW = 50, ReplacedPowerW = 150, Latitude = double.NaN, Longitude = double.NaN });
        }

        for (var p = 0; p < genericPoints; p++)
        {
            birth.Points.Add(new PointInfo { Alias = alias++, Id = $"meter/p{p}", Unit = "W", Type = PointType.Number, Device = "meter" });
        }

        return birth;
    }

    private static async Task IngestAsync(string dir, int rounds, int groups)
    {
        const int Gateways = 50;
        const int BatchesPerGateway = 4;
        const int PerPoint = 10;
        var store = new LiteDbReadingStore(dir, syncCommits: true);
        var registry = new GatewayRegistry(store.LoadGateways());
        (string Name, int Lamps)[] scenarios = [("no lamp point", 0), ("8 lamps (16% lamp readings)", 8), ("32 lamps (64% lamp readings)", 32)];
        var link = new NullLink();
        var stats = new IngestStats(TimeProvider.System);
        var tap = new EnergyTap();
        var assets = new AssetDirectory(new AssetStore(dir));
        using var energyStore = new EnergyStore(dir);
        using var aggregator = new EnergyAggregator(tap, energyStore, assets, TimeProvider.System, NullLogger<EnergyAggregator>.Instance);
        using var worker = new IngestWorker(
            new IngestQueue(10), link, link, store, registry, stats,
            new RejectLog(NullLogger<RejectLog>.Instance, TimeProvider.System),
            Options.Create(new CentralOptions { AllowedGateways = [.. scenarios.SelectMany(s => Enumerable.Range(0, Gateways).Select(g => $"s{s.Lamps}-{g:D2}"))] }), TimeProvider.System, NullLogger<IngestWorker>.Instance,
            energy: tap);
        await aggregator.StartAsync(CancellationToken.None);

        var births = new List<IncomingMessage>();
        foreach (var (name, lampCount) in scenarios)
        {
            for (var g = 0; g < Gateways; g++)
            {
                var birth = Birth($"s{lampCount}-{g:D2}", lampCount, "Bench", 100 - (2 * lampCount));
                assets.ApplyBirth(birth, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                var payload = birth.ToByteArray();
                births.Add(new IncomingMessage(Topics.Birth(birth.GatewayId), payload, payload.Length, true));
            }
        }

        await worker.ProcessGroupAsync(births);
        var seqs = new Dictionary<string, ulong>();
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (30L * 24 * Hour);
        var results = scenarios.ToDictionary(s => s.Name, _ => new List<(double Ingest, double WithDrain)>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, lampCount) in scenarios)
            {
                var prepared = new List<List<IncomingMessage>>();
                for (var group = 0; group < groups; group++)
                {
                    var messages = new List<IncomingMessage>();
                    for (var b = 0; b < BatchesPerGateway; b++)
                    {
                        for (var g = 0; g < Gateways; g++)
                        {
                            var id = $"s{lampCount}-{g:D2}";
                            var seq = seqs[id] = seqs.GetValueOrDefault(id) + 1;
                            var t0 = start + ((long)(seq - 1) * PerPoint * 60_000);
                            var readings = new List<Reading>(100 * PerPoint);
                            for (uint alias = 1; alias <= 100; alias++)
                            {
                                for (var k = 0; k < PerPoint; k++)
                                {
                                    var t = t0 + (k * 60_000L);
                                    var isLamp = alias <= 2 * lampCount;
                                    var value = !isLamp ? 100 + k : alias % 2 == 1 ? 229 : (t - start) / 72_000.0;
                                    readings.Add(new Reading(alias, t, PointValue.FromNumber(value)));
                                }
                            }

                            var payload = BatchCodec.EncodeToBytes(new BatchHeader(id, 1, seq, t0), readings);
                            messages.Add(new IncomingMessage(Topics.Data(id), payload, payload.Length, false));
                        }
                    }

                    prepared.Add(messages);
                }

                var acceptedBefore = stats.ReadingsAccepted;
                var watch = Stopwatch.StartNew();
                foreach (var group in prepared)
                {
                    await worker.ProcessGroupAsync(group);
                }

                var ingest = watch.Elapsed.TotalSeconds;
                while (tap.PendingReadings > 0)
                {
                    await Task.Delay(10);
                }

                var withDrain = watch.Elapsed.TotalSeconds;
                var total = (double)groups * BatchesPerGateway * Gateways * 100 * PerPoint;
                if (stats.ReadingsAccepted - acceptedBefore != (long)total)
                {
                    throw new InvalidOperationException($"{name}: {stats.ReadingsAccepted - acceptedBefore} readings accepted of {total}");
                }

                results[name].Add((total / ingest, total / withDrain));
                Console.WriteLine($"round {round + 1} {name}: {total / ingest:N0} readings/s ingested ({total / withDrain:N0}/s until the aggregates are applied)");
            }
        }

        foreach (var (name, _) in scenarios)
        {
            var ingest = results[name].Select(r => r.Ingest).Order().ToList();
            var drain = results[name].Select(r => r.WithDrain).Order().ToList();
            Console.WriteLine($"ingest {name}: median {ingest[ingest.Count / 2]:N0} readings/s, {drain[drain.Count / 2]:N0}/s until applied");
        }

        tap.Complete();
        await aggregator.StopAsync(CancellationToken.None);
        store.Dispose();
    }

    private sealed class NullLink : IAckPublisher, IMessageIntake
    {
        public Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopIntakeAsync() => Task.CompletedTask;
    }
}
