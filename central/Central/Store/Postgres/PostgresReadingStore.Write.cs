using System.Globalization;
using City.Central.Model;
using City.Contract;
using City.Contract.Wire;
using Npgsql;
using NpgsqlTypes;

namespace City.Central.Store.Postgres;

/// <summary>The write path: daily partitions, the batches' insert (the dedupe), binary COPY of readings and events.</summary>
internal sealed partial class PostgresReadingStore
{
    /// <summary>The advisory lock key every central takes to create a partition: "city_par".</summary>
    private const long PartitionLockKey = 0x63697479_5F706172;

    private const long MsPerDay = 86_400_000;

    /// <summary>A batch whose span covers more days than this has its days taken from its readings.</summary>
    private const long MaxSpanDays = 7;

    // timestamptz as .NET's DateTime can carry it: readings outside these years (only flagged ones can be) are not rows.
    private const long MinUnixMs = -62_135_596_800_000;
    private const long MaxUnixMs = 253_402_300_799_999;

    /// <summary>The days (unix ms / 86,400,000) whose partition exists, as far as this central knows.</summary>
    private readonly HashSet<long> _partitions = [];

    /// <summary>The decoded readings of a commit's batches, with the days their partitions must cover.</summary>
    private sealed class PreparedRows
    {
        public List<(StoredBatch Batch, IReadOnlyDictionary<uint, CataloguePoint> Points, List<Reading>? Readings)> Telemetry { get; } = [];

        public List<(StoredBatch Batch, IReadOnlyDictionary<uint, CataloguePoint> Points, List<Reading> Readings)> Events { get; } = [];

        public HashSet<long> Days { get; } = [];
    }

    /// <summary>The readings of a batch; none when its body no longer decodes (the worker decoded it before accepting it; batches.body keeps it).</summary>
    private static List<Reading> Decode(StoredBatch batch)
    {
        var readings = new List<Reading>(batch.ReadingCount);
        if (!batch.TryReadReadings(readings))
        {
            readings.Clear();
        }

        return readings;
    }

    internal static DateTime ToDateTime(long unixMs) => DateTime.UnixEpoch.AddTicks(unixMs * TimeSpan.TicksPerMillisecond);

