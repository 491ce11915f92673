using System.Text.Json;

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
}
