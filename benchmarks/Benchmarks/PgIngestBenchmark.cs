using System.Diagnostics;
using System.Globalization;
using System.Text;
using City.Central.Model;
using City.Central.Store;
using City.Central.Store.Postgres;
using City.Contract;
using City.Contract.Wire;
using Npgsql;

namespace City.Benchmarks;

/// <summary>
/// <c>Benchmarks pg-ingest --connection CS [--readings 2000000] [--points 1024] [--rounds 3] [--group 256] [--queries 20]</c>:
/// central's PostgreSQL commit path (PostgresReadingStore.Commit: batches decoded, the dedupe insert, binary COPY of the
/// rows, gateway state) against <c>psql \copy</c> of the same rows (CSV) into the same readings table, alternated
/// round by round (the table truncated before each run); then the 25-hour history of one point of the gateway through the
/// store, as the API asks it. The data: one gateway of P points, each read once a minute, one batch per minute as the
/// edge encodes it, committed G batches per transaction (the worker's Central:Ingest:MaxBatchesPerCommit).
/// </summary>
internal static class PgIngestBenchmark
{
    private const string Gateway = "cab-bench";
    private const long Minute = 60_000;

    public static async Task<int> RunAsync(string[] args)
    {
        string? connectionString = null;
        int readings = 2_000_000, points = 1024, rounds = 3, group = 256, queries = 20;
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--connection": connectionString = value; break;
                case "--readings": readings = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--points": points = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--group": group = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--queries": queries = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: await Console.Error.WriteLineAsync($"pg-ingest: unknown option {args[i]}"); return 2;
            }
        }

        if (connectionString is null)
        {
            await Console.Error.WriteLineAsync("usage: Benchmarks pg-ingest --connection CS [--readings N] [--points P] [--rounds R] [--group G] [--queries Q]");
            return 2;
        }

        var minutes = readings / points;
        var end = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var start = end - (minutes * Minute);
        var catalogue = Enumerable.Range(0, points).Select(p => new CataloguePoint((uint)p + 1, $"lamp{p:0000}/power", "W", PointType.Number, $"lamp{p:0000}", "power")).ToArray();
        Console.WriteLine($"pg-ingest: {minutes * points:N0} readings ({points} points x {minutes} minutes, {minutes * Minute / 3_600_000.0:F1} h), {group} batches per commit, {rounds} rounds");

        var batches = Encode(points, minutes, start);
        var csv = Path.Combine(Path.GetTempPath(), $"pg-ingest-{Environment.ProcessId}.csv");
        WriteCsv(csv, batches, catalogue);
        Console.WriteLine($"pg-ingest: {batches.Sum(b => b.Body.Length) / (double)(minutes * points):F2} bytes per reading on the wire, CSV {new FileInfo(csv).Length / 1e6:F0} MB");

        try
        {
            using (var store = PostgresReadingStore.Open(connectionString, TimeProvider.System))
            {
                // Creates the partitions, so that neither run pays for them.
                Commit(store, batches, catalogue, group);
            }

            var central = new List<double>();
            var copy = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                // Alternated: odd rounds start with psql.
                foreach (var first in round % 2 == 0 ? new[] { true, false } : [false, true])
                {
                    await TruncateAsync(connectionString);
                    if (first)
                    {
                        using var store = PostgresReadingStore.Open(connectionString, TimeProvider.System);
                        var seconds = Commit(store, batches, catalogue, group);
                        central.Add(minutes * points / seconds);
                        Console.WriteLine($"round {round + 1}: central  {minutes * points / seconds,12:N0} readings/s ({seconds:F2} s)");
                    }
                    else
                    {
                        var seconds = await PsqlCopyAsync(connectionString, csv);
                        copy.Add(minutes * points / seconds);
                        Console.WriteLine($"round {round + 1}: \\copy    {minutes * points / seconds,12:N0} readings/s ({seconds:F2} s)");
                    }
                }
            }

            var c = Median(central);
            var p = Median(copy);
            Console.WriteLine($"median: central {c:N0} readings/s, psql \\copy {p:N0} readings/s, ratio {c / p:F2}x");

            // The last run left psql's rows: central's own for the query.
            await TruncateAsync(connectionString);
            using (var store = PostgresReadingStore.Open(connectionString, TimeProvider.System))
            {
                Commit(store, batches, catalogue, group);
                await QueryAsync(store, connectionString, catalogue[points / 2], end, queries);
            }
        }
        finally
        {
            File.Delete(csv);
        }

        return 0;
    }

    private static List<StoredBatch> Encode(int points, int minutes, long start)
    {
        var batches = new List<StoredBatch>(minutes);
        for (var m = 0; m < minutes; m++)
        {
            var t = start + (m * Minute);
            var readings = new List<Reading>(points);
            for (var p = 0; p < points; p++)
            {
                readings.Add(new Reading((uint)p + 1, t + p, PointValue.FromNumber(((p * 7) + m) % 1000 / 10.0)));
            }

            var batch = BatchCodec.Encode(new BatchHeader(Gateway, 1, (ulong)m + 1, t, BatchKind.Telemetry, "buf-bench"), readings);
            batches.Add(new StoredBatch(Gateway, (ulong)m + 1, 1, BatchKind.Telemetry, t, t + points - 1, points, batch.Compression, batch.Body.ToByteArray(), t + points, "buf-bench"));
        }

        return batches;
    }

    /// <summary>The rows central writes, as CSV for psql's \copy (same columns, same values).</summary>
    private static void WriteCsv(string path, List<StoredBatch> batches, CataloguePoint[] catalogue)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        var scratch = new List<Reading>();
        foreach (var batch in batches)
        {
            scratch.Clear();
            if (!batch.TryReadReadings(scratch))
            {
                throw new InvalidOperationException("a batch does not decode");
            }

            foreach (var r in scratch)
            {
                writer.Write(Gateway);
                writer.Write(',');
                writer.Write(catalogue[r.Alias - 1].Id);
                writer.Write(',');
                writer.Write(DateTimeOffset.FromUnixTimeMilliseconds(r.TimestampUnixMs).ToString("yyyy-MM-dd HH:mm:ss.fff+00", CultureInfo.InvariantCulture));
                writer.Write(',');
                writer.Write(r.Value.Number.ToString("R", CultureInfo.InvariantCulture));
                writer.Write(",,good,buf-bench,");
                writer.Write(batch.Seq.ToString(CultureInfo.InvariantCulture));
                writer.Write('\n');
            }
        }
    }

    /// <summary>Commits the batches G at a time as the ingest worker does (with the gateway's state and latest values); returns the seconds taken.</summary>
    private static double Commit(PostgresReadingStore store, List<StoredBatch> batches, CataloguePoint[] catalogue, int group)
    {
        var state = new GatewayState(Gateway) { HasBirth = true, Online = true, SoftwareVersion = "bench", Catalogue = catalogue };
        state.SwitchTo("buf-bench", 1);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < batches.Count; i += group)
        {
            var commit = new CommitSet();
            commit.Batches.AddRange(batches.Skip(i).Take(group));
            var last = commit.Batches[^1];
            state = state.Clone();
            state.LastSeenUnixMs = last.ReceivedUnixMs;
            state.Latest = catalogue.ToDictionary(p => p.Alias, p => new LatestValue(p.Alias, last.TMinUnixMs + p.Alias - 1, PointValue.FromNumber(p.Alias), Quality.Good));
            commit.Gateways.Add(new GatewayChange(state, CatalogueChanged: i == 0, LatestChanged: true));
            var result = store.Commit(commit);
            if (result.AlreadyStored.Count > 0 || result.FailedGateways.Count > 0)
            {
                throw new InvalidOperationException("the table was not empty");
            }
        }

        return stopwatch.Elapsed.TotalSeconds;
    }

    private static async Task TruncateAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("TRUNCATE readings, batches, gateways, latest, catalogue, events; CHECKPOINT", connection);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<double> PsqlCopyAsync(string connectionString, string csv)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo("psql") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", builder.Host!, "-p", builder.Port.ToString(CultureInfo.InvariantCulture),
            "-U", builder.Username ?? "postgres", "-d", builder.Database ?? "postgres",
            "-c", $"\\copy readings (gateway, point, ts, value, value_text, quality, buffer_id, seq) FROM '{csv}' WITH (FORMAT csv)",
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (builder.Password is { } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("psql did not start");
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var seconds = stopwatch.Elapsed.TotalSeconds;
        return process.ExitCode == 0 ? seconds : throw new InvalidOperationException("psql failed: " + await error);
    }

    /// <summary>The 25 hours before <paramref name="end"/> of one point, through the store as the API asks (limit 10,000), Q times.</summary>
    private static async Task QueryAsync(PostgresReadingStore store, string connectionString, CataloguePoint point, long end, int queries)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var analyze = new NpgsqlCommand("ANALYZE readings", connection);
            await analyze.ExecuteNonQueryAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM readings", connection);
            Console.WriteLine($"query: {(long)(await count.ExecuteScalarAsync())!:N0} readings stored");
        }

        var query = new HistoryQuery([new SeriesKey(Gateway, point.Id, point.Alias)], end - (25 * 3_600_000L), end, 10_000);
        var times = new List<double>();
        var rows = 0;
        for (var i = 0; i < queries; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            rows = store.ReadHistory(query).Readings.Count;
            times.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine($"query: 25 h of {point.Id}: {rows} readings, median {Median(times):F1} ms, min {times.Min():F1} ms, first {times[0]:F1} ms ({queries} runs)");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