    internal static long ToUnixMs(DateTime value) => (value.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;

    private static bool IsRepresentable(long unixMs) => unixMs is >= MinUnixMs and <= MaxUnixMs;

    private static long DayOf(long unixMs) => StoredBatch.DayOf(unixMs);

    internal static string PartitionName(long day) =>
        "readings_" + DateOnly.FromDateTime(ToDateTime(day * MsPerDay)).ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private PreparedRows PrepareRows(CommitSet commit)
    {
        var catalogues = new Dictionary<string, IReadOnlyDictionary<uint, CataloguePoint>>(StringComparer.Ordinal);
        foreach (var change in commit.Gateways)
        {
            catalogues[change.State.Id] = change.State.Catalogue.ToDictionary(p => p.Alias);
        }

        var rows = new PreparedRows();
        foreach (var batch in commit.Batches)
        {
            if (!catalogues.TryGetValue(batch.GatewayId, out var points))
            {
                points = _catalogues.TryGetValue(batch.GatewayId, out var known) ? known : new Dictionary<uint, CataloguePoint>();
                catalogues[batch.GatewayId] = points;
            }

            if (batch.Kind == BatchKind.Events)
            {
                rows.Events.Add((batch, points, Decode(batch)));
                continue;
            }

            // The days to cover: those of the span, when it is short and holds every reading (the body is decoded during
            // the COPY then, while the server works); else those of the readings, decoded now.
            if (!batch.HasOutOfWindowReadings && IsRepresentable(batch.TMinUnixMs) && IsRepresentable(batch.TMaxUnixMs)
                && DayOf(batch.TMaxUnixMs) - DayOf(batch.TMinUnixMs) < MaxSpanDays)
            {
                rows.Telemetry.Add((batch, points, null));
                for (var day = DayOf(batch.TMinUnixMs); day <= DayOf(batch.TMaxUnixMs); day++)
                {
                    rows.Days.Add(day);
                }

                continue;
            }

            var readings = Decode(batch);
            rows.Telemetry.Add((batch, points, readings));
            foreach (var reading in readings)
            {
                if (IsRepresentable(reading.TimestampUnixMs))
                {
                    rows.Days.Add(DayOf(reading.TimestampUnixMs));
                }
            }
        }

        return rows;
    }

    /// <summary>Reads which daily partitions exist.</summary>
    private void LoadPartitions()
    {
        using var connection = _dataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'readings'::regclass", connection);
        using var reader = command.ExecuteReader();
        lock (_partitions)
        {
            _partitions.Clear();
            while (reader.Read())
            {
                if (TryParsePartition(reader.GetString(0), out var day))
                {
                    _partitions.Add(day);
                }
            }
        }
    }

    internal static bool TryParsePartition(string name, out long day)
    {
        day = 0;
        if (!name.StartsWith("readings_", StringComparison.Ordinal)
            || !DateOnly.TryParseExact(name["readings_".Length..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return false;
        }

        day = DayOf(ToUnixMs(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)));
        return true;
    }

    /// <summary>
    /// Creates the missing daily partitions, each in a short transaction of its own under an advisory lock (another
    /// central may create the same one at the same moment), before the commit's transaction: the commit never holds
    /// the lock a partition's creation takes on the readings table.
    /// </summary>
    private void EnsurePartitions(HashSet<long> days)
    {
        List<long> missing;
        lock (_partitions)
        {
            missing = [.. days.Where(d => !_partitions.Contains(d)).Order()];
        }

        if (missing.Count == 0)
        {
            return;
        }

        using var connection = _dataSource.OpenConnection();
        foreach (var day in missing)
        {
            using var transaction = connection.BeginTransaction();
            var from = ToDateTime(day * MsPerDay).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var to = ToDateTime((day + 1) * MsPerDay).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            using var command = new NpgsqlCommand(
                $"SELECT pg_advisory_xact_lock({PartitionLockKey}); " +
                $"CREATE TABLE IF NOT EXISTS {PartitionName(day)} PARTITION OF readings FOR VALUES FROM ('{from} 00:00:00+00') TO ('{to} 00:00:00+00')",
                connection,
                transaction);
            command.ExecuteNonQuery();
            transaction.Commit();
            lock (_partitions)
            {
                _partitions.Add(day);
            }
        }
    }

    /// <summary>Inserts the batches' rows (ON CONFLICT DO NOTHING: the dedupe) and returns the keys of those it inserted.</summary>
    private static HashSet<BatchKey> InsertBatches(NpgsqlConnection connection, NpgsqlTransaction transaction, List<StoredBatch> batches)
    {
        var inserted = new HashSet<BatchKey>();
        if (batches.Count == 0)
        {
            return inserted;
        }

        using var command = new NpgsqlCommand(
            """
            INSERT INTO batches (gateway, buffer_id, seq, epoch, kind, t_min, t_max, reading_count, compression, body, body_crc32c,
                                 flagged_days, flagged_any_day, received_at)
            SELECT g, b, s, e, k, t0, t1, n, c, body, crc, fd::bigint[], fa, rx
            FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::timestamptz[], $7::timestamptz[],
                        $8::integer[], $9::smallint[], $10::bytea[], $11::bigint[], $12::text[], $13::boolean[], $14::timestamptz[])
                 AS u(g, b, s, e, k, t0, t1, n, c, body, crc, fd, fa, rx)
            ORDER BY g, b, s
            ON CONFLICT DO NOTHING
            RETURNING gateway, buffer_id, seq
            """,
            connection,
            transaction);
        command.Parameters.Add(Array(batches, b => b.GatewayId));
        command.Parameters.Add(Array(batches, b => b.BufferId));
        command.Parameters.Add(Array(batches, b => unchecked((long)b.Seq)));
        command.Parameters.Add(Array(batches, b => unchecked((long)b.Epoch)));
        command.Parameters.Add(Array(batches, b => KindName(b.Kind)));
        command.Parameters.Add(Array(batches, b => ToDateTime(Clamp(b.TMinUnixMs))));
        command.Parameters.Add(Array(batches, b => ToDateTime(Clamp(b.TMaxUnixMs))));
        command.Parameters.Add(Array(batches, b => b.ReadingCount));
        command.Parameters.Add(Array(batches, b => (short)b.Compression));
        command.Parameters.Add(Array(batches, b => b.Body));
        command.Parameters.Add(Array(batches, b => b.BodyCrc32C is { } crc ? (long?)crc : null));
        command.Parameters.Add(Array(batches, b => "{" + string.Join(',', b.OutOfWindowDays.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "}"));
        command.Parameters.Add(Array(batches, b => b.OutOfWindowAnyDay));
        command.Parameters.Add(Array(batches, b => ToDateTime(Clamp(b.ReceivedUnixMs))));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            inserted.Add(new BatchKey(reader.GetString(0), reader.GetString(1), unchecked((ulong)reader.GetInt64(2))));
        }

        return inserted;
    }

    private static long Clamp(long unixMs) => Math.Clamp(unixMs, MinUnixMs, MaxUnixMs);

    private static NpgsqlParameter<T[]> Array<TSource, T>(List<TSource> items, Func<TSource, T> select) => new() { TypedValue = [.. items.Select(select)] };

    /// <summary>Binary COPY of the readings of the batches just inserted (those already stored are skipped).</summary>
    private static void CopyReadings(NpgsqlConnection connection, PreparedRows rows, HashSet<BatchKey> already)
    {
        if (rows.Telemetry.Count == 0)
        {
            return;
        }

        using var importer = connection.BeginBinaryImport(
            "COPY readings (gateway, point, ts, value, value_text, quality, buffer_id, seq) FROM STDIN (FORMAT BINARY)");
        var scratch = new List<Reading>();
        foreach (var (batch, points, decoded) in rows.Telemetry)
        {
            if (already.Contains(BatchKey.Of(batch)))
            {
                continue;
            }

            var readings = decoded;
            if (readings is null)
            {
                scratch.Clear();
                readings = batch.TryReadReadings(scratch) ? scratch : [];
            }

            var seq = unchecked((long)batch.Seq);
            foreach (var reading in readings)
            {
                if (!IsRepresentable(reading.TimestampUnixMs))
                {
                    continue;
                }

                importer.StartRow();
                importer.Write(batch.GatewayId, NpgsqlDbType.Text);
                importer.Write(PointOf(points, reading.Alias), NpgsqlDbType.Text);
                importer.Write(ToDateTime(reading.TimestampUnixMs), NpgsqlDbType.TimestampTz);
                CopyValue(importer, reading.Value);
                importer.Write(QualityNames.Name(batch.IsOutOfWindow(reading.TimestampUnixMs) ? Quality.TimestampOutOfWindow : reading.Quality), NpgsqlDbType.Text);
                importer.Write(batch.BufferId, NpgsqlDbType.Text);
                importer.Write(seq, NpgsqlDbType.Bigint);
            }
        }

        importer.Complete();
    }

    /// <summary>Binary COPY of the edges' events (the readings of new EVENTS batches) and central's own events.</summary>
    private static void CopyEvents(NpgsqlConnection connection, CommitSet commit, PreparedRows rows, HashSet<BatchKey> already)
    {
        if (rows.Events.Count == 0 && commit.Events.Count == 0)
        {
            return;
        }

        using var importer = connection.BeginBinaryImport(
            "COPY events (gateway, ts, point, alias, value, value_text, quality, source, buffer_id, seq) FROM STDIN (FORMAT BINARY)");
        foreach (var (batch, points, readings) in rows.Events)
        {
            if (already.Contains(BatchKey.Of(batch)))
            {
                continue;
            }

            foreach (var reading in readings.Where(r => IsRepresentable(r.TimestampUnixMs)))
            {
                importer.StartRow();
                importer.Write(batch.GatewayId, NpgsqlDbType.Text);
                importer.Write(ToDateTime(reading.TimestampUnixMs), NpgsqlDbType.TimestampTz);
                importer.Write(PointOf(points, reading.Alias), NpgsqlDbType.Text);
                importer.Write((long)reading.Alias, NpgsqlDbType.Bigint);
                CopyValue(importer, reading.Value);
                importer.Write(QualityNames.Name(batch.IsOutOfWindow(reading.TimestampUnixMs) ? Quality.TimestampOutOfWindow : reading.Quality), NpgsqlDbType.Text);
                importer.Write("edge", NpgsqlDbType.Text);
                importer.Write(batch.BufferId, NpgsqlDbType.Text);
                importer.Write(unchecked((long)batch.Seq), NpgsqlDbType.Bigint);
            }
        }

        foreach (var centralEvent in commit.Events.Where(e => IsRepresentable(e.TimestampUnixMs)))
        {
            importer.StartRow();
            importer.Write(centralEvent.GatewayId, NpgsqlDbType.Text);
            importer.Write(ToDateTime(centralEvent.TimestampUnixMs), NpgsqlDbType.TimestampTz);
            importer.Write(centralEvent.Point, NpgsqlDbType.Text);
            importer.WriteNull();
            importer.WriteNull();
            importer.Write(centralEvent.Text, NpgsqlDbType.Text);
            importer.Write(QualityNames.Name(Quality.Good), NpgsqlDbType.Text);
            importer.Write("central", NpgsqlDbType.Text);
            importer.WriteNull();
            importer.WriteNull();
        }

        importer.Complete();
    }

    /// <summary>The point's id from the catalogue, or its alias in decimal when the catalogue does not name it.</summary>
    private static string PointOf(IReadOnlyDictionary<uint, CataloguePoint> points, uint alias) =>
        points.TryGetValue(alias, out var point) ? point.Id : alias.ToString(CultureInfo.InvariantCulture);

    /// <summary>value (numbers; booleans as 1/0) and value_text (texts).</summary>
    private static void CopyValue(NpgsqlBinaryImporter importer, PointValue value)
    {
        if (value.Type == PointType.Text)
        {
            importer.WriteNull();
            importer.Write(value.Text ?? string.Empty, NpgsqlDbType.Text);
        }
        else
        {
            importer.Write(value.Number, NpgsqlDbType.Double);
            importer.WriteNull();
        }
    }
}
