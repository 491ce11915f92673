using System.Globalization;
using System.Text.Json;
using City.Central.Model;
using City.Contract;
using City.Contract.Wire;
using Npgsql;

namespace City.Central.Store.Postgres;

/// <summary>Gateways, catalogue and latest values: written so that several centrals can share one database, and read back.</summary>
internal sealed partial class PostgresReadingStore
{
    private const string UpsertGateways = """
        INSERT INTO gateways AS g (gateway, online, has_birth, last_seen, readings_received, batches_received, max_batch_span_ms,
                                   software_version, buffer_id, epoch, streams, updated_at)
        SELECT id, online, birth, seen, rr, br, span, sw, buf, ep, streams::jsonb, now()
        FROM unnest($1::text[], $2::boolean[], $3::boolean[], $4::timestamptz[], $5::bigint[], $6::bigint[], $7::bigint[],
                    $8::text[], $9::text[], $10::bigint[], $11::text[])
             AS u(id, online, birth, seen, rr, br, span, sw, buf, ep, streams)
        ORDER BY id
        ON CONFLICT (gateway) DO UPDATE SET
            online = excluded.online,
            has_birth = excluded.has_birth,
            last_seen = GREATEST(g.last_seen, excluded.last_seen),
            readings_received = g.readings_received + excluded.readings_received,
            batches_received = g.batches_received + excluded.batches_received,
            max_batch_span_ms = GREATEST(g.max_batch_span_ms, excluded.max_batch_span_ms),
            software_version = excluded.software_version,
            buffer_id = excluded.buffer_id,
            epoch = excluded.epoch,
            streams = excluded.streams,
            updated_at = excluded.updated_at
        """;

    private const string AddCounters = """
        UPDATE gateways AS g SET readings_received = g.readings_received + u.rr, batches_received = g.batches_received + u.br
        FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u(id, rr, br)
        WHERE g.gateway = u.id
        """;

    private const string UpsertCatalogue = """
        DELETE FROM catalogue WHERE gateway = $1 AND NOT (alias = ANY($2::bigint[]));
        """;

    private const string InsertCatalogue = """
        INSERT INTO catalogue (gateway, alias, point, type, unit, device, description)
        SELECT $1, a, p, t, u, d, x FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS v(a, p, t, u, d, x)
        ORDER BY a
        ON CONFLICT (gateway, alias) DO UPDATE SET
            point = excluded.point, type = excluded.type, unit = excluded.unit, device = excluded.device, description = excluded.description
        """;

    private const string UpsertLatest = """
        INSERT INTO latest AS l (gateway, alias, point, type, ts, value, value_text, quality)
        SELECT id, a, p, t, ts, v, vt, q
        FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::double precision[], $7::text[], $8::text[])
             AS u(id, a, p, t, ts, v, vt, q)
        ORDER BY id, a
        ON CONFLICT (gateway, alias) DO UPDATE SET
            point = excluded.point, type = excluded.type, ts = excluded.ts, value = excluded.value, value_text = excluded.value_text,
            quality = excluded.quality
        WHERE excluded.ts >= l.ts
        """;

    /// <summary>
    /// The gateways' rows: counters added (only for the batches this commit inserted), times and spans kept at their
    /// largest, the rest as this central knows it; the catalogue replaced where a birth changed it; latest values
    /// written where they changed, each only if newer than the stored one.
    /// </summary>
    private void WriteGateways(NpgsqlConnection connection, NpgsqlTransaction transaction, CommitSet commit, HashSet<BatchKey> already)
    {
        var added = new Dictionary<string, (long Readings, long Batches)>(StringComparer.Ordinal);
        foreach (var batch in commit.Batches.Where(b => !already.Contains(BatchKey.Of(b))))
        {
            var (readings, batches) = added.GetValueOrDefault(batch.GatewayId);
            added[batch.GatewayId] = (readings + batch.ReadingCount, batches + 1);
        }

        // The last change of a gateway in the set is its newest state.
        var states = new SortedDictionary<string, GatewayChange>(StringComparer.Ordinal);
        var catalogueChanged = new HashSet<string>(StringComparer.Ordinal);
        var latestChanged = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in commit.Gateways)
        {
            states[change.State.Id] = change;
            if (change.CatalogueChanged)
            {
                catalogueChanged.Add(change.State.Id);
            }

            if (change.LatestChanged)
            {
                latestChanged.Add(change.State.Id);
            }
        }

