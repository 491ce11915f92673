using System.Net;
using City.Central.Auth;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Tests;

public sealed class AssetApiTests
{
    [Fact]
    public async Task Births_store_site_and_lamps_served_with_d4i_filtered_by_town_and_kept_across_a_restart()
    {
        var dataPath = CentralHost.NewDataPath();
        try
        {
            var t0 = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds();
            await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true"))
            {
                await using var dijon = await FakeGateway.ConnectAsync(central.MqttPort, "gw-dijon");
                await using var beaune = await FakeGateway.ConnectAsync(central.MqttPort, "gw-beaune");
                await AssetRig.BirthAsync(dijon, 1, AssetRig.Site("Dijon", "Centre"), [AssetRig.Lamp(1, "P-001", ratedLife: 50_000), AssetRig.Lamp(2, "P-002")]);
                await AssetRig.BirthAsync(beaune, 1, AssetRig.Site("Beaune", latitude: 47.02, longitude: 4.84), [AssetRig.Lamp(7, "B-7")]);
                await AssetRig.SendAsync(dijon, 1,
                [
                    new Reading(AssetRig.Alias(0, "gtin"), t0, PointValue.FromText("4052899123456")),
                    new Reading(AssetRig.Alias(0, "serial"), t0, PointValue.FromText("SN-0001")),
                    new Reading(AssetRig.Alias(0, "operating-hours"), t0 + 1000, PointValue.FromNumber(1234)),
                    new Reading(AssetRig.Alias(0, "lamp-on-hours"), t0 + 1000, PointValue.FromNumber(1100)),
                    new Reading(AssetRig.Alias(0, "start-count"), t0 + 1000, PointValue.FromNumber(800)),
                ]);
                await AssetRig.SendAsync(beaune, 1, [new Reading(AssetRig.Alias(0, "level"), t0, PointValue.FromNumber(254))]);

                await AssertServedAsync(central);
            }

            // A restart on the same data path keeps the sites, lamps and towns (assets.db).
            await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true"))
            {
                await AssertServedAsync(central);
            }
        }
        finally
        {
            Directory.Delete(dataPath, recursive: true);
        }

        static async Task AssertServedAsync(CentralHost central)
        {
            var all = await central.GetJsonAsync("/api/v1/assets");
            Assert.Equal(["gw-beaune", "gw-dijon"], AssetRig.Strings(all.GetProperty("sites"), "gateway"));
            Assert.Equal(["lights-a/g7", "lights-a/g1", "lights-a/g2"], AssetRig.Strings(all.GetProperty("lamps"), "lampId"));
            var site = all.GetProperty("sites")[1];
            Assert.Equal("Dijon", site.GetProperty("town").GetString());
            Assert.Equal("Centre", site.GetProperty("district").GetString());
            Assert.Equal(47.32, site.GetProperty("latitude").GetDouble());
            Assert.Equal("Europe/Paris", site.GetProperty("timeZone").GetString());

            var lamp = AssetRig.LampOf(all, "gw-dijon", "lights-a/g1");
            Assert.Equal("birth", lamp.GetProperty("source").GetString());
            Assert.Equal("Dijon", lamp.GetProperty("town").GetString());
            Assert.Equal("Centre", lamp.GetProperty("district").GetString());
            Assert.Equal("P-001", lamp.GetProperty("poleId").GetString());
            Assert.Equal("lights-a", lamp.GetProperty("line").GetString());
            Assert.Equal(1, lamp.GetProperty("address").GetInt32());
            Assert.Equal([0, 2], lamp.GetProperty("groups").EnumerateArray().Select(g => g.GetInt32()));
            Assert.Equal(40, lamp.GetProperty("ratedPowerW").GetDouble());
            Assert.Equal(150, lamp.GetProperty("replacedPowerW").GetDouble());
            Assert.Equal(50_000, lamp.GetProperty("ratedLifeHours").GetDouble());
            Assert.Equal("2024-05-02", lamp.GetProperty("installedOn").GetString());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, lamp.GetProperty("latitude").ValueKind);
            var d4i = lamp.GetProperty("d4i");
            Assert.Equal("4052899123456", d4i.GetProperty("gtin").GetString());
            Assert.Equal("SN-0001", d4i.GetProperty("serial").GetString());
            Assert.Equal(1234, d4i.GetProperty("operatingHours").GetDouble());
            Assert.Equal(1100, d4i.GetProperty("lampOnHours").GetDouble());
            Assert.Equal(800, d4i.GetProperty("startCount").GetDouble());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, d4i.GetProperty("ratedLifeHours").ValueKind);

