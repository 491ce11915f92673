using City.Central.Model;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>The LiteDB read side: cursor paging, the fold of raw batches into per-point chunks, retention, aggregates.</summary>
public sealed class HistoryStoreTests
{
    private const long T = 1_800_000_000_000; // an hour boundary (2027-01-15T08:00:00Z)
    private const long Hour = 3_600_000;
    private static readonly SeriesKey P1 = new("gw", "p1", 1);
    private static readonly SeriesKey P2 = new("gw", "p2", 2);

    private static StoredBatch Stored(string gateway, ulong seq, IReadOnlyList<Reading> readings, BatchKind kind = BatchKind.Telemetry)
    {
        var batch = BatchCodec.Encode(new BatchHeader(gateway, 1, seq, 0, kind), readings);
        var body = batch.Body.ToByteArray();
        return new StoredBatch(gateway, seq, 1, kind, readings.Min(r => r.TimestampUnixMs), readings.Max(r => r.TimestampUnixMs),
            readings.Count, batch.Compression, body, 0) { BodyCrc32C = Crc32C.Compute(body) };
    }

    private static void Commit(LiteDbReadingStore store, params StoredBatch[] batches)
    {
        var commit = new CommitSet();
        commit.Batches.AddRange(batches);
        foreach (var gateway in batches.Select(b => b.GatewayId).Distinct())
        {
            commit.Gateways.Add(new GatewayChange(new GatewayState(gateway) { MaxBatchSpanMs = batches.Max(b => b.TMaxUnixMs - b.TMinUnixMs) }, false, false));
        }

        store.Commit(commit);
    }

    private static Reading R(uint alias, long ts, double value) => new(alias, ts, PointValue.FromNumber(value));

    private static List<(int Series, Reading Reading)> All(LiteDbReadingStore store, IReadOnlyList<SeriesKey> series, long from, long to) =>
        [.. store.ReadHistory(new HistoryQuery(series, from, to, 1_000_000)).Readings.Select(r => (r.Series, r.Reading))];

    [Fact]
    public void Paging_through_more_readings_than_a_page_in_one_millisecond_never_repeats_or_skips_even_across_a_fold()
    {
        using var store = new LiteDbReadingStore(CentralHost.NewDataPath(), syncCommits: false);
        var first = Enumerable.Range(0, 30).Select(i => R(1, T, i)).Concat(Enumerable.Range(0, 5).Select(i => R(2, T, 100 + i))).ToList();
        var second = Enumerable.Range(30, 20).Select(i => R(1, T, i)).Concat([R(1, T + 1, 50), R(2, T, 105)]).ToList();
        Commit(store, Stored("gw", 1, first));
        Commit(store, Stored("gw", 2, second));
        Commit(store, Stored("gw", 3, [R(1, T + 5, 51), R(2, T + 5, 106)]));
        var expected = All(store, [P1, P2], T - 10, T + 10);
        Assert.Equal(59, expected.Count);

        // Same ms: p1 before p2 (point order), each in received order.
        Assert.Equal([.. Enumerable.Range(0, 50).Select(i => (double)i), .. Enumerable.Range(100, 6).Select(i => (double)i), 50, 51],
            expected.Where(e => e.Reading.TimestampUnixMs == T).Select(e => e.Reading.Value.Number).Concat(expected.Where(e => e.Reading.TimestampUnixMs > T && e.Series == 0).Select(e => e.Reading.Value.Number)));

        var pages = new List<(int, Reading)>();
        string? cursor = null;
        var turn = 0;
        do
        {
            var page = store.ReadHistory(new HistoryQuery([P1, P2], T - 10, T + 10, 7, cursor));
            pages.AddRange(page.Readings.Select(r => (r.Series, r.Reading)));
            cursor = page.NextCursor;
            if (++turn == 3)
            {
                // The layout changes between two pages: raw batches become chunks.
                Assert.Equal(2, store.Fold(T + Hour, 0).BatchesFolded);
            }
        }
        while (cursor is not null);

        Assert.Equal(expected, pages);
    }