        using var batch2 = new NpgsqlBatch(connection, transaction);
        if (states.Count > 0)
        {
            var list = states.Values.Select(c => c.State).ToList();
            var command = new NpgsqlBatchCommand(UpsertGateways);
            command.Parameters.Add(Array(list, s => s.Id));
            command.Parameters.Add(Array(list, s => s.Online));
            command.Parameters.Add(Array(list, s => s.HasBirth));
            command.Parameters.Add(Array(list, s => s.LastSeenUnixMs == 0 ? (DateTime?)null : ToDateTime(Clamp(s.LastSeenUnixMs))));
            command.Parameters.Add(Array(list, s => added.GetValueOrDefault(s.Id).Readings));
            command.Parameters.Add(Array(list, s => added.GetValueOrDefault(s.Id).Batches));
            command.Parameters.Add(Array(list, s => s.MaxBatchSpanMs));
            command.Parameters.Add(Array(list, s => s.SoftwareVersion));
            command.Parameters.Add(Array(list, s => s.BufferId));
            command.Parameters.Add(Array(list, s => unchecked((long)s.Epoch)));
            command.Parameters.Add(Array(list, StreamsJson));
            batch2.BatchCommands.Add(command);
        }

        var countersOnly = added.Where(a => !states.ContainsKey(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        if (countersOnly.Count > 0)
        {
            var command = new NpgsqlBatchCommand(AddCounters);
            command.Parameters.Add(Array(countersOnly, a => a.Key));
            command.Parameters.Add(Array(countersOnly, a => a.Value.Readings));
            command.Parameters.Add(Array(countersOnly, a => a.Value.Batches));
            batch2.BatchCommands.Add(command);
        }

        foreach (var id in catalogueChanged.Order(StringComparer.Ordinal))
        {
            var points = states[id].State.Catalogue.ToList();
            var delete = new NpgsqlBatchCommand(UpsertCatalogue);
            delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            delete.Parameters.Add(Array(points, p => (long)p.Alias));
            batch2.BatchCommands.Add(delete);
            if (points.Count > 0)
            {
                var insert = new NpgsqlBatchCommand(InsertCatalogue);
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
                insert.Parameters.Add(Array(points, p => (long)p.Alias));
                insert.Parameters.Add(Array(points, p => p.Id));
                insert.Parameters.Add(Array(points, p => TypeName(p.Type)));
                insert.Parameters.Add(Array(points, p => p.Unit));
                insert.Parameters.Add(Array(points, p => p.Device));
                insert.Parameters.Add(Array(points, p => p.Description));
                batch2.BatchCommands.Add(insert);
            }
        }

        AddLatest(batch2, states, latestChanged);
        if (batch2.BatchCommands.Count > 0)
        {
            batch2.ExecuteNonQuery();
        }
    }

    /// <summary>The latest values that differ from those this central last wrote; a gateway whose values were cleared (a reset) loses its rows.</summary>
    private void AddLatest(NpgsqlBatch batch, SortedDictionary<string, GatewayChange> states, HashSet<string> latestChanged)
    {
        var rows = new List<(string Gateway, LatestValue Value, string Point)>();
        foreach (var id in latestChanged.Order(StringComparer.Ordinal))
        {
            var state = states[id].State;
            var written = _writtenLatest.GetValueOrDefault(id);
            if (state.Latest.Count == 0 && written is { Count: > 0 })
            {
                var clear = new NpgsqlBatchCommand("DELETE FROM latest WHERE gateway = $1");
                clear.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
                batch.BatchCommands.Add(clear);
                continue;
            }

            var points = state.Catalogue.ToDictionary(p => p.Alias);
            foreach (var value in state.Latest.Values.OrderBy(v => v.Alias))
            {
                if (written is null || !written.TryGetValue(value.Alias, out var old) || old != value)
                {
                    rows.Add((id, value, PointOf(points, value.Alias)));
                }
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        var upsert = new NpgsqlBatchCommand(UpsertLatest);
        upsert.Parameters.Add(Array(rows, r => r.Gateway));
        upsert.Parameters.Add(Array(rows, r => (long)r.Value.Alias));
        upsert.Parameters.Add(Array(rows, r => r.Point));
        upsert.Parameters.Add(Array(rows, r => TypeName(r.Value.Value.Type)));
        upsert.Parameters.Add(Array(rows, r => ToDateTime(Clamp(r.Value.TimestampUnixMs))));
        upsert.Parameters.Add(Array(rows, r => r.Value.Value.Type == PointType.Text ? (double?)null : r.Value.Value.Number));
        upsert.Parameters.Add(Array(rows, r => r.Value.Value.Type == PointType.Text ? r.Value.Value.Text ?? string.Empty : null));
        upsert.Parameters.Add(Array(rows, r => QualityNames.Name(r.Value.Quality)));
        batch.BatchCommands.Add(upsert);
    }

    /// <summary>After a commit: the catalogues and latest values now in the database, as this central wrote them.</summary>
    private void RememberWritten(CommitSet commit)
    {
        foreach (var change in commit.Gateways)
        {
            if (change.CatalogueChanged || !_catalogues.ContainsKey(change.State.Id))
            {
                _catalogues[change.State.Id] = change.State.Catalogue.ToDictionary(p => p.Alias);
            }

            if (change.LatestChanged)
            {
                _writtenLatest[change.State.Id] = change.State.Latest;
            }
        }
    }

    internal static string TypeName(PointType type) => type switch
    {
        PointType.Boolean => "boolean",
        PointType.Text => "text",
        _ => "number",
    };

    private static PointType ParseType(string name) => name switch
    {
        "boolean" => PointType.Boolean,
        "text" => PointType.Text,
        _ => PointType.Number,
    };

    internal static Quality ParseQuality(string name) =>
        QualityNames.TryParse(name, out var quality) ? quality
        : int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? (Quality)number
        : Quality.Uncertain;

    /// <summary>[{"id": buffer id, "epoch": n, "seqs": [[from, to], ...]}, ...]: the dedupe fast path.</summary>
    private static string StreamsJson(GatewayState state)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach (var (id, buffer) in state.Streams)
            {
                writer.WriteStartObject();
                writer.WriteString("id", id);
                writer.WriteNumber("epoch", buffer.Epoch);
                writer.WriteStartArray("seqs");
                foreach (var (from, to) in buffer.Seqs.Ranges)
                {
                    writer.WriteStartArray();
                    writer.WriteNumberValue(from);
                    writer.WriteNumberValue(to);
                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static List<GatewayState> ReadGateways(NpgsqlConnection connection)
    {
        var states = new Dictionary<string, GatewayState>(StringComparer.Ordinal);
        using (var command = new NpgsqlCommand(
            "SELECT gateway, online, has_birth, last_seen, readings_received, batches_received, max_batch_span_ms, software_version, buffer_id, streams::text FROM gateways ORDER BY gateway",
            connection))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var state = new GatewayState(reader.GetString(0))
                {
                    Online = reader.GetBoolean(1),
                    HasBirth = reader.GetBoolean(2),
                    LastSeenUnixMs = reader.IsDBNull(3) ? 0 : ToUnixMs(reader.GetDateTime(3)),
                    ReadingsReceived = reader.GetInt64(4),
                    BatchesReceived = reader.GetInt64(5),
                    MaxBatchSpanMs = reader.GetInt64(6),
                    SoftwareVersion = reader.GetString(7),
                };
                state.Restore(reader.GetString(8), ParseStreams(reader.GetString(9)));
                states.Add(state.Id, state);
            }
        }

        var catalogues = new Dictionary<string, List<CataloguePoint>>(StringComparer.Ordinal);
        using (var command = new NpgsqlCommand("SELECT gateway, alias, point, type, unit, device, description FROM catalogue ORDER BY gateway, alias", connection))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var id = reader.GetString(0);
                if (!catalogues.TryGetValue(id, out var points))
                {
                    catalogues[id] = points = [];
                }

                points.Add(new CataloguePoint((uint)reader.GetInt64(1), reader.GetString(2), reader.GetString(4), ParseType(reader.GetString(3)), reader.GetString(5), reader.GetString(6)));
            }
        }

        var latest = new Dictionary<string, Dictionary<uint, LatestValue>>(StringComparer.Ordinal);
        using (var command = new NpgsqlCommand("SELECT gateway, alias, type, ts, value, value_text, quality FROM latest", connection))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var id = reader.GetString(0);
                if (!latest.TryGetValue(id, out var values))
                {
                    latest[id] = values = [];
                }

                var alias = (uint)reader.GetInt64(1);
                var value = ParseType(reader.GetString(2)) switch
                {
                    PointType.Text => PointValue.FromText(reader.IsDBNull(5) ? string.Empty : reader.GetString(5)),
                    PointType.Boolean => PointValue.FromBoolean(!reader.IsDBNull(4) && reader.GetDouble(4) != 0),
                    _ => PointValue.FromNumber(reader.IsDBNull(4) ? double.NaN : reader.GetDouble(4)),
                };
                values[alias] = new LatestValue(alias, ToUnixMs(reader.GetDateTime(3)), value, ParseQuality(reader.GetString(6)));
            }
        }

        foreach (var state in states.Values)
        {
            state.Catalogue = catalogues.GetValueOrDefault(state.Id) ?? [];
            state.Latest = latest.GetValueOrDefault(state.Id) ?? [];
        }

        return [.. states.Values];
    }

    private static Dictionary<string, BufferStream> ParseStreams(string json)
    {
        var streams = new Dictionary<string, BufferStream>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        foreach (var element in document.RootElement.EnumerateArray())
        {
            var ranges = element.GetProperty("seqs").EnumerateArray().Select(r => (r[0].GetUInt64(), r[1].GetUInt64()));
            streams[element.GetProperty("id").GetString() ?? string.Empty] = new BufferStream
            {
                Epoch = element.GetProperty("epoch").GetUInt64(),
                Seqs = SeqRanges.From(ranges),
            };
        }

        return streams;
    }
}
