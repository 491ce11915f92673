using City.Central.Configuration;
using Npgsql;

namespace City.Central.Store.Postgres;

/// <summary>
/// Retention on PostgreSQL: a raw daily partition older than RawDays is folded into readings_hourly and dropped (with
/// the rows of the batches wholly before it, and the events before it); hourly rows older than AggregateDays are deleted. One central at a time
/// (an advisory lock): another one finding it taken skips its pass.
/// </summary>
internal sealed partial class PostgresReadingStore
{
    /// <summary>"city_ret".</summary>
    private const long RetentionLockKey = 0x63697479_5F726574;

    // Folds one partition's readings of quality good (numbers; booleans are 1/0) into hours, adding to any hour already
    // there (a partition created again by late readings after it was dropped).
    private const string FoldPartition = """
        INSERT INTO readings_hourly AS h (gateway, point, hour, min, max, avg, sum, count)
        SELECT gateway, point, date_trunc('hour', ts), min(value), max(value), avg(value), sum(value), count(*)
        FROM {0} WHERE quality = 'good' AND value_text IS NULL
        GROUP BY gateway, point, date_trunc('hour', ts)
        ON CONFLICT (gateway, point, hour) DO UPDATE SET
            min = LEAST(h.min, excluded.min), max = GREATEST(h.max, excluded.max), sum = h.sum + excluded.sum,
            count = h.count + excluded.count, avg = (h.sum + excluded.sum) / (h.count + excluded.count)
        """;

    public RetentionOutcome ApplyRetention(DateTimeOffset now, RetentionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Reading("applying retention", () =>
        {
            using var connection = _dataSource.OpenConnection();
            using (var tryLock = new NpgsqlCommand($"SELECT pg_try_advisory_lock({RetentionLockKey})", connection))
            {
                if (tryLock.ExecuteScalar() is not true)
                {
                    return new RetentionOutcome(0, 0, 0);
                }
            }

            try
            {
                long dropped = 0;
                long written = 0;
                long aggregatesDropped = 0;
                if (settings.RawDays > 0)
                {
                    var cutoffDay = StoredBatch.DayOf(now.ToUnixTimeMilliseconds()) - settings.RawDays;
                    (dropped, written) = DropRawBefore(connection, cutoffDay);
                }

                if (settings.AggregateDays > 0)
                {
                    using var delete = new NpgsqlCommand("DELETE FROM readings_hourly WHERE hour < $1", connection);
                    delete.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime((StoredBatch.DayOf(now.ToUnixTimeMilliseconds()) - settings.AggregateDays) * MsPerDay) });
                    aggregatesDropped = delete.ExecuteNonQuery();
                }

                return new RetentionOutcome(dropped, written, aggregatesDropped);
            }
            finally
            {
                using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({RetentionLockKey})", connection);
                unlock.ExecuteNonQuery();
            }
        });
    }

    /// <summary>Each partition of a day before <paramref name="cutoffDay"/>, oldest first: folded, counted and dropped in one transaction.</summary>
    private (long Dropped, long Written) DropRawBefore(NpgsqlConnection connection, long cutoffDay)
    {
        LoadPartitions();
        List<long> old;
        lock (_partitions)
        {
            old = [.. _partitions.Where(d => d < cutoffDay).Order()];
        }

        long dropped = 0;
        long written = 0;
        var cutoff = ToDateTime(cutoffDay * MsPerDay);
        foreach (var day in old)
        {
            var name = PartitionName(day);
            using var transaction = connection.BeginTransaction();

            // No reading may reach the partition between the fold and the drop.
            using (var lockPartition = new NpgsqlCommand($"LOCK TABLE {name} IN SHARE MODE", connection, transaction))
            {
                lockPartition.ExecuteNonQuery();
            }

            using (var count = new NpgsqlCommand($"SELECT count(*) FROM {name}", connection, transaction))
            {
                dropped += (long)count.ExecuteScalar()!;
            }

            using (var fold = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, FoldPartition, name), connection, transaction))
            {
                written += fold.ExecuteNonQuery();
            }

            using (var drop = new NpgsqlCommand($"DROP TABLE {name}", connection, transaction))
            {
                drop.ExecuteNonQuery();
            }

            using (var mark = new NpgsqlCommand(
                "INSERT INTO retention (id, raw_before) VALUES (true, $1) ON CONFLICT (id) DO UPDATE SET raw_before = GREATEST(retention.raw_before, excluded.raw_before)",
                connection,
                transaction))
            {
                mark.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime((day + 1) * MsPerDay) });
                mark.ExecuteNonQuery();
            }

            transaction.Commit();
            lock (_partitions)
            {
                _partitions.Remove(day);
            }
        }

        // The batches whose readings are all gone: their bodies and dedupe keys (a batch sent again that late is stored again).
        using (var batches = new NpgsqlCommand("DELETE FROM batches WHERE t_max < $1 AND kind = 'telemetry' AND NOT flagged_any_day AND cardinality(flagged_days) = 0", connection))
        {
            batches.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff });
            batches.ExecuteNonQuery();
        }

        // Events follow the raw readings (as on LiteDB).
        using (var events = new NpgsqlCommand("DELETE FROM events WHERE ts < $1", connection))
        {
            events.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff });
            events.ExecuteNonQuery();
        }

        return (dropped, written);
    }
}
