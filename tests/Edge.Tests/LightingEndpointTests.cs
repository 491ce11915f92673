using System.Text.Json;
using City.Edge.Dali;
using City.Protocols.Talq;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Tests;

/// <summary>GET /v1/lighting on a real edge run in-process (local API on its Unix socket).</summary>
public sealed class LightingEndpointTests
{
    private static readonly string[] DocumentFields =
    [
        "gatewayId", "town", "latitude", "longitude", "timeZone", "date", "sunrise", "sunset", "civilDawn", "civilDusk", "solarMidnight",
        "lightingVersion", "groups", "now", "appliedCommands", "failedCommands",
    ];

    private static Dictionary<string, string?> Config()
    {
        var values = TestConfig.Valid();
        values["Edge:Devices:0:Enabled"] = "false";
        return values;
    }

    [Fact]
    public async Task Without_a_site_the_document_has_nulls_and_no_groups()
    {
        await using var edge = await InProcessEdge.StartAsync(Config());

        var (status, body) = await edge.GetAsync("/v1/lighting");
        using (body)
        {
            Assert.Equal(200, status);
            var root = body.RootElement;
            Assert.Equal(DocumentFields, root.EnumerateObject().Select(p => p.Name));
            Assert.Equal("gw-001", root.GetProperty("gatewayId").GetString());
            foreach (var field in new[] { "town", "latitude", "longitude", "timeZone", "sunrise", "sunset", "civilDawn", "civilDusk", "solarMidnight", "lightingVersion" })
            {
                Assert.Equal(JsonValueKind.Null, root.GetProperty(field).ValueKind);
            }

            Assert.Equal(0, root.GetProperty("groups").GetArrayLength());
            Assert.Matches(@"^\d{4}-\d\d-\d\d$", root.GetProperty("date").GetString());
        }

        (status, body) = await edge.GetAsync("/v1/lighting?date=2026-07-14");
        using (body)
        {
            Assert.Equal(200, status);
            Assert.Equal("2026-07-14", body.RootElement.GetProperty("date").GetString());
        }
    }

