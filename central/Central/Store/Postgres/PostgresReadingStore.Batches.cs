using City.Contract.Wire;
using Npgsql;

namespace City.Central.Store.Postgres;

/// <summary>The stored batches as received (bodies kept for the verifier-style checks and the older read path).</summary>
internal sealed partial class PostgresReadingStore
{
    private const string BatchColumns =
        "gateway, seq, epoch, kind, (extract(epoch FROM t_min) * 1000)::bigint, (extract(epoch FROM t_max) * 1000)::bigint, reading_count, compression, body, " +
        "(extract(epoch FROM received_at) * 1000)::bigint, buffer_id, body_crc32c, flagged_days, flagged_any_day";

    public IEnumerable<StoredBatch> FindBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) =>
        FindBatches(gatewayId, fromUnixMs, toUnixMs, maxBatchSpanMs, onlyEvents: false);

    public IEnumerable<StoredBatch> FindEventBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) =>
        FindBatches(gatewayId, fromUnixMs, toUnixMs, maxBatchSpanMs, onlyEvents: true);

    public IEnumerable<CentralEvent> FindCentralEvents(string gatewayId, long fromUnixMs, long toUnixMs)
    {
        using var connection = _dataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            "SELECT ts, point, value_text FROM events WHERE source = 'central' AND gateway = $1 AND ts >= $2 AND ts <= $3 ORDER BY ts, id", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = gatewayId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(fromUnixMs)) });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(toUnixMs)) });
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new CentralEvent(gatewayId, ToUnixMs(reader.GetDateTime(0)), reader.GetString(1), reader.IsDBNull(2) ? string.Empty : reader.GetString(2));
        }
    }

    /// <summary>Batches holding flagged readings first, then those whose span overlaps [from, to] by first timestamp.</summary>
    private IEnumerable<StoredBatch> FindBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs, bool onlyEvents)
    {
        using var connection = _dataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            $"""
            SELECT {BatchColumns} FROM batches
            WHERE gateway = $1 AND (NOT $4 OR kind = 'events')
              AND (flagged_any_day OR cardinality(flagged_days) > 0 OR (t_min >= $2 AND t_min <= $3 AND t_max >= $5))
            ORDER BY (flagged_any_day OR cardinality(flagged_days) > 0) DESC, t_min, buffer_id, seq
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = gatewayId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(SaturatingSubtract(fromUnixMs, Math.Max(0, maxBatchSpanMs)))) });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(toUnixMs)) });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = onlyEvents });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(fromUnixMs)) });
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var batch = new StoredBatch(
                reader.GetString(0),
                unchecked((ulong)reader.GetInt64(1)),
                unchecked((ulong)reader.GetInt64(2)),
                reader.GetString(3) == "events" ? BatchKind.Events : BatchKind.Telemetry,
                reader.GetInt64(4),
                reader.GetInt64(5),
                reader.GetInt32(6),
                (Compression)reader.GetInt16(7),
                reader.GetFieldValue<byte[]>(8),
                reader.GetInt64(9),
                reader.GetString(10))
            {
                BodyCrc32C = reader.IsDBNull(11) ? null : unchecked((uint)reader.GetInt64(11)),
                OutOfWindowDays = reader.GetFieldValue<long[]>(12),
                OutOfWindowAnyDay = reader.GetBoolean(13),
            };

            // A flagged batch is listed only when one of its flagged days, or its span, meets the range.
            if (batch.HasOutOfWindowReadings && !batch.OutOfWindowAnyDay && !(batch.TMinUnixMs <= toUnixMs && batch.TMaxUnixMs >= fromUnixMs)
                && !batch.OutOfWindowDays.Any(d => d >= StoredBatch.DayOf(fromUnixMs) && d <= StoredBatch.DayOf(toUnixMs)))
            {
                continue;
            }

            yield return batch;
        }
    }

    private static long SaturatingSubtract(long value, long amount) => value < long.MinValue + amount ? long.MinValue : value - amount;
}
