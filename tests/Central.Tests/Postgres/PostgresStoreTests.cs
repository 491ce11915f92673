using City.Central.Configuration;
using City.Central.Model;
using City.Central.Store;
using City.Central.Store.Postgres;
using City.Contract;
using City.Contract.Wire;
using Npgsql;

namespace City.Central.Tests.Postgres;

/// <summary>PostgresReadingStore against a real PostgreSQL 15 (the test cluster): rows, dedupe, several writers, reads, retention.</summary>
public sealed class PostgresStoreTests
{
    private const long Day = 86_400_000;

    // 2026-12-01T00:00:00Z
    private const long Dec1 = 1_796_083_200_000;

    private static readonly CataloguePoint[] Catalogue =
    [
        new(1, "meter1/power", "kW", PointType.Number, "meter1", "active power"),
        new(2, "lamp1/on", "", PointType.Boolean, "lamp1", "lamp switched on"),
        new(3, "lamp1/status", "", PointType.Text, "lamp1", "status text"),
    ];

    internal static StoredBatch Stored(string gateway, ulong seq, IReadOnlyList<Reading> readings, BatchKind kind = BatchKind.Telemetry, string bufferId = "buf-a")
    {
        var batch = BatchCodec.Encode(new BatchHeader(gateway, 1, seq, 0, kind, bufferId), readings);
        return new StoredBatch(gateway, seq, 1, kind, readings.Min(r => r.TimestampUnixMs), readings.Max(r => r.TimestampUnixMs),
            (int)batch.ReadingCount, batch.Compression, batch.Body.ToByteArray(), readings.Max(r => r.TimestampUnixMs), bufferId);
    }