    [Fact]
    public void A_bad_cursor_is_refused_naming_the_cursor()
    {
        using var store = new LiteDbReadingStore(CentralHost.NewDataPath(), syncCommits: false);
        var error = Assert.Throws<InvalidCursorException>(() => store.ReadHistory(new HistoryQuery([P1], 0, 1, 10, "not-a-cursor!")));
        Assert.StartsWith("cursor:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fold_moves_every_reading_into_chunks_exactly_once_and_a_crash_in_the_middle_loses_nothing()
    {
        var path = CentralHost.NewDataPath();
        List<(int, Reading)> expected;
        using (var store = new LiteDbReadingStore(path, syncCommits: false))
        {
            ulong seq = 0;
            for (var minute = 0; minute < 180; minute += 10)
            {
                foreach (var gateway in new[] { "gw", "gw2" })
                {
                    var readings = Enumerable.Range(0, 600).Select(s => R((uint)(1 + (s % 3)), T + (minute * 60_000L) + (s * 1000L), minute + s)).ToList();
                    Commit(store, Stored(gateway, ++seq, readings));
                }
            }

            // A flagged reading far in the past and an events batch: both kept as before.
            Commit(store, Stored("gw", ++seq, [R(1, T - (30 * 24 * Hour), -1)]) with { TMinUnixMs = T, TMaxUnixMs = T, OutOfWindowDays = [StoredBatch.DayOf(T - (30 * 24 * Hour))] });
            Commit(store, Stored("gw", ++seq, [new Reading(9, T + 5, PointValue.FromText("lamp-failed"))], BatchKind.Events));
            expected = All(store, [P1, P2, new SeriesKey("gw2", "p1", 1)], T - (31 * 24 * Hour), T + (4 * Hour));
            Assert.Equal((600 * 18 * 2 / 3) + 1 + (600 * 18 / 3), expected.Count);

            store.BeforeFoldCommit = () => throw new IOException("power cut");
            var crash = Assert.Throws<StoreFaultException>(() => store.Fold(T + (4 * Hour), 0, readingsPerTransaction: 5_000));
            Assert.Contains("power cut", crash.Message, StringComparison.Ordinal);
        }

        using (var store = new LiteDbReadingStore(path, syncCommits: false))
        {
            var series = new[] { P1, P2, new SeriesKey("gw2", "p1", 1) };
            Assert.Equal(expected, All(store, series, T - (31 * 24 * Hour), T + (4 * Hour)));

            var folded = store.Fold(T + (4 * Hour), 0, readingsPerTransaction: 5_000);
            Assert.Equal(37, folded.BatchesFolded); // all but the newest (the events batch stays raw anyway)
            Assert.Equal(expected, All(store, series, T - (31 * 24 * Hour), T + (4 * Hour)));

            var merged = store.MergeClosedSlices(T + (4 * Hour), 0);
            Assert.True(merged.ChunksMerged > merged.ChunksWritten);
            Assert.Equal(expected, All(store, series, T - (31 * 24 * Hour), T + (4 * Hour)));
            Assert.Equal(["lamp-failed"], store.ReadEvents(new EventQuery(null, T, T + Hour, 10)).Events.Select(e => e.Value.Text));

            // Folding again finds nothing new.
            Assert.Equal(0, store.Fold(T + (5 * Hour), 0).BatchesFolded);
        }

        var report = StoreVerifier.Verify(Path.Combine(path, LiteDbReadingStore.FileName));
        Assert.True(report.IsHealthy, string.Join("; ", report.Problems));
    }

    [Fact]
    public void Aggregates_give_min_max_avg_sum_count_per_interval_bucket_over_good_numbers()
    {
        using var store = new LiteDbReadingStore(CentralHost.NewDataPath(), syncCommits: false);
        Commit(store, Stored("gw", 1, [R(1, T, 1), R(1, T + 1000, 3), R(1, T + 60_000, 10), new Reading(1, T + 2000, PointValue.FromNumber(99), Quality.CommLoss), R(2, T, 5)]));
        Commit(store, Stored("gw", 2, [R(1, T + 61_000, 20)]));
        var buckets = store.ReadAggregates(new AggregateQuery([P1, P2], T, T + Hour, 60_000));
        Assert.Equal(
            [new AggregateBucket(0, T, 1, 3, 4, 2), new AggregateBucket(0, T + 60_000, 10, 20, 30, 2), new AggregateBucket(1, T, 5, 5, 5, 1)],
            buckets.OrderBy(b => b.Series).ThenBy(b => b.StartUnixMs));
        Assert.Equal(15, buckets.Single(b => b.Series == 0 && b.StartUnixMs == T + 60_000).Avg);
    }

    [Fact]
    public void Retention_folds_old_hours_into_hourly_aggregates_then_drops_them_and_later_the_aggregates()
    {
        using var store = new LiteDbReadingStore(CentralHost.NewDataPath(), syncCommits: false);
        ulong seq = 0;
        for (var hour = 0; hour < 72; hour++)
        {
            Commit(store, Stored("gw", ++seq, [.. Enumerable.Range(0, 6).Select(i => R(1, T + (hour * Hour) + (i * 600_000L), hour + i))]));
        }

        Commit(store, Stored("gw", ++seq, [new Reading(9, T + 1000, PointValue.FromText("old event"))], BatchKind.Events));
        Commit(store, Stored("gw", ++seq, [R(1, T + (72 * Hour), 0)]));
        var now = DateTimeOffset.FromUnixTimeMilliseconds(T + (72 * Hour) + 1000);
        var daily = store.ReadAggregates(new AggregateQuery([P1], T, T + (73 * Hour), 24 * Hour));
        var hourly = store.ReadAggregates(new AggregateQuery([P1], T, T + (73 * Hour), Hour));

        var outcome = store.ApplyRetention(now, new RetentionSettings { RawDays = 1 });
        Assert.Equal(48 * 6 + 1, outcome.RawReadingsDropped);
        Assert.Equal(48, outcome.AggregatesWritten);
        Assert.Empty(All(store, [P1], T, T + (48 * Hour) - 1));
        Assert.Equal(24 * 6 + 1, All(store, [P1], T, T + (73 * Hour)).Count);
        Assert.Empty(store.ReadEvents(new EventQuery(null, T, T + Hour, 10)).Events);

        // The same buckets, now partly from the hourly aggregates.
        Assert.Equal(daily, store.ReadAggregates(new AggregateQuery([P1], T, T + (73 * Hour), 24 * Hour)));
        Assert.Equal(hourly, store.ReadAggregates(new AggregateQuery([P1], T, T + (73 * Hour), Hour)));

        var later = store.ApplyRetention(now, new RetentionSettings { RawDays = 1, AggregateDays = 2 });
        Assert.Equal(24, later.AggregatesDropped);
        Assert.Equal(hourly.Skip(24), store.ReadAggregates(new AggregateQuery([P1], T, T + (73 * Hour), Hour)));
    }

    [Fact]
    public async Task Store_rebuild_returns_the_space_retention_freed_and_keeps_what_is_left()
    {
        var path = CentralHost.NewDataPath();
        var file = Path.Combine(path, LiteDbReadingStore.FileName);
        using (var store = new LiteDbReadingStore(path, syncCommits: false))
        {
            var random = new Random(4);
            ulong seq = 0;
            for (var hour = 0; hour < 48; hour++)
            {
                Commit(store, Stored("gw", ++seq, [.. Enumerable.Range(0, 3600).Select(i => R((uint)(1 + (i % 20)), T + (hour * Hour) + (i * 1000L), random.NextDouble()))]));
            }

            store.ApplyRetention(DateTimeOffset.FromUnixTimeMilliseconds(T + (49 * Hour)), new RetentionSettings { RawDays = 1 });
        }

        var before = new FileInfo(file).Length;
        Assert.Equal(0, await City.Central.StoreCommand.RunAsync(["store", "rebuild", "--store", path]));
        Assert.True(new FileInfo(file).Length < before, $"{new FileInfo(file).Length} < {before}");
        Assert.True(StoreVerifier.Verify(file).IsHealthy);
        using (var store = new LiteDbReadingStore(path, syncCommits: false))
        {
            Assert.Equal(23 * 180, All(store, [P1], T, T + (49 * Hour)).Count);
        }
    }

    [Fact]
    public void Events_page_with_a_cursor_through_many_events_of_one_millisecond_edge_before_central()
    {
        using var store = new LiteDbReadingStore(CentralHost.NewDataPath(), syncCommits: false);
        Commit(store, Stored("gw", 1, [.. Enumerable.Range(0, 8).Select(i => new Reading(9, T, PointValue.FromText("e" + i)))], BatchKind.Events));
        Commit(store, Stored("gw2", 1, [.. Enumerable.Range(0, 3).Select(i => new Reading(9, T, PointValue.FromText("f" + i)))], BatchKind.Events));
        var central = new CommitSet();
        central.Events.Add(new CentralEvent("gw", T, "$central/new-buffer", "c0"));
        store.Commit(central);

        var all = store.ReadEvents(new EventQuery(null, T - 1, T + 1, 100)).Events.Select(e => e.Value.Text).ToList();
        Assert.Equal(["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "c0", "f0", "f1", "f2"], all);
        var paged = new List<string?>();
        string? cursor = null;
        do
        {
            var page = store.ReadEvents(new EventQuery(null, T - 1, T + 1, 3, cursor));
            paged.AddRange(page.Events.Select(e => e.Value.Text));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(all, paged);
    }
}
