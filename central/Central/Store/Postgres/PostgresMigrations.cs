using Npgsql;

namespace City.Central.Store.Postgres;

/// <summary>
/// The schema of central's PostgreSQL store, as numbered migrations. Central applies the missing ones at start, each in
/// a transaction of its own, recorded in <c>schema_migrations</c>; an advisory lock keeps two centrals starting at once
/// from both applying them. A migration, once released, is never edited: a change is a new migration.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>The advisory lock key (any constant shared by every central): "city_mig" as 8 bytes.</summary>
    private const long LockKey = 0x63697479_5F6D6967;

    /// <summary>The migrations, in order: version and SQL.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> All { get; } =
    [
        (1, "readings, batches, gateways, catalogue, latest, events, hourly aggregates, sites, assets", """
            -- Readings, one row each, partitioned by day (readings_YYYYMMDD, created by central as data arrives).
            -- value: numbers, and booleans as 1/0; value_text: text points (value is NULL then).
            -- quality: good, stale, comm-loss, out-of-range, device-failure, config-error, uncertain, clock-unsynced,
            -- timestamp-out-of-window (the contract's names). buffer_id + seq: the batch the reading came in.
            CREATE TABLE readings (
                gateway    text NOT NULL,
                point      text NOT NULL,
                ts         timestamptz NOT NULL,
                value      double precision,
                value_text text,
                quality    text NOT NULL,
                buffer_id  text NOT NULL,
                seq        bigint NOT NULL
            ) PARTITION BY RANGE (ts);
            CREATE INDEX readings_gateway_point_ts ON readings (gateway, point, ts);

            -- One row per stored batch: its key is the dedupe (a batch whose key is here is never stored again).
            -- body: the batch's readings as received (the contract's encoding; compression 0 none, 1 zstd).
            -- flagged_days: days (unix ms / 86400000) of readings central flagged timestamp-out-of-window, '{}' none;
            -- flagged_any_day: too many such days to list.
            CREATE TABLE batches (
                gateway         text NOT NULL,
                buffer_id       text NOT NULL,
                seq             bigint NOT NULL,
                epoch           bigint NOT NULL,
                kind            text NOT NULL,
                t_min           timestamptz NOT NULL,
                t_max           timestamptz NOT NULL,
                reading_count   integer NOT NULL,
                compression     smallint NOT NULL,
                body            bytea NOT NULL,
                body_crc32c     bigint,
                flagged_days    bigint[] NOT NULL,
                flagged_any_day boolean NOT NULL,
                received_at     timestamptz NOT NULL,
                PRIMARY KEY (gateway, buffer_id, seq)
            );
            CREATE INDEX batches_gateway_t_min ON batches (gateway, t_min);
            CREATE INDEX batches_gateway_flagged ON batches (gateway) WHERE flagged_any_day OR cardinality(flagged_days) > 0;

            -- One row per gateway. The counters are added by every central (several may write one database); streams is
            -- the dedupe fast path of the last central that wrote it (buffer ids, epochs, committed seq ranges).
            CREATE TABLE gateways (
                gateway           text PRIMARY KEY,
                online            boolean NOT NULL,
                has_birth         boolean NOT NULL,
                last_seen         timestamptz,
                readings_received bigint NOT NULL,
                batches_received  bigint NOT NULL,
                max_batch_span_ms bigint NOT NULL,
                software_version  text NOT NULL,
                buffer_id         text NOT NULL,
                epoch             bigint NOT NULL,
                streams           jsonb NOT NULL,
                updated_at        timestamptz NOT NULL
            );

            -- The points each gateway's birth announced (alias: the number its batches use; type: number, boolean, text).
            CREATE TABLE catalogue (
                gateway     text NOT NULL,
                alias       bigint NOT NULL,
                point       text NOT NULL,
                type        text NOT NULL,
                unit        text NOT NULL,
                device      text NOT NULL,
                description text NOT NULL,
                PRIMARY KEY (gateway, alias)
            );
            CREATE INDEX catalogue_gateway_point ON catalogue (gateway, point);

            -- The newest reading of each point (kept only when newer: several centrals may write).
            CREATE TABLE latest (
                gateway    text NOT NULL,
                alias      bigint NOT NULL,
                point      text NOT NULL,
                type       text NOT NULL,
                ts         timestamptz NOT NULL,
                value      double precision,
                value_text text,
                quality    text NOT NULL,
                PRIMARY KEY (gateway, alias)
            );

            -- The edges' events (the readings of their EVENTS batches, source 'edge') and central's own (source 'central',
            -- e.g. a new buffer or an admin's reset, with seq NULL). id orders events of one timestamp.
            CREATE TABLE events (
                id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                gateway    text NOT NULL,
                ts         timestamptz NOT NULL,
                point      text NOT NULL,
                alias      bigint,
                value      double precision,
                value_text text,
                quality    text NOT NULL,
                source     text NOT NULL,
                buffer_id  text,
                seq        bigint
            );
            CREATE INDEX events_gateway_ts ON events (gateway, ts, id);
            CREATE INDEX events_ts ON events (ts, id);

            -- Hourly aggregates of numeric points (booleans as 1/0; readings of quality good only), folded from the raw
            -- readings before their daily partitions are dropped (Central:Retention:RawDays); kept
            -- Central:Retention:AggregateDays. raw_before: readings before it were dropped (aggregates stand in for them).
            CREATE TABLE retention (
                id         boolean PRIMARY KEY DEFAULT true CHECK (id),
                raw_before timestamptz NOT NULL
            );
            CREATE TABLE readings_hourly (
                gateway text NOT NULL,
                point   text NOT NULL,
                hour    timestamptz NOT NULL,
                min     double precision,
                max     double precision,
                avg     double precision,
                sum     double precision,
                count   bigint NOT NULL,
                PRIMARY KEY (gateway, point, hour)
            );

            -- Where each cabinet stands and its lamps, as the gateways' births said (Edge:Site, the DALI gear's asset data).
            CREATE TABLE sites (
                gateway    text PRIMARY KEY,
                town       text,
                district   text,
                latitude   double precision,
                longitude  double precision,
                time_zone  text,
                updated_at timestamptz NOT NULL
            );
            CREATE TABLE assets (
                gateway          text NOT NULL,
                lamp_id          text NOT NULL,
                line             text,
                address          integer,
                pole_id          text,
                latitude         double precision,
                longitude        double precision,
                luminaire_model  text,
                rated_power_w    double precision,
                replaced_power_w double precision,
                installed_on     date,
                rated_life_hours double precision,
                updated_at       timestamptz NOT NULL,
                PRIMARY KEY (gateway, lamp_id)
            );
            """),
    ];

    /// <summary>Applies the missing migrations; returns how many it applied.</summary>
    public static int Apply(NpgsqlDataSource dataSource)
    {
        using var connection = dataSource.OpenConnection();
        Lock(connection);
        try
        {
            using (var create = new NpgsqlCommand(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                connection))
            {
                create.ExecuteNonQuery();
            }

            var applied = new HashSet<int>();
            using (var read = new NpgsqlCommand("SELECT version FROM schema_migrations", connection))
            using (var reader = read.ExecuteReader())
            {
                while (reader.Read())
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            var count = 0;
            foreach (var (version, name, sql) in All)
            {
                if (applied.Contains(version))
                {
                    continue;
                }

                using var transaction = connection.BeginTransaction();
                using (var migrate = new NpgsqlCommand(sql, connection, transaction))
                {
                    migrate.ExecuteNonQuery();
                }

                using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = version });
                    record.Parameters.Add(new NpgsqlParameter { Value = name });
                    record.ExecuteNonQuery();
                }

                transaction.Commit();
                count++;
            }

            return count;
        }
        finally
        {
            using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection);
            unlock.ExecuteNonQuery();
        }
    }

    /// <summary>Waits for the session-level advisory lock: a second central starting at once waits here, then finds nothing to do.</summary>
    private static void Lock(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", connection);
        command.ExecuteNonQuery();
    }
}