    /// <summary>
    /// The edge of a Dijon cabinet: Edge:Site, a lighting clock starting at 23:00 local on 14 July, a DALI line whose gear 0
    /// and 1 are in groups 1 and 2, the city example set in lighting.json and an override of group 2 in lighting-overrides.json
    /// (both as the runtime stores them), so the document comes from what the edge loaded and runs.
    /// </summary>
    [Fact]
    public async Task A_Dijon_cabinet_shows_its_site_the_sun_its_set_its_groups_and_the_stored_override()
    {
        using var dir = new TempDir();
        var set = LightingViewTests.ExampleSet();
        await File.WriteAllTextAsync(dir.File("lighting.json"), TalqJson.Serialize(set));
        await File.WriteAllTextAsync(dir.File("lighting-overrides.json"),
            """[{"line":"lights","group":2,"levelPercent":30,"until":"2026-07-14T22:00:00+00:00","commandId":"cmd-30"}]""");
        var fake = new DaliFakeLine();
        fake.Gear.Add(new DaliFakeGear(0, 1 << 1) { Level = 0 });
        fake.Gear.Add(new DaliFakeGear(1, 1 << 2) { Level = 0 });
        var values = Config();
        values["Edge:Site:Town"] = "Dijon";
        values["Edge:Site:Latitude"] = "47.32";
        values["Edge:Site:Longitude"] = "5.04";
        values["Edge:Site:TimeZone"] = "Europe/Paris";
        values["Edge:Clock:SimulatedStart"] = "2026-07-14T21:00:00Z";
        values["Edge:DaliLines:0:Name"] = "lights";
        values["Edge:DaliLines:0:Port"] = "/dev/fake-dali";
        values["Edge:DaliLines:0:Gear:0:Address"] = "0";
        values["Edge:DaliLines:0:Gear:0:Groups:0"] = "1";
        values["Edge:DaliLines:0:Gear:1:Address"] = "1";
        values["Edge:DaliLines:0:Gear:1:Groups:0"] = "2";
        await using var edge = await InProcessEdge.StartAsync(values, bufferPath: dir.File("buffer.db"),
            services: s => s.AddSingleton<IDaliMasterFactory>(new FixedMaster(fake)));

        var (status, body) = await edge.GetAsync("/v1/lighting");
        using (body)
        {
            Assert.Equal(200, status);
            var root = body.RootElement;
            Assert.Equal(("gw-001", "Dijon", 47.32, 5.04, "Europe/Paris", "2026-07-14", set.Version),
                (root.GetProperty("gatewayId").GetString(), root.GetProperty("town").GetString(), root.GetProperty("latitude").GetDouble(),
                 root.GetProperty("longitude").GetDouble(), root.GetProperty("timeZone").GetString(), root.GetProperty("date").GetString(),
                 root.GetProperty("lightingVersion").GetString()));
            Assert.Matches(@"^2026-07-14T05:5\d:\d\d\+02:00$", root.GetProperty("sunrise").GetString());
            Assert.Matches(@"^2026-07-14T21:3\d:\d\d\+02:00$", root.GetProperty("sunset").GetString());
            Assert.StartsWith("2026-07-14T23:0", root.GetProperty("now").GetString(), StringComparison.Ordinal);

            var groups = root.GetProperty("groups");
            Assert.Equal(2, groups.GetArrayLength());
            var group1 = groups[0];
            Assert.Equal(["line", "group", "calendar", "program", "levelPercent", "steps", "nextChange", "override"], group1.EnumerateObject().Select(p => p.Name));
            Assert.Equal(("lights", 1, "dijon", "full-night", 100.0), (group1.GetProperty("line").GetString(), group1.GetProperty("group").GetInt32(),
                group1.GetProperty("calendar").GetString(), group1.GetProperty("program").GetString(), group1.GetProperty("levelPercent").GetDouble()));
            Assert.Equal(JsonValueKind.Null, group1.GetProperty("override").ValueKind);
            var steps = group1.GetProperty("steps").EnumerateArray().ToList();
            Assert.Equal(["at", "levelPercent", "arcLevel", "source"], steps[0].EnumerateObject().Select(p => p.Name));
            Assert.Equal([0, 254, 0], steps.Select(s => s.GetProperty("arcLevel").GetInt32()));
            Assert.Equal(root.GetProperty("sunset").GetString(), steps[1].GetProperty("at").GetString());
            Assert.Equal(["at", "levelPercent"], group1.GetProperty("nextChange").EnumerateObject().Select(p => p.Name));
            Assert.StartsWith("2026-07-15T05:5", group1.GetProperty("nextChange").GetProperty("at").GetString(), StringComparison.Ordinal);

            var group2 = groups[1];
            Assert.Equal(30, group2.GetProperty("levelPercent").GetDouble());
            var stored = group2.GetProperty("override");
            Assert.Equal((30.0, "2026-07-15T00:00:00+02:00", "cmd-30"),
                (stored.GetProperty("levelPercent").GetDouble(), stored.GetProperty("until").GetString(), stored.GetProperty("commandId").GetString()));
            Assert.Equal("2026-07-15T00:00:00+02:00", group2.GetProperty("nextChange").GetProperty("at").GetString());
            Assert.Equal(100, group2.GetProperty("nextChange").GetProperty("levelPercent").GetDouble());
        }

        (status, body) = await edge.GetAsync("/v1/lighting?date=2026-07-15");
        using (body)
        {
            Assert.Equal(200, status);
            Assert.Equal("2026-07-15", body.RootElement.GetProperty("date").GetString());
            var group1 = body.RootElement.GetProperty("groups")[0];
            Assert.Equal("night-dim", group1.GetProperty("program").GetString());
            Assert.Equal([0, 254, 229, 254, 0], group1.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("arcLevel").GetInt32()));
            Assert.Equal(100, group1.GetProperty("levelPercent").GetDouble());
        }
    }

    private sealed class FixedMaster(City.Protocols.Dali.IDaliMaster master) : IDaliMasterFactory
    {
        public City.Protocols.Dali.IDaliMaster Open(DaliLineDefinition line) => master;
    }

    [Theory]
    [InlineData("2026-02-30")]
    [InlineData("14-07-2026")]
    [InlineData("2026-07-14T12:00:00Z")]
    public async Task A_bad_date_is_400_naming_it(string date)
    {
        await using var edge = await InProcessEdge.StartAsync(Config());

        var (status, body) = await edge.GetAsync("/v1/lighting?date=" + Uri.EscapeDataString(date));
        using (body)
        {
            Assert.Equal(400, status);
            Assert.Equal($"bad date '{date}': expected a program day as yyyy-mm-dd (e.g. 2026-07-14)", body.RootElement.GetProperty("error").GetString());
        }
    }

    [Theory]
    [InlineData("9999-12-31")]
    [InlineData("0001-01-01")]
    [InlineData("1899-12-31")]
    [InlineData("2101-01-01")]
    public async Task A_date_outside_1900_to_2100_is_400_naming_it(string date)
    {
        await using var edge = await InProcessEdge.StartAsync(Config());

        var (status, body) = await edge.GetAsync("/v1/lighting?date=" + date);
        using (body)
        {
            Assert.Equal(400, status);
            Assert.Equal($"bad date '{date}': program days run from 1900-01-01 to 2100-12-31", body.RootElement.GetProperty("error").GetString());
        }
    }
}
