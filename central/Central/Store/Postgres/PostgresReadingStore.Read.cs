using System.Globalization;
using City.Contract;
using City.Contract.Wire;
using Npgsql;

namespace City.Central.Store.Postgres;

/// <summary>
/// The read side in SQL: a point's readings through the (gateway, point, ts) index of the daily partitions the range
/// touches (partition pruning), events by (ts, gateway), aggregates grouped in the database.
/// </summary>
internal sealed partial class PostgresReadingStore : IHistoryStore
{
    // Ties at one timestamp of one point: the order the batches were stored in, then the rows' order within the batch.
    private const string SeriesColumns = "ts, value, value_text, quality";

    public HistoryPage ReadHistory(HistoryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Reading("reading history", () => HistoryPaging.Page(query, ReadSeries));
    }

    public EventPage ReadEvents(EventQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var cursor = EventCursor.Decode(query.Cursor);
        return Reading("reading events", () =>
        {
            using var connection = _dataSource.OpenConnection();
            using var command = new NpgsqlCommand(
                """
                SELECT gateway, ts, point, alias, value, value_text, quality, source = 'central' AS central, id
                FROM events
                WHERE ts >= $1 AND ts <= $2 AND ($3::text[] IS NULL OR gateway = ANY($3))
                  AND ($4::timestamptz IS NULL OR (ts, gateway COLLATE "C", source = 'central', id) > ($4, $5 COLLATE "C", $6, $7))
                ORDER BY ts, gateway COLLATE "C", source = 'central', id
                LIMIT $8
                """,
                connection);
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(query.FromUnixMs)) });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(query.ToUnixMs)) });
            command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = query.Gateways?.ToArray() });
            command.Parameters.Add(new NpgsqlParameter<DateTime?> { TypedValue = cursor is { } c0 ? ToDateTime(Clamp(c0.TimestampUnixMs)) : null });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cursor?.GatewayId ?? string.Empty });
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = cursor?.IsCentral ?? false });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = cursor?.Id ?? 0 });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit + 1 });
            var events = new List<(StoredEvent Event, long Id)>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var central = reader.GetBoolean(7);
                    var value = ReadValue(reader, 4, 5, central ? PointType.Text : null);
                    events.Add((new StoredEvent(
                        reader.GetString(0),
                        ToUnixMs(reader.GetDateTime(1)),
                        reader.IsDBNull(3) ? 0 : (uint)reader.GetInt64(3),
                        reader.GetString(2),
                        value,
                        ParseQuality(reader.GetString(6)),
                        central), reader.GetInt64(8)));
                }
            }

            if (events.Count <= query.Limit)
            {
                return new EventPage([.. events.Select(e => e.Event)], null);
            }

            var last = events[query.Limit - 1];
            var next = new EventCursor(last.Event.TimestampUnixMs, last.Event.GatewayId, last.Event.IsCentral, last.Id).Encode();
            return new EventPage([.. events.Take(query.Limit).Select(e => e.Event)], next);
        });
    }

    public IReadOnlyList<AggregateBucket> ReadAggregates(AggregateQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.IntervalMs, 1);
        return Reading("reading aggregates", () =>
        {
            using var connection = _dataSource.OpenConnection();
            var result = new List<AggregateBucket>();
            for (var i = 0; i < query.Series.Count; i++)
            {
                result.AddRange(AggregatesOf(connection, i, query.Series[i], query));
            }

            return (IReadOnlyList<AggregateBucket>)result;
        });
    }

    /// <summary>
    /// One series' buckets: raw readings of quality good (numbers, booleans as 1/0) from the time retention has kept
    /// them, hourly aggregates before it (an hour counts in the bucket holding its start).
    /// </summary>
    private static List<AggregateBucket> AggregatesOf(NpgsqlConnection connection, int series, SeriesKey key, AggregateQuery query)
    {
        using var command = new NpgsqlCommand(
            """
            WITH kept AS (SELECT coalesce((SELECT raw_before FROM retention), '-infinity'::timestamptz) AS raw_before),
            parts AS (
                SELECT (floor((extract(epoch FROM r.ts) * 1000) / $5) * $5)::bigint AS bucket,
                       min(r.value) AS mn, max(r.value) AS mx, sum(r.value) AS sm, count(*) AS n
                FROM readings r, kept
                WHERE r.gateway = $1 AND r.point = $2 AND r.ts >= $3 AND r.ts <= $4 AND r.ts >= kept.raw_before
                  AND r.quality = 'good' AND r.value_text IS NULL
                GROUP BY 1
                UNION ALL
                SELECT (floor((extract(epoch FROM h.hour) * 1000) / $5) * $5)::bigint, h.min, h.max, h.sum, h.count
                FROM readings_hourly h, kept
                WHERE h.gateway = $1 AND h.point = $2 AND h.hour >= date_trunc('hour', $3) AND h.hour <= $4 AND h.hour < kept.raw_before
            )
            SELECT bucket, min(mn), max(mx), sum(sm), sum(n)::bigint FROM parts GROUP BY bucket HAVING sum(n) > 0 ORDER BY bucket
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.GatewayId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Point });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(query.FromUnixMs)) });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(query.ToUnixMs)) });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = query.IntervalMs });
        var buckets = new List<AggregateBucket>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            buckets.Add(new AggregateBucket(series, reader.GetInt64(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetInt64(4)));
        }

        return buckets;
    }

    /// <summary>
    /// One series' readings in [start, to]: every one at start, then at least <paramref name="needed"/> after it, in
    /// (ts, seq, row) order; complete when fewer than asked came back.
    /// </summary>
    private (List<Reading> Readings, bool Complete) ReadSeries(SeriesKey series, long startUnixMs, long toUnixMs, int needed)
    {
        var type = TypeOf(series);
        using var connection = _dataSource.OpenConnection();
        using var batch = new NpgsqlBatch(connection);
        var atStart = new NpgsqlBatchCommand(
            $"SELECT {SeriesColumns} FROM readings WHERE gateway = $1 AND point = $2 AND ts = $3 ORDER BY seq, ctid");
        var after = new NpgsqlBatchCommand(
            $"SELECT {SeriesColumns} FROM readings WHERE gateway = $1 AND point = $2 AND ts > $3 AND ts <= $4 ORDER BY ts, seq, ctid LIMIT $5");
        foreach (var command in new[] { atStart, after })
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = series.GatewayId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = series.Point });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(startUnixMs)) });
        }

        after.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToDateTime(Clamp(toUnixMs)) });
        after.Parameters.Add(new NpgsqlParameter<long> { TypedValue = needed });
        batch.BatchCommands.Add(atStart);
        batch.BatchCommands.Add(after);
        var readings = new List<Reading>();
        var afterCount = 0;
        using var reader = batch.ExecuteReader();
        for (var result = 0; result < 2; result++)
        {
            while (reader.Read())
            {
                readings.Add(new Reading(series.Alias, ToUnixMs(reader.GetDateTime(0)), ReadValue(reader, 1, 2, type), ParseQuality(reader.GetString(3))));
                afterCount += result;
            }

            reader.NextResult();
        }

        return (readings, afterCount < needed);
    }

    /// <summary>The point's type as its catalogue says (number when the catalogue does not name it).</summary>
    private PointType? TypeOf(SeriesKey series)
    {
        return _catalogues.TryGetValue(series.GatewayId, out var points) && points.TryGetValue(series.Alias, out var point) ? point.Type : null;
    }

    /// <summary>A row's value: text when value_text is set, else the number (a boolean when the type says so).</summary>
    private static PointValue ReadValue(NpgsqlDataReader reader, int number, int text, PointType? type)
    {
        if (!reader.IsDBNull(text))
        {
            return PointValue.FromText(reader.GetString(text));
        }

        var value = reader.IsDBNull(number) ? double.NaN : reader.GetDouble(number);
        return type == PointType.Boolean ? PointValue.FromBoolean(value != 0) : PointValue.FromNumber(value);
    }

    /// <summary>Runs a read, turning a database failure into the store's fault (the API answers 503 with it).</summary>
    private T Reading<T>(string operation, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            _problem = $"PostgreSQL {Description}: {operation} failed: {OneLine(exception)}";
            throw new StoreFaultException($"PostgreSQL {Description}", operation, exception);
        }
    }

    /// <summary>Where a page of events ended: (ts, gateway, central's, id), the events table's total order.</summary>
    private readonly record struct EventCursor(long TimestampUnixMs, string GatewayId, bool IsCentral, long Id)
    {
        // A HistoryCursor's text carries it: point "c" or "e" for the source, ordinal for the id.
        public string Encode() => new HistoryCursor(TimestampUnixMs, GatewayId, IsCentral ? "c" : "e", Id).Encode();

        public static EventCursor? Decode(string? text) => HistoryCursor.Decode(text) is { } c
            ? c.Point is "c" or "e" ? new EventCursor(c.TimestampUnixMs, c.GatewayId, c.Point == "c", c.Ordinal)
                : throw new InvalidCursorException($"cursor: not a cursor of events ({c.Point.Length.ToString(CultureInfo.InvariantCulture)}).")
            : null;
    }
}
