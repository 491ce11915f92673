using City.Contract.Wire;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace City.Central.Tests.Postgres;

/// <summary>Central running on PostgreSQL: what a person querying the database with SQL finds.</summary>
public sealed class PostgresCentralTests
{
    [Fact]
    public async Task A_births_site_and_lamps_and_the_readings_are_rows_a_person_can_query()
    {
        await using var central = await CentralHost.StartAsync(null, await StoreKinds.ArgsAsync(StoreKinds.Postgres, "--Central:AdmitOnBirth=true"));
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-sql");
        var birth = new Birth { GatewayId = gateway.Id, Epoch = 1, TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), SoftwareVersion = "1.2.3" };
        birth.Points.AddRange(FakeGateway.DefaultPoints);
        birth.Site = new Site { Town = "Dijon", District = "Centre", Latitude = 47.32, Longitude = 5.04, TimeZone = "Europe/Paris" };
        birth.Assets.Add(new Asset { LampId = "line1/g7", Line = "line1", Address = 7, PoleId = "P-17", Latitude = double.NaN, Longitude = double.NaN, RatedPowerW = 40, InstalledOn = "2024-05-02" });
        await gateway.PublishAsync(Topics.Birth(gateway.Id), birth.ToByteArray(), retain: true);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);

        var connectionString = central.App.Services.GetRequiredService<IOptions<City.Central.Configuration.CentralOptions>>().Value.Store.ConnectionString!;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        async Task<object?> Scalar(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return await command.ExecuteScalarAsync();
        }

        Assert.Equal("Dijon", await Scalar("SELECT town FROM sites WHERE gateway = 'cab-sql'"));
        Assert.Equal("P-17 40 2024-05-02", await Scalar("SELECT pole_id || ' ' || rated_power_w || ' ' || installed_on FROM assets WHERE gateway = 'cab-sql' AND lamp_id = 'line1/g7'"));
        Assert.Equal(DBNull.Value, await Scalar("SELECT latitude FROM assets WHERE lamp_id = 'line1/g7'"));
        Assert.Equal(3L, await Scalar("SELECT count(*) FROM readings WHERE gateway = 'cab-sql' AND point = 'meter1/power' AND quality = 'good'"));
        Assert.Equal("kW", await Scalar("SELECT c.unit FROM latest l JOIN catalogue c USING (gateway, alias) WHERE l.point = 'meter1/power'"));
        Assert.Equal("1.2.3", await Scalar("SELECT software_version FROM gateways WHERE online"));
    }
}
