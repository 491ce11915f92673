using System.Globalization;
using System.Text.Json;
using City.Edge;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace City.EdgeCtl.Tests;

/// <summary>
/// D4i at the cabinet: the edge daemon polls a simulated line (citysim dali on a socat pty pair) whose gear 2 was built
/// without D4i. The edge reads each gear's identity (bank 1, else bank 0) and diagnostics (banks 205-207), publishes them
/// as points, names the gear without banks once in an event and fills none of its hours points.
/// </summary>
public sealed class DaliD4iCitySimTests
{
    private const int Gear = 4;
    private const int WithoutD4i = 2;

    // The simulator's identities (simulators/CitySim/Dali/DaliSimGear.MemoryBanks.cs): one luminaire model, serials from
    // 2400001 by position; the LED driver's own GTIN in bank 0.
    private const string LuminaireGtin = "4012345000016";
    private const string DriverGtin = "4050300000022";

    [Fact]
    public async Task The_edge_publishes_gtin_serial_and_hours_of_d4i_gear_and_names_the_gear_without_banks_once()
    {
        await using var sim = await CitySimOnPty.StartAsync("dali", "dali line serving", "--gear", Gear.ToString(CultureInfo.InvariantCulture),
            "--no-d4i-gear", WithoutD4i.ToString(CultureInfo.InvariantCulture));
        string dir = Path.Combine(Path.GetTempPath(), "edgectl-d4i-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var values = new Dictionary<string, string?>
        {
            ["Edge:GatewayId"] = "gw-d4i",
            ["Edge:Central:Port"] = "1",
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Buffer:Path"] = Path.Combine(dir, "buffer.db"),
            ["Edge:LocalApi:SocketPath"] = Path.Combine(dir, "api.sock"),
            ["Edge:DaliLines:0:Name"] = "lights",
            ["Edge:DaliLines:0:Port"] = sim.HostPort,
            ["Edge:DaliLines:0:StatusPeriodMs"] = "500",
            ["Edge:DaliLines:0:AnswerWindowMs"] = "300",
            ["Edge:DaliLines:0:ProgramGroups"] = "false",
            // The shortest period: several diagnostics passes within the test.
            ["Edge:DaliLines:0:DiagnosticsPeriodMs"] = "1000",
        };
        for (int i = 0; i < Gear; i++)
        {
            values[$"Edge:DaliLines:0:Gear:{i}:Address"] = i.ToString(CultureInfo.InvariantCulture);
            values[$"Edge:DaliLines:0:Gear:{i}:Location"] = $"P-{i}";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Assert.True(EdgeConfigLoader.TryLoad(configuration, EdgeProtocols.All, out var settings, out var errors), string.Join("\n", errors));
        using var buffer = City.Edge.Buffer.BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions { Args = [], ContentRootPath = dir });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        var app = City.Edge.Program.Build(builder, City.Edge.Program.WithAliases(settings, buffer), buffer, TimeProvider.System, out var socket);
        await app.StartAsync();
        try
        {
            using var api = new LocalApiClient(socket);
            var deadline = DateTime.UtcNow + DaliCitySimTests.Deadline;
            Dictionary<string, JsonElement> points = [];
            List<double> operatingHours = [];
            // Two diagnostics passes over gear 0: its operating hours are published again, and count up with the clock.
            while (DateTime.UtcNow < deadline && (operatingHours.Count < 2 || points.Count(p => p.Key.EndsWith(".rated-life-hours", StringComparison.Ordinal)) < Gear - 1))
            {
                await Task.Delay(200);
                using var document = await api.GetAsync("/v1/points", CancellationToken.None);
                points = document.RootElement.EnumerateArray().Where(p => p.GetProperty("value").ValueKind != JsonValueKind.Null)
                    .ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("value").Clone());
                if (points.TryGetValue("lights/g0.operating-hours", out var hours) && (operatingHours.Count == 0 || operatingHours[^1] != hours.GetDouble()))
                {
                    operatingHours.Add(hours.GetDouble());
                }
            }

            for (int a = 0; a < Gear; a++)
            {
                if (a == WithoutD4i)
                {
                    continue;
                }

                Assert.Equal(LuminaireGtin, points[$"lights/g{a}.gtin"].GetString());
                Assert.Equal((2_400_001 + a).ToString(CultureInfo.InvariantCulture), points[$"lights/g{a}.serial"].GetString());
                // The simulator's history: 6000 h + 250 h per position, lit 47 % of it, one start a day.
                Assert.InRange(points[$"lights/g{a}.operating-hours"].GetDouble(), 6000 + (250 * a), 6000 + (250 * a) + 1);
                Assert.InRange(points[$"lights/g{a}.lamp-on-hours"].GetDouble(), 0.47 * (6000 + (250 * a)), (0.47 * (6000 + (250 * a))) + 1);
                Assert.Equal((6000 + (250 * a)) / 24, points[$"lights/g{a}.start-count"].GetDouble());
                Assert.Equal(100_000, points[$"lights/g{a}.rated-life-hours"].GetDouble());
            }

            Assert.True(operatingHours.Count >= 2, $"gear 0's operating hours were published {operatingHours.Count} time(s)");
            Assert.True(operatingHours[^1] > operatingHours[0], string.Join(", ", operatingHours));

            // Gear 2: the driver's own identity from bank 0, no hours points.
            Assert.Equal(DriverGtin, points[$"lights/g{WithoutD4i}.gtin"].GetString());
            Assert.DoesNotContain($"lights/g{WithoutD4i}.operating-hours", points.Keys);
            Assert.DoesNotContain($"lights/g{WithoutD4i}.lamp-on-hours", points.Keys);
            Assert.DoesNotContain($"lights/g{WithoutD4i}.start-count", points.Keys);
            Assert.DoesNotContain($"lights/g{WithoutD4i}.rated-life-hours", points.Keys);

            using var lines = await api.GetAsync("/v1/dali", CancellationToken.None);
            var line = lines.RootElement[0];
            var events = line.GetProperty("recentEvents").EnumerateArray().Select(e => e.GetString()!).Where(e => e.Contains(" d4i-", StringComparison.Ordinal)).ToList();
            var missing = Assert.Single(events);
            Assert.EndsWith($"d4i-missing: gear {WithoutD4i} (P-{WithoutD4i}) has no memory bank 1 (luminaire data), 205 (gear diagnostics), 206 (light source diagnostics), " +
                "207 (maintenance): identity from the gear's bank 0, no operating hours, lamp-on hours, starts or rated life", missing, StringComparison.Ordinal);

            var d4i = line.GetProperty("gear")[WithoutD4i].GetProperty("d4i");
            Assert.Equal([1, 205, 206, 207], d4i.GetProperty("missingBanks").EnumerateArray().Select(b => b.GetInt32()));
            Assert.Equal(0, d4i.GetProperty("identityBank").GetInt32());
            Assert.Equal(JsonValueKind.Null, d4i.GetProperty("operatingHours").ValueKind);
            var first = line.GetProperty("gear")[0].GetProperty("d4i");
            Assert.Equal(LuminaireGtin, first.GetProperty("gtin").GetString());
            Assert.Empty(first.GetProperty("missingBanks").EnumerateArray());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temp directory.
            }
        }
    }
}
