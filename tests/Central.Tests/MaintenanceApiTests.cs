using System.Globalization;
using System.Text.Json;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Tests;

public sealed class MaintenanceApiTests
{
    private static readonly PointInfo DoorAlarm = new() { Alias = 900, Id = "tc1/alarm-door-open", Type = PointType.Boolean, Device = "tc1", Description = "cabinet door open" };
    private static readonly PointInfo ConflictAlarm = new() { Alias = 901, Id = "tc1/alarm-conflict", Type = PointType.Boolean, Device = "tc1", Description = "signal conflict" };

    [Fact]
    public async Task Maintenance_lists_failures_silent_gear_alarms_and_worn_lamps_per_town_oldest_first_since_they_started_and_a_restart_keeps_it()
    {
        var dataPath = CentralHost.NewDataPath();
        var t0 = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000) - 3_600_000;
        long At(int seconds) => t0 + (seconds * 1000L);
        Reading Bool(int lamp, string quantity, int seconds, bool value) => new(AssetRig.Alias(lamp, quantity), At(seconds), PointValue.FromBoolean(value));
        Reading Number(int lamp, string quantity, int seconds, double value) => new(AssetRig.Alias(lamp, quantity), At(seconds), PointValue.FromNumber(value));
        try
        {
            await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true"))
            {
                await using var dijon = await FakeGateway.ConnectAsync(central.MqttPort, "gw-dijon");
                await using var beaune = await FakeGateway.ConnectAsync(central.MqttPort, "gw-beaune");
                await AssetRig.BirthAsync(dijon, 1, AssetRig.Site("Dijon"), [AssetRig.Lamp(1, "P-1", ratedLife: 50_000), AssetRig.Lamp(2, "P-2"), AssetRig.Lamp(3, "P-3")], DoorAlarm, ConflictAlarm);
                await AssetRig.BirthAsync(beaune, 1, AssetRig.Site("Beaune"), [AssetRig.Lamp(5, "B-5")]);

                // The import lowers lamp 1's rated life below what it has burnt; the readings after it say so.
                var (status, body) = await AssetRig.ImportAsync(central.Http, "gateway,lamp_id,rated_life_hours\ngw-dijon,lights-a/g1,5000\n", "text/csv");
                Assert.True(status == System.Net.HttpStatusCode.OK, body.ToString());

                // Lamp 3's gear tells its rated life (bank 207) when the edge starts; then live data arrives before the
                // backlog that holds the starts (transitions are tracked whatever the order).
                await AssetRig.SendAsync(dijon, 1, [Number(2, "rated-life-hours", 0, 30_000)]);
                await AssetRig.SendAsync(dijon, 3,
                [
                    Bool(0, "lamp-failure", 600, true),
                    Number(0, "operating-hours", 100, 6_000),
                    Number(2, "lamp-on-hours", 400, 31_000),
                    Number(2, "operating-hours", 400, 32_000),
                    new Reading(900, At(500), PointValue.FromBoolean(true)),
                    new Reading(901, At(500), PointValue.FromBoolean(false)),
                ]);
                await AssetRig.SendAsync(dijon, 2,
                [
                    Bool(0, "lamp-failure", 0, false), Bool(0, "lamp-failure", 60, true), Bool(0, "lamp-failure", 120, true),
                    Number(0, "operating-hours", 10, 4_000),
                    Bool(1, "lamp-failure", 10, true), Bool(1, "lamp-failure", 20, false),
                    Bool(1, "answering", 0, true), Bool(1, "answering", 300, false),
                    Number(2, "lamp-on-hours", 10, 29_000), Number(2, "lamp-on-hours", 200, 30_500),
                ]);
                await AssetRig.SendAsync(beaune, 1, [Bool(0, "lamp-failure", 30, true), Bool(0, "answering", 30, true)]);

                await AssertListAsync(central);
            }

            await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true"))
            {
                await AssertListAsync(central);

                // The failure goes on after the restart: it still started at +60 s.
                await using var dijon = await FakeGateway.ConnectAsync(central.MqttPort, "gw-dijon");
                await AssetRig.BirthAsync(dijon, 2, AssetRig.Site("Dijon"), [AssetRig.Lamp(1, "P-1", ratedLife: 50_000), AssetRig.Lamp(2, "P-2"), AssetRig.Lamp(3, "P-3")], DoorAlarm, ConflictAlarm);
                await AssetRig.SendAsync(dijon, 4, [Bool(0, "lamp-failure", 700, true), Bool(1, "answering", 710, true)], BatchKind.Telemetry, epoch: 2);
                var list = await central.GetJsonAsync("/api/v1/maintenance?town=Dijon");
                var items = list.GetProperty("towns")[0].GetProperty("items");
                Assert.Equal(["lamp-failure", "past-rated-life", "past-rated-life", "alarm"], AssetRig.Strings(items, "kind"));
                Assert.Equal(Time(At(60)), items[0].GetProperty("since").GetString());
            }
        }
        finally
        {
            Directory.Delete(dataPath, recursive: true);
        }

        async Task AssertListAsync(CentralHost central)
        {
            var all = await central.GetJsonAsync("/api/v1/maintenance");
            Assert.Equal(6, all.GetProperty("total").GetInt32());
            var towns = all.GetProperty("towns");
            Assert.Equal(["Beaune", "Dijon"], AssetRig.Strings(towns, "town"));

            var beaune = towns[0].GetProperty("items");
            Assert.Equal(1, towns[0].GetProperty("count").GetInt32());
            AssertItem(beaune[0], "lamp-failure", "gw-beaune", "lights-a/g5", "Beaune", At(30), "lamp failure");

            var dijon = towns[1].GetProperty("items");
            Assert.Equal(["lamp-failure", "past-rated-life", "past-rated-life", "not-answering", "alarm"], AssetRig.Strings(dijon, "kind"));
            AssertItem(dijon[0], "lamp-failure", "gw-dijon", "lights-a/g1", "Dijon", At(60), "pole P-1");
            AssertItem(dijon[1], "past-rated-life", "gw-dijon", "lights-a/g1", "Dijon", At(100), "6000 h (lights-a/g1.operating-hours) of a rated life of 5000 h (asset)");
            AssertItem(dijon[2], "past-rated-life", "gw-dijon", "lights-a/g3", "Dijon", At(200), "32000 h (lights-a/g3.operating-hours) of a rated life of 30000 h (gear (bank 207))");
            AssertItem(dijon[3], "not-answering", "gw-dijon", "lights-a/g2", "Dijon", At(300), "lights-a/g2.answering");
            AssertItem(dijon[4], "alarm", "gw-dijon", null, "Dijon", At(500), "tc1/alarm-door-open");

            var onlyBeaune = await central.GetJsonAsync("/api/v1/maintenance?town=beaune");
            Assert.Equal(1, onlyBeaune.GetProperty("total").GetInt32());
            Assert.Equal(["Beaune"], AssetRig.Strings(onlyBeaune.GetProperty("towns"), "town"));
        }

        static void AssertItem(JsonElement item, string kind, string gateway, string? lamp, string town, long since, string detail)
        {
            Assert.Equal(kind, item.GetProperty("kind").GetString());
            Assert.Equal(gateway, item.GetProperty("gateway").GetString());
            Assert.Equal(lamp, item.GetProperty("lamp").GetString());
            Assert.Equal(town, item.GetProperty("town").GetString());
            Assert.Equal(Time(since), item.GetProperty("since").GetString());
            Assert.Contains(detail, item.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    private static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
}