    /// <summary>A commit as the worker builds it: the batches and the gateway's state with its latest values.</summary>
    internal static CommitSet Commit(string gateway, params StoredBatch[] batches)
    {
        var state = new GatewayState(gateway) { HasBirth = true, Online = true, SoftwareVersion = "1.0", Catalogue = Catalogue };
        state.SwitchTo("buf-a", 1);
        var latest = new Dictionary<uint, LatestValue>();
        foreach (var batch in batches)
        {
            state.CommittedSeqs.Add(batch.Seq);
            var readings = new List<Reading>();
            Assert.True(batch.TryReadReadings(readings));
            foreach (var r in readings.OrderBy(r => r.TimestampUnixMs))
            {
                latest[r.Alias] = new LatestValue(r.Alias, r.TimestampUnixMs, r.Value, r.Quality);
            }
        }

        state.Latest = latest;
        var commit = new CommitSet();
        commit.Batches.AddRange(batches);
        commit.Gateways.Add(new GatewayChange(state, CatalogueChanged: true, LatestChanged: true));
        return commit;
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Commit_writes_one_row_per_reading_with_point_names_and_quality_names_and_a_reopened_store_restores_the_gateway()
    {
        var db = await PostgresServer.Shared.CreateDatabaseAsync("pg_commit");
        var readings = FakeGateway.SampleReadings(5, endUnixMs: Dec1 + 10_000);
        using (var store = PostgresReadingStore.Open(db, TimeProvider.System))
        {
            Assert.Empty(store.Commit(Commit("gw", Stored("gw", 1, readings))).AlreadyStored);
        }

        Assert.Equal(15L, await ScalarAsync<long>(db, "SELECT count(*) FROM readings"));
        Assert.Equal(5L, await ScalarAsync<long>(db, "SELECT count(*) FROM readings_20261201 WHERE point = 'meter1/power' AND value IS NOT NULL"));
        Assert.Equal("comm-loss", await ScalarAsync<string>(db, "SELECT quality FROM readings WHERE point = 'lamp1/status' ORDER BY ts DESC LIMIT 1"));
        Assert.Equal("s4", await ScalarAsync<string>(db, "SELECT value_text FROM latest WHERE point = 'lamp1/status'"));
        Assert.Equal(1L, await ScalarAsync<long>(db, "SELECT count(*) FROM schema_migrations"));

        using (var store = PostgresReadingStore.Open(db, TimeProvider.System))
        {
            var state = Assert.Single(store.LoadGateways());
            Assert.Equal(15, state.ReadingsReceived);
            Assert.Equal(1, state.BatchesReceived);
            Assert.Equal("buf-a", state.BufferId);
            Assert.Equal("1", state.CommittedSeqs.ToString());
            Assert.Equal(["meter1/power", "lamp1/on", "lamp1/status"], state.Catalogue.Select(p => p.Id));
            Assert.Equal(PointValue.FromBoolean(true), state.Latest[2].Value);
            Assert.Equal(Quality.CommLoss, state.Latest[3].Quality);

            var page = store.ReadHistory(new HistoryQuery([new SeriesKey("gw", "meter1/power", 1)], Dec1, Dec1 + Day, 3));
            Assert.Equal([10.5, 11.5, 12.5], page.Readings.Select(r => r.Reading.Value.Number));
            var rest = store.ReadHistory(new HistoryQuery([new SeriesKey("gw", "meter1/power", 1)], Dec1, Dec1 + Day, 3, page.NextCursor));
            Assert.Equal([13.5, 14.5], rest.Readings.Select(r => r.Reading.Value.Number));
            Assert.Null(rest.NextCursor);
            var onOff = store.ReadHistory(new HistoryQuery([new SeriesKey("gw", "lamp1/on", 2)], Dec1, Dec1 + Day, 10));
            Assert.All(onOff.Readings, r => Assert.Equal(PointType.Boolean, r.Reading.Value.Type));
        }
    }

    [Fact]
    public async Task A_batch_already_stored_by_another_central_is_skipped_with_its_readings_and_reported()
    {
        var db = await PostgresServer.Shared.CreateDatabaseAsync("pg_dedupe");
        using var first = PostgresReadingStore.Open(db, TimeProvider.System);
        using var second = PostgresReadingStore.Open(db, TimeProvider.System);
        var batch1 = Stored("gw", 1, FakeGateway.SampleReadings(4, endUnixMs: Dec1 + 5_000));
        var batch2 = Stored("gw", 2, FakeGateway.SampleReadings(2, endUnixMs: Dec1 + 9_000, start: 100));

        Assert.Empty(first.Commit(Commit("gw", batch1)).AlreadyStored);
        var already = second.Commit(Commit("gw", batch1, batch2)).AlreadyStored;

        Assert.Equal([new BatchKey("gw", "buf-a", 1)], already);
        Assert.Equal(18L, await ScalarAsync<long>(db, "SELECT count(*) FROM readings"));
        Assert.Equal(2L, await ScalarAsync<long>(db, "SELECT count(*) FROM batches"));
        Assert.Equal(18L, await ScalarAsync<long>(db, "SELECT readings_received FROM gateways"));
        Assert.Equal(2L, await ScalarAsync<long>(db, "SELECT batches_received FROM gateways"));
    }

    [Fact]
    public async Task Two_centrals_add_their_counters_and_an_older_latest_value_never_replaces_a_newer_one()
    {
        var db = await PostgresServer.Shared.CreateDatabaseAsync("pg_writers");
        using var first = PostgresReadingStore.Open(db, TimeProvider.System);
        using var second = PostgresReadingStore.Open(db, TimeProvider.System);
        first.Commit(Commit("gw", Stored("gw", 2, FakeGateway.SampleReadings(3, endUnixMs: Dec1 + 60_000, start: 50))));
        second.Commit(Commit("gw", Stored("gw", 1, FakeGateway.SampleReadings(3, endUnixMs: Dec1 + 10_000))));

        Assert.Equal(18L, await ScalarAsync<long>(db, "SELECT readings_received FROM gateways"));
        Assert.Equal(52.0, await ScalarAsync<double>(db, "SELECT value FROM latest WHERE point = 'meter1/power'"));
        Assert.Equal(52.0, Assert.Single(first.LoadGateways()).Latest[1].Value.Number);
    }

    [Fact]
    public async Task Centrals_starting_at_once_apply_each_migration_once()
    {
        var db = await PostgresServer.Shared.CreateDatabaseAsync("pg_migrate");
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PostgresReadingStore.Open(db, TimeProvider.System))));
        foreach (var store in stores)
        {
            store.Dispose();
        }

        Assert.Equal((long)PostgresMigrations.All.Count, await ScalarAsync<long>(db, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Events_of_edges_and_central_come_back_in_order_and_page_without_repeats()
    {
        var db = await PostgresServer.Shared.CreateDatabaseAsync("pg_events");
        using var store = PostgresReadingStore.Open(db, TimeProvider.System);
        List<Reading> alarms = [new(3, Dec1 + 1_000, PointValue.FromText("door open")), new(3, Dec1 + 1_000, PointValue.FromText("door closed")), new(3, Dec1 + 3_000, PointValue.FromText("x"))];
        var commit = Commit("gw", Stored("gw", 1, FakeGateway.SampleReadings(2, endUnixMs: Dec1 + 2_000)), Stored("gw", 2, alarms, BatchKind.Events));
        commit.Events.Add(new CentralEvent("gw", Dec1 + 1_000, "$central/buffer", "new buffer buf-a"));
        store.Commit(commit);

        var all = store.ReadEvents(new EventQuery(null, Dec1, Dec1 + Day, 100));
        Assert.Equal(["door open", "door closed", "new buffer buf-a", "x"], all.Events.Select(e => e.Value.Text));
        Assert.Equal([false, false, true, false], all.Events.Select(e => e.IsCentral));
        Assert.Equal("lamp1/status", all.Events[0].Point);

        var seen = new List<string?>();
        string? cursor = null;
        do
        {
            var page = store.ReadEvents(new EventQuery(["gw"], Dec1, Dec1 + Day, 1, cursor));
            seen.AddRange(page.Events.Select(e => e.Value.Text));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(all.Events.Select(e => e.Value.Text), seen);
        Assert.Equal(["new buffer buf-a"], store.FindCentralEvents("gw", Dec1, Dec1 + Day).Select(e => e.Text));
        Assert.Equal(3L, await ScalarAsync<long>(db, "SELECT count(*) FROM events WHERE source = 'edge'"));
    }

    [Fact]
    public async Task Retention_folds_old_days_into_hourly_aggregates_drops_their_partitions_and_aggregates_stay_the_same()
    {
        var db = await PostgresServer.Shared.CreateDatabaseAsync("pg_retention");
        using var store = PostgresReadingStore.Open(db, TimeProvider.System);
        var readings = new List<Reading>();
        for (var day = 0; day < 3; day++)
        {
            for (var i = 0; i < 4; i++)
            {
                readings.Add(new Reading(1, Dec1 + (day * Day) + (i * 1_800_000L), PointValue.FromNumber(i + day)));
            }
        }

        readings.Add(new Reading(1, Dec1 + 60_000, PointValue.FromNumber(1000), Quality.Stale));
        store.Commit(Commit("gw", Stored("gw", 1, readings)));
        var series = new SeriesKey("gw", "meter1/power", 1);
        var query = new AggregateQuery([series], Dec1, Dec1 + (3 * Day), 3_600_000);
        var before = store.ReadAggregates(query);
        Assert.Equal([0.0 + 1, 2 + 3, 1 + 2, 3 + 4, 2 + 3, 4 + 5], before.Select(b => b.Sum));

        var outcome = store.ReadAggregates(new AggregateQuery([series], Dec1, Dec1 + (3 * Day), Day));
        Assert.Equal([4L, 4, 4], outcome.Select(b => b.Count));

        var result = store.ApplyRetention(DateTimeOffset.FromUnixTimeMilliseconds(Dec1 + (3 * Day) + 1000), new RetentionSettings { RawDays = 1 });

        Assert.Equal(9L, result.RawReadingsDropped);
        Assert.Equal(4L, result.AggregatesWritten);
        Assert.Equal(4L, await ScalarAsync<long>(db, "SELECT count(*) FROM readings"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM pg_class WHERE relname IN ('readings_20261201', 'readings_20261202')"));
        Assert.Equal(before.Select(b => (b.StartUnixMs, b.Sum, b.Count, b.Min, b.Max)), store.ReadAggregates(query).Select(b => (b.StartUnixMs, b.Sum, b.Count, b.Min, b.Max)));
        Assert.Empty(store.ReadHistory(new HistoryQuery([series], Dec1, Dec1 + Day, 10)).Readings);

        var aggregates = store.ApplyRetention(DateTimeOffset.FromUnixTimeMilliseconds(Dec1 + (3 * Day) + 1000), new RetentionSettings { AggregateDays = 2 });
        Assert.Equal(2L, aggregates.AggregatesDropped);
    }

    [Fact]
    public async Task An_admins_reset_forgets_the_gateways_batch_keys_so_a_batch_sent_again_is_stored_again()
    {
        var db = await PostgresServer.Shared.CreateDatabaseAsync("pg_reset");
        using var store = PostgresReadingStore.Open(db, TimeProvider.System);
        var batch = Stored("gw", 1, FakeGateway.SampleReadings(2, endUnixMs: Dec1 + 5_000));
        store.Commit(Commit("gw", batch));

        var again = Commit("gw", batch);
        again.Gateways[0] = again.Gateways[0] with { SeqsCleared = true };

        Assert.Empty(store.Commit(again).AlreadyStored);
        Assert.Equal(1L, await ScalarAsync<long>(db, "SELECT count(*) FROM batches"));
    }

    [Fact]
    public async Task A_day_another_central_dropped_is_created_again_for_a_late_reading()
    {
        var db = await PostgresServer.Shared.CreateDatabaseAsync("pg_late");
        using var writer = PostgresReadingStore.Open(db, TimeProvider.System);
        using var cleaner = PostgresReadingStore.Open(db, TimeProvider.System);
        writer.Commit(Commit("gw", Stored("gw", 1, FakeGateway.SampleReadings(2, endUnixMs: Dec1 + 5_000))));
        cleaner.ApplyRetention(DateTimeOffset.FromUnixTimeMilliseconds(Dec1 + (10 * Day)), new RetentionSettings { RawDays = 3 });
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM pg_class WHERE relname = 'readings_20261201'"));

        Assert.Empty(writer.Commit(Commit("gw", Stored("gw", 2, FakeGateway.SampleReadings(2, endUnixMs: Dec1 + 9_000)))).AlreadyStored);

        Assert.Equal(6L, await ScalarAsync<long>(db, "SELECT count(*) FROM readings_20261201"));
    }

    [Fact]
    public void A_server_nobody_listens_on_is_one_line_naming_the_setting_and_the_server()
    {
        var port = FreePort.Tcp();
        var exception = Assert.Throws<StoreUnavailableException>(() =>
            PostgresReadingStore.Open($"Host=127.0.0.1;Port={port};Username=postgres;Password=secret-pw;Database=city;Timeout=3", TimeProvider.System));

        Assert.StartsWith($"Central:Store:ConnectionString: cannot use PostgreSQL at 127.0.0.1:{port}/city: ", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', exception.Message);
    }

    [Theory]
    [InlineData("--Central:Store:Kind=postgres", "Central:Store:ConnectionString: required")]
    [InlineData("--Central:Store:Kind=oracle", "Central:Store:Kind: 'oracle' is neither")]
    public void Store_settings_are_checked_at_start_naming_the_key(string setting, string expected)
    {
        Assert.Null(CentralApp.Build([$"--Central:DataPath={CentralHost.NewDataPath()}", setting], out var errors));
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }
}
