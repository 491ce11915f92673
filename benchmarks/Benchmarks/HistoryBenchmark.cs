using System.Diagnostics;
using System.Globalization;
using City.Central.Model;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;

namespace City.Benchmarks;

/// <summary>
/// `history`: one point's 25 hours from a gateway of POINTS points read once a second (batches of BATCH_SECONDS seconds:
/// POINTS x BATCH_SECONDS readings each), on LiteDB, in process. Two stores get the same batches in group commits of 64
/// (fsync'd, as central commits): "raw" is main's layout (batches only), "chunked" folds into per-point chunks while the
/// commits go on (the background fold, every FOLD_MS), then folds the rest and merges closed hours. Prints the commit
/// rate of each, then times the query ROUNDS times on each store, alternating: on "raw" with main's code
/// (StoredReadings.ReadHistory), on "chunked" with IHistoryStore.ReadHistory; medians and ranges.
/// </summary>
internal static class HistoryBenchmark
{
    private const long Hour = 3_600_000;
    private const int BatchesPerCommit = 64;

    public static int Run(string[] args)
    {
        int points = 1024, hours = 25, batchSeconds = 10, rounds = 7, foldMs = 2000;
        string? path = null;
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--points": points = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--hours": hours = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--batch-seconds": batchSeconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--fold-ms": foldMs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--path": path = args[i + 1]; break;
                default:
                    Console.Error.WriteLine("history [--points 1024] [--hours 25] [--batch-seconds 10] [--rounds 7] [--fold-ms 2000] [--path DIR]");
                    return 2;
            }
        }

        path ??= Path.Combine(Path.GetTempPath(), "history-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var end = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / Hour * Hour) - Hour;
        var start = end - (hours * Hour);
        var batches = (int)(hours * 3600L / batchSeconds);
        Console.WriteLine($"history: {points} points x 1/s x {hours} h = {(long)points * hours * 3600:N0} readings in {batches:N0} batches of {points * batchSeconds:N0}; {path}");

        var raw = Path.Combine(path, "raw");
        var chunked = Path.Combine(path, "chunked");
        using var rawStore = new LiteDbReadingStore(raw, syncCommits: true);
        using var chunkedStore = new LiteDbReadingStore(chunked, syncCommits: true);

        // Alternate the two stores group by group, so both see the same machine load.
        var rawWatch = new Stopwatch();
        var chunkedWatch = new Stopwatch();
        var encodeWatch = Stopwatch.StartNew();
        var random = new Random(15);
        var values = Enumerable.Range(0, points).Select(_ => 100.0 + random.Next(100)).ToArray();
        using var stop = new CancellationTokenSource();
        var folded = 0L;
        var fold = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                folded += chunkedStore.Fold(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0).ReadingsFolded;
                try
                {
                    await Task.Delay(foldMs, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        encodeWatch.Reset();
        long readingsTotal = 0;
        var seq = 0UL;
        while ((int)seq < batches)
        {
            var group = new List<StoredBatch>(BatchesPerCommit);
            encodeWatch.Start();
            for (var b = 0; b < BatchesPerCommit && (int)seq < batches; b++)
            {
                var t0 = start + ((long)seq * batchSeconds * 1000);
                var readings = new List<Reading>(points * batchSeconds);
                for (var p = 0; p < points; p++)
                {
                    for (var s = 0; s < batchSeconds; s++)
                    {
                        values[p] = Math.Round(values[p] + ((random.Next(21) - 10) / 10.0), 1);
                        readings.Add(new Reading((uint)(p + 1), t0 + (s * 1000L), PointValue.FromNumber(values[p])));
                    }
                }

                var encoded = BatchCodec.Encode(new BatchHeader("gw-1024", 1, ++seq, t0), readings);
                var body = encoded.Body.ToByteArray();
                group.Add(new StoredBatch("gw-1024", seq, 1, BatchKind.Telemetry, t0, t0 + ((batchSeconds - 1) * 1000L), readings.Count, encoded.Compression, body,
                    DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "bench") { BodyCrc32C = encoded.BodyCrc32C });
                readingsTotal += readings.Count;
            }

            encodeWatch.Stop();
            var state = new GatewayState("gw-1024") { MaxBatchSpanMs = (batchSeconds - 1) * 1000L };
            var odd = seq / BatchesPerCommit % 2 == 1;
            foreach (var (store, watch) in odd ? new[] { (rawStore, rawWatch), (chunkedStore, chunkedWatch) } : [(chunkedStore, chunkedWatch), (rawStore, rawWatch)])
            {
                var commit = new CommitSet();
                commit.Batches.AddRange(group);
                commit.Gateways.Add(new GatewayChange(state, false, false));
                watch.Start();
                store.Commit(commit);
                watch.Stop();
            }
        }

        stop.Cancel();
        fold.Wait();
        Console.WriteLine($"ingest (store commits of {BatchesPerCommit} batches, fsync'd): raw layout {readingsTotal / rawWatch.Elapsed.TotalSeconds:N0} readings/s ({rawWatch.Elapsed.TotalSeconds:F1} s); "
            + $"chunked with the fold running alongside {readingsTotal / chunkedWatch.Elapsed.TotalSeconds:N0} readings/s ({chunkedWatch.Elapsed.TotalSeconds:F1} s, {folded:N0} readings folded meanwhile); encoding {encodeWatch.Elapsed.TotalSeconds:F1} s");

        var foldWatch = Stopwatch.StartNew();
        var rest = chunkedStore.Fold(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0);
        var afterFold = foldWatch.Elapsed;
        var merged = chunkedStore.MergeClosedSlices(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0);
        Console.WriteLine($"fold of the rest: {rest.ReadingsFolded:N0} readings in {afterFold.TotalSeconds:F1} s; merge of closed hours: {merged.ChunksMerged:N0} chunks into {merged.ChunksWritten:N0} in {(foldWatch.Elapsed - afterFold).TotalSeconds:F1} s");
        Console.WriteLine($"file sizes: raw {new FileInfo(rawStore.FilePath).Length / 1e6:N0} MB, chunked {new FileInfo(chunkedStore.FilePath).Length / 1e6:N0} MB (before checkpoint: see the -log files)");

        var gateway = new GatewayState("gw-1024") { MaxBatchSpanMs = (batchSeconds - 1) * 1000L };
        var alias = (uint)(points / 2);
        var from = end - (25 * Hour);
        var before = new List<double>();
        var after = new List<double>();
        int rawCount = 0, chunkedCount = 0;
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            rawCount = rawStore.ReadHistory(gateway, alias, from, end, 1_000_000, out _).Count;
            before.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            chunkedCount = chunkedStore.ReadHistory(new HistoryQuery([new SeriesKey("gw-1024", alias.ToString(CultureInfo.InvariantCulture), alias)], from, end, 1_000_000)).Readings.Count;
            after.Add(watch.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine($"25-h query of one point ({rawCount:N0} / {chunkedCount:N0} readings), {rounds} rounds alternating:");
        Console.WriteLine($"  raw batches (main's layout and code): median {Median(before):F0} ms (min {before.Min():F0}, max {before.Max():F0})");
        Console.WriteLine($"  per-point chunks:                    median {Median(after):F1} ms (min {after.Min():F1}, max {after.Max():F1})");
        if (rawCount != chunkedCount)
        {
            Console.Error.WriteLine("the two layouts disagree");
            return 1;
        }

        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