            var inDijon = await central.GetJsonAsync("/api/v1/assets?town=dijon");
            Assert.Equal(["lights-a/g1", "lights-a/g2"], AssetRig.Strings(inDijon.GetProperty("lamps"), "lampId"));
            Assert.Equal(["gw-dijon"], AssetRig.Strings(inDijon.GetProperty("sites"), "gateway"));
            var ofBeaune = await central.GetJsonAsync("/api/v1/assets?gateway=gw-beaune");
            Assert.Equal(["lights-a/g7"], AssetRig.Strings(ofBeaune.GetProperty("lamps"), "lampId"));

            var gateways = await central.GetJsonAsync("/api/v1/gateways?town=Beaune");
            Assert.Equal(["gw-beaune"], AssetRig.Strings(gateways, "id"));
            Assert.Equal("Beaune", gateways[0].GetProperty("town").GetString());
            Assert.Equal(2, (await central.GetJsonAsync("/api/v1/gateways")).GetArrayLength());
            Assert.Equal(0, (await central.GetJsonAsync("/api/v1/gateways?town=Paris")).GetArrayLength());

            var latest = await central.GetJsonAsync("/api/v1/points/latest?town=DIJON");
            Assert.All(latest.EnumerateArray(), v => Assert.Equal("gw-dijon", v.GetProperty("gateway").GetString()));
            Assert.Contains(latest.EnumerateArray(), v => v.GetProperty("id").GetString() == "lights-a/g1.serial" && v.GetProperty("value").GetString() == "SN-0001");
            Assert.Equal(0, (await central.GetJsonAsync("/api/v1/points/latest?gateway=gw-dijon&town=Beaune")).GetArrayLength());
            Assert.True((await central.GetJsonAsync("/api/v1/points/latest?gateway=gw-dijon&town=Dijon")).GetArrayLength() > 0);
        }
    }

    [Fact]
    public async Task A_new_birth_replaces_the_lamps_of_the_previous_one()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "gw-moves");
        await AssetRig.BirthAsync(gateway, 1, AssetRig.Site("Dijon"), [AssetRig.Lamp(1), AssetRig.Lamp(2)]);
        await Wait.UntilAsync(async () => (await central.GetJsonAsync("/api/v1/assets")).GetProperty("lamps").GetArrayLength() == 2, TimeSpan.FromSeconds(10), "the first birth's lamps");

        await AssetRig.BirthAsync(gateway, 2, AssetRig.Site("Talant"), [AssetRig.Lamp(2, "P-2b")]);
        await Wait.UntilAsync(async () => (await central.GetJsonAsync("/api/v1/assets")).GetProperty("lamps").GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the second birth's lamps");
        var assets = await central.GetJsonAsync("/api/v1/assets");
        Assert.Equal("P-2b", AssetRig.LampOf(assets, "gw-moves", "lights-a/g2").GetProperty("poleId").GetString());
        Assert.Equal("Talant", assets.GetProperty("sites")[0].GetProperty("town").GetString());
    }

    [Fact]
    public async Task Csv_import_wins_over_the_birth_fills_the_rest_from_it_and_answers_counts()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "gw-001");
        await AssetRig.BirthAsync(gateway, 1, AssetRig.Site("Dijon", "Centre"), [AssetRig.Lamp(1, "P-001"), AssetRig.Lamp(2, "P-002")]);
        await Wait.UntilAsync(async () => (await central.GetJsonAsync("/api/v1/assets")).GetProperty("lamps").GetArrayLength() == 2, TimeSpan.FromSeconds(10), "the birth's lamps");

        const string csv = """
            gateway,lamp_id,pole_id,latitude,longitude,luminaire_model,rated_power_w,replaced_power_w,installed_on,rated_life_hours,town,district
            gw-001,lights-a/g1,P-001A,47.3221,5.0415,"Philips ""Luma"" 1, 60 W",60,250,2025-03-01,100000,,
            gw-002,lights-b/g4,P-400,47.3301,5.0301,Citea LED 40,40,150,2025-04-01,50000,Chenove,Sud
            """;
        var (status, body) = await AssetRig.ImportAsync(central.Http, csv, "text/csv");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal(2, body.GetProperty("imported").GetInt32());
        Assert.Equal(1, body.GetProperty("created").GetInt32());
        Assert.Equal(1, body.GetProperty("updated").GetInt32());
        Assert.Equal(2, body.GetProperty("gateways").GetInt32());
        Assert.Equal(["gw-002"], body.GetProperty("unknownGateways").EnumerateArray().Select(g => g.GetString()));

        var assets = await central.GetJsonAsync("/api/v1/assets");
        var merged = AssetRig.LampOf(assets, "gw-001", "lights-a/g1");
        Assert.Equal("birth+import", merged.GetProperty("source").GetString());
        Assert.Equal("P-001A", merged.GetProperty("poleId").GetString());
        Assert.Equal("Philips \"Luma\" 1, 60 W", merged.GetProperty("luminaireModel").GetString());
        Assert.Equal(60, merged.GetProperty("ratedPowerW").GetDouble());
        Assert.Equal(250, merged.GetProperty("replacedPowerW").GetDouble());
        Assert.Equal(47.3221, merged.GetProperty("latitude").GetDouble());
        Assert.Equal(100_000, merged.GetProperty("ratedLifeHours").GetDouble());
        Assert.Equal("2025-03-01", merged.GetProperty("installedOn").GetString());
        Assert.Equal("Dijon", merged.GetProperty("town").GetString());
        Assert.Equal("Centre", merged.GetProperty("district").GetString());
        Assert.Equal("lights-a", merged.GetProperty("line").GetString());

        var untouched = AssetRig.LampOf(assets, "gw-001", "lights-a/g2");
        Assert.Equal("birth", untouched.GetProperty("source").GetString());
        Assert.Equal(40, untouched.GetProperty("ratedPowerW").GetDouble());

        var planned = AssetRig.LampOf(assets, "gw-002", "lights-b/g4");
        Assert.Equal("import", planned.GetProperty("source").GetString());
        Assert.Equal("Chenove", planned.GetProperty("town").GetString());
        Assert.Equal(["lights-b/g4"], AssetRig.Strings((await central.GetJsonAsync("/api/v1/assets?town=chenove")).GetProperty("lamps"), "lampId"));

        // A later birth changes the birth's side only: the imported fields still win.
        await AssetRig.BirthAsync(gateway, 2, AssetRig.Site("Dijon", "Centre"), [AssetRig.Lamp(1, "P-001", ratedW: 45), AssetRig.Lamp(2, "P-002", ratedW: 45)]);
        await Wait.UntilAsync(async () => AssetRig.LampOf(await central.GetJsonAsync("/api/v1/assets"), "gw-001", "lights-a/g2").GetProperty("ratedPowerW").GetDouble() == 45,
            TimeSpan.FromSeconds(10), "the second birth");
        Assert.Equal(60, AssetRig.LampOf(await central.GetJsonAsync("/api/v1/assets"), "gw-001", "lights-a/g1").GetProperty("ratedPowerW").GetDouble());
    }

    [Fact]
    public async Task Bad_csv_and_geojson_name_every_error_and_store_nothing()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        const string csv = """
            gateway,lamp_id,latitude,longitude,rated_power_w,installed_on
            gw-001,lights-a/g1,47.3,5.04,40,2025-01-01
            gw 001,lights-a/g99,95,5.04,-3,2025-02-30
            gw-001,lights-a/g2,47.3,,40,
            gw-001,lights-a/g1,47.3,5.04,40,2025-01-01
            gw-001,lights-a/g3,47.3
            """;
        var (status, body) = await AssetRig.ImportAsync(central.Http, csv, "text/csv; charset=utf-8");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("nothing was imported", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(
        [
            "line 3, column gateway: 'gw 001' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).",
            "line 3, column lamp_id: 'lights-a/g99' is not a lamp id (LINE/gADDRESS, address 0-63, e.g. lights-a/g3).",
            "line 3, column latitude: '95' is not a number between -90 and 90.",
            "line 3, column rated_power_w: '-3' is not a number between 0 and 100000.",
            "line 3, column installed_on: '2025-02-30' is not a date yyyy-mm-dd.",
            "line 4, column longitude: latitude and longitude go together (both or neither).",
            "line 5: gw-001 lights-a/g1 is already given at line 2.",
            "line 6: 3 fields, the header has 6.",
        ], errors);

        var (headerStatus, headerBody) = await AssetRig.ImportAsync(central.Http, "gateway,lamp,rated_power\ngw-001,lights-a/g1,40\n", "text/csv");
        Assert.Equal(HttpStatusCode.BadRequest, headerStatus);
        Assert.Equal(
        [
            "line 1, column 2: 'lamp' is not a known column (known: gateway,lamp_id,pole_id,latitude,longitude,luminaire_model,rated_power_w,replaced_power_w,installed_on,rated_life_hours,town,district).",
            "line 1, column 3: 'rated_power' is not a known column (known: gateway,lamp_id,pole_id,latitude,longitude,luminaire_model,rated_power_w,replaced_power_w,installed_on,rated_life_hours,town,district).",
            "line 1: the required column 'lamp_id' is missing.",
        ], headerBody.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));

        const string geoJson = """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","geometry":{"type":"Point","coordinates":[5.04,47.32]},"properties":{"gateway":"gw-001","lamp_id":"lights-a/g1"}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[5.04,147.32]},"properties":{"gateway":"gw-001","lamp_id":"lights-a/g2","rated_power_w":"many"}},
              {"type":"Feature","geometry":{"type":"LineString","coordinates":[[5,47],[5.1,47.1]]},"properties":{"gateway":"gw-001","lamp_id":"lights-a/g3"}},
              {"type":"Feature","geometry":null,"properties":{"gateway":"gw-001","lamp_id":"lights-a/g4","latitude":47.3,"longitude":5.0,"colour":"red","rated_life_hours":true}},
              {"type":"Feature","geometry":null,"properties":{"lamp_id":"lights-a/g5"}}
            ]}
            """;
        var (geoStatus, geoBody) = await AssetRig.ImportAsync(central.Http, geoJson, "application/geo+json");
        Assert.Equal(HttpStatusCode.BadRequest, geoStatus);
        Assert.Equal(
        [
            "features[1].geometry.coordinates: '147.32' is not a number between -90 and 90.",
            "features[1].properties.rated_power_w: 'many' is not a number between 0 and 100000.",
            "features[2].geometry: a Point (or null) is expected.",
            "features[3].properties.colour: not a known property (known: gateway,lamp_id,pole_id,latitude,longitude,luminaire_model,rated_power_w,replaced_power_w,installed_on,rated_life_hours,town,district).",
            "features[3].properties.rated_life_hours: a string or a number is expected, not true.",
            "features[4].properties.gateway: required.",
        ], geoBody.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));

        var (typeStatus, _) = await AssetRig.ImportAsync(central.Http, csv, "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, typeStatus);

        Assert.Equal(0, (await central.GetJsonAsync("/api/v1/assets")).GetProperty("lamps").GetArrayLength());
    }

    [Fact]
    public async Task GeoJson_import_takes_the_point_as_position_and_a_viewer_may_not_import()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        const string geoJson = """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","geometry":{"type":"Point","coordinates":[5.0415,47.3221]},
               "properties":{"gateway":"gw-001","lamp_id":"lights-a/g1","pole_id":"P-001","rated_power_w":40,"replaced_power_w":150,"rated_life_hours":"100000","town":"Dijon","district":"Centre","installed_on":"2025-03-01"}},
              {"type":"Feature","geometry":null,"properties":{"gateway":"gw-001","lamp_id":"lights-a/g2","luminaire_model":null,"town":"Dijon"}}
            ]}
            """;
        using (var viewer = central.NewClient(central.CreateToken("viewer", ApiRole.Viewer)))
        {
            var (refused, _) = await AssetRig.ImportAsync(viewer, geoJson, "application/geo+json");
            Assert.Equal(HttpStatusCode.Forbidden, refused);
        }

        using (var operatorClient = central.NewClient(central.CreateToken("operator", ApiRole.Operator)))
        {
            var (status, body) = await AssetRig.ImportAsync(operatorClient, geoJson, "application/json");
            Assert.True(status == HttpStatusCode.OK, body.ToString());
            Assert.Equal(2, body.GetProperty("created").GetInt32());
        }

        var assets = await central.GetJsonAsync("/api/v1/assets?town=Dijon");
        var lamp = AssetRig.LampOf(assets, "gw-001", "lights-a/g1");
        Assert.Equal(47.3221, lamp.GetProperty("latitude").GetDouble());
        Assert.Equal(5.0415, lamp.GetProperty("longitude").GetDouble());
        Assert.Equal(100_000, lamp.GetProperty("ratedLifeHours").GetDouble());
        Assert.Equal("import", lamp.GetProperty("source").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, AssetRig.LampOf(assets, "gw-001", "lights-a/g2").GetProperty("latitude").ValueKind);
    }
}
