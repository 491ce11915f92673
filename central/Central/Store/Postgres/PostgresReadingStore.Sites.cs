using City.Contract.Wire;
using Npgsql;

namespace City.Central.Store.Postgres;

/// <summary>sites and assets: where each cabinet stands and its lamps, as its last birth said.</summary>
internal sealed partial class PostgresReadingStore : IBirthRecorder
{
    private const string UpsertSite = """
        INSERT INTO sites (gateway, town, district, latitude, longitude, time_zone, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (gateway) DO UPDATE SET town = excluded.town, district = excluded.district, latitude = excluded.latitude,
            longitude = excluded.longitude, time_zone = excluded.time_zone, updated_at = excluded.updated_at
        WHERE excluded.updated_at >= sites.updated_at
        """;

    private const string UpsertAssets = """
        INSERT INTO assets (gateway, lamp_id, line, address, pole_id, latitude, longitude, luminaire_model, rated_power_w,
                            replaced_power_w, installed_on, rated_life_hours, updated_at)
        SELECT $1, l, li, a, p, la, lo, m, rp, rep, nullif(inst, '')::date, life, $2
        FROM unnest($3::text[], $4::text[], $5::integer[], $6::text[], $7::double precision[], $8::double precision[], $9::text[],
                    $10::double precision[], $11::double precision[], $12::text[], $13::double precision[])
             AS u(l, li, a, p, la, lo, m, rp, rep, inst, life)
        ORDER BY l
        ON CONFLICT (gateway, lamp_id) DO UPDATE SET line = excluded.line, address = excluded.address, pole_id = excluded.pole_id,
            latitude = excluded.latitude, longitude = excluded.longitude, luminaire_model = excluded.luminaire_model,
            rated_power_w = excluded.rated_power_w, replaced_power_w = excluded.replaced_power_w,
            installed_on = excluded.installed_on, rated_life_hours = excluded.rated_life_hours, updated_at = excluded.updated_at
        """;

    public void RecordBirths(IReadOnlyList<Birth> births, long nowUnixMs)
    {
        ArgumentNullException.ThrowIfNull(births);
        if (births.Count == 0)
        {
            return;
        }

        try
        {
            using var connection = _dataSource.OpenConnection();
            using var transaction = connection.BeginTransaction();
            using var batch = new NpgsqlBatch(connection, transaction);
            var now = ToDateTime(Clamp(nowUnixMs));
            foreach (var birth in births.OrderBy(b => b.GatewayId, StringComparer.Ordinal))
            {
                if (birth.Site is { } site)
                {
                    var command = new NpgsqlBatchCommand(UpsertSite);
                    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = birth.GatewayId });
                    command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = NullIfEmpty(site.Town) });
                    command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = NullIfEmpty(site.District) });
                    command.Parameters.Add(new NpgsqlParameter<double?> { TypedValue = NullIfNaN(site.Latitude) });
                    command.Parameters.Add(new NpgsqlParameter<double?> { TypedValue = NullIfNaN(site.Longitude) });
                    command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = NullIfEmpty(site.TimeZone) });
                    command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now });
                    batch.BatchCommands.Add(command);
                }

                // The birth lists every lamp of the cabinet: the others are gone.
                var lamps = birth.Assets.ToList();
                var delete = new NpgsqlBatchCommand("DELETE FROM assets WHERE gateway = $1 AND NOT (lamp_id = ANY($2::text[]))");
                delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = birth.GatewayId });
                delete.Parameters.Add(Array(lamps, a => a.LampId));
                batch.BatchCommands.Add(delete);
                if (lamps.Count == 0)
                {
                    continue;
                }

                var upsert = new NpgsqlBatchCommand(UpsertAssets);
                upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = birth.GatewayId });
                upsert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now });
                upsert.Parameters.Add(Array(lamps, a => a.LampId));
                upsert.Parameters.Add(Array(lamps, a => NullIfEmpty(a.Line)));
                upsert.Parameters.Add(Array(lamps, a => (int)a.Address));
                upsert.Parameters.Add(Array(lamps, a => NullIfEmpty(a.PoleId)));
                upsert.Parameters.Add(Array(lamps, a => NullIfNaN(a.Latitude)));
                upsert.Parameters.Add(Array(lamps, a => NullIfNaN(a.Longitude)));
                upsert.Parameters.Add(Array(lamps, a => NullIfEmpty(a.LuminaireModel)));
                upsert.Parameters.Add(Array(lamps, a => a.RatedPowerW > 0 ? a.RatedPowerW : (double?)null));
                upsert.Parameters.Add(Array(lamps, a => a.ReplacedPowerW > 0 ? a.ReplacedPowerW : (double?)null));
                upsert.Parameters.Add(Array(lamps, a => a.InstalledOn));
                upsert.Parameters.Add(Array(lamps, a => a.RatedLifeHours > 0 ? a.RatedLifeHours : (double?)null));
                batch.BatchCommands.Add(upsert);
            }

            batch.ExecuteNonQuery();
            transaction.Commit();
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            throw new StoreFaultException($"PostgreSQL {Description}", "recording sites and assets", exception);
        }
    }

    private static string? NullIfEmpty(string text) => string.IsNullOrEmpty(text) ? null : text;

    private static double? NullIfNaN(double value) => double.IsNaN(value) ? null : value;
}
