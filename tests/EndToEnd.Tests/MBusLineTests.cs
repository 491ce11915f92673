using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// Issue 19 end to end: an M-Bus line on a pty pair (citysim mbus at 2400 baud with its wire timing: a heat meter at
/// primary 1, a water meter read by its secondary address 16000001, an electricity meter at primary 5), polled by the edge,
/// and the values at central with their units; the simulated counters run fast, so the heat energy must grow.
/// </summary>
[Collection("processes")]
public sealed class MBusLineTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Three_meters_on_one_line_reach_central_with_their_units_and_their_counters_move()
    {
        await using var pty = await SocatPtyPair.StartAsync(TimeSpan.FromSeconds(30));
        await using var city = new CityStack(log, "gw-mbus");
        var sim = city.StartCitySim("citysim mbus", ["mbus", "--serial", pty.PortA, "--baud", "2400", "--parity", "none", "--time-scale", "3600"]);
        await sim.WaitForOutputAsync("mbus line serving", TimeSpan.FromSeconds(60));
        await city.StartCentralAsync();
        city.StartEdge(EdgeWithLine(city, pty.PortB));

        var first = await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return new[] { "heat1/energy", "heat1/supply", "water1/volume", "elec1/energy-t1", "elec1/voltage" }.All(p => CentralPoints.NumberOf(latest, p) is not null) ? latest : null;
        }, Patience, "the meters' points at central");
        Assert.Equal("kWh", UnitOf(first, "heat1/energy"));
        Assert.True(CentralPoints.NumberOf(first, "heat1/energy") >= 37_351);
        Assert.Equal("°C", UnitOf(first, "heat1/supply"));
        Assert.InRange(CentralPoints.NumberOf(first, "heat1/supply")!.Value, 60, 80);
        Assert.Equal("m3", UnitOf(first, "water1/volume"));
        Assert.True(CentralPoints.NumberOf(first, "water1/volume") > 100);
        Assert.Equal("Wh", UnitOf(first, "elec1/energy-t1"));
        Assert.Equal("V", UnitOf(first, "elec1/voltage"));
        Assert.InRange(CentralPoints.NumberOf(first, "elec1/voltage")!.Value, 225, 235);

        double energy = CentralPoints.NumberOf(first, "heat1/energy")!.Value;
        var later = await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return CentralPoints.NumberOf(latest, "heat1/energy") > energy ? latest : null;
        }, Patience, "the heat energy to grow at central");
        log.WriteLine($"heat energy {energy} -> {CentralPoints.NumberOf(later, "heat1/energy")} kWh");
    }

    private static string? UnitOf(JsonArray latest, string id) => (string?)latest.FirstOrDefault(p => (string?)p!["id"] == id)?["unit"];

    private static JsonObject EdgeWithLine(CityStack city, string port)
    {
        static JsonObject Point(string name, string quantity, int tariff = 0, string? unit = null, double scale = 1)
        {
            var point = new JsonObject { ["Name"] = name, ["Quantity"] = quantity, ["PeriodMs"] = 2000 };
            if (tariff != 0)
            {
                point["Tariff"] = tariff;
            }

            if (unit is not null)
            {
                point["Unit"] = unit;
                point["Scale"] = scale;
            }

            return point;
        }

        var edge = city.EdgeSection();
        // A loaded CI host delays the simulator's answers: a wider margin than the usual 50 ms.
        edge["MBusLines"] = new JsonArray
        {
            new JsonObject { ["Name"] = "mbus1", ["Port"] = port, ["BaudRate"] = 2400, ["Parity"] = "none", ["AnswerMarginMs"] = 300 },
        };
        edge["Devices"] = new JsonArray
        {
            new JsonObject
            {
                ["Name"] = "heat1", ["Protocol"] = "mbus", ["Line"] = "mbus1", ["PrimaryAddress"] = 1,
                ["Points"] = new JsonArray { Point("energy", "Energy", unit: "kWh", scale: 0.001), Point("supply", "Flow temperature"), Point("power", "Power") },
            },
            new JsonObject
            {
                ["Name"] = "water1", ["Protocol"] = "mbus", ["Line"] = "mbus1", ["SecondaryAddress"] = "16000001",
                ["Points"] = new JsonArray { Point("volume", "Volume"), Point("flow", "Volume flow") },
            },
            new JsonObject
            {
                ["Name"] = "elec1", ["Protocol"] = "mbus", ["Line"] = "mbus1", ["PrimaryAddress"] = 5,
                ["Points"] = new JsonArray { Point("energy-t1", "Energy", tariff: 1), Point("voltage", "Voltage") },
            },
        };
        return edge;
    }
}
