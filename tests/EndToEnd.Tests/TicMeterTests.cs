using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// Issue 19 end to end: a Linky meter's TIC output (citysim tic, standard mode at 9600 baud, some groups with a bad
/// checksum) on a pty pair, the edge listening to it as a device of protocol tic, and central receiving the indexes, the
/// apparent power, the currents, the tariff period and the status fields with their units.
/// </summary>
[Collection("processes")]
public sealed class TicMeterTests(ITestOutputHelper log)
{
    private const string Meter = "linky";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_meter_values_reach_central_with_their_units_and_its_index_follows_its_power()
    {
        await using var pty = await SocatPtyPair.StartAsync(TimeSpan.FromSeconds(30));
        await using var city = new CityStack(log, "gw-tic");
        // The meter's clock runs 60 times faster, so its index moves by about 20 Wh between two publications.
        var sim = city.StartCitySim("citysim tic",
            ["tic", "--serial", pty.PortA, "--mode", "standard", "--power-va", "1500", "--time-scale", "60", "--bad-checksum-rate", "0.05"]);
        await city.StartCentralAsync();
        await sim.WaitForOutputAsync("tic meter ", TimeSpan.FromSeconds(60));
        var edge = city.EdgeSection();
        edge["Devices"] = new JsonArray
        {
            new JsonObject { ["Name"] = Meter, ["Protocol"] = "tic", ["SerialPort"] = pty.PortB, ["Mode"] = "standard", ["PublishPeriodMs"] = 1000 },
        };
        city.StartEdge(edge);
        var clock = Stopwatch.StartNew();

        var first = await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return CentralPoints.NumberOf(latest, $"{Meter}/east") is not null && CentralPoints.NumberOf(latest, $"{Meter}/sinsts") is not null
                && CentralPoints.NumberOf(latest, $"{Meter}/irms1") is not null && CentralPoints.ValueOf(latest, $"{Meter}/ltarf") is not null
                && CentralPoints.ValueOf(latest, $"{Meter}/stge.standard-tic") is not null ? latest : null;
        }, Patience, "the meter's index, power, current, tariff period and status at central");
        log.WriteLine($"{clock.Elapsed}: first values at central");

        Assert.Equal("Wh", UnitOf(first, "east"));
        Assert.Equal("Wh", UnitOf(first, "easf01"));
        Assert.Equal("VA", UnitOf(first, "sinsts"));
        Assert.Equal("A", UnitOf(first, "irms1"));
        Assert.Equal("V", UnitOf(first, "urms1"));
        Assert.InRange(CentralPoints.NumberOf(first, $"{Meter}/sinsts")!.Value, 1000, 2000);
        Assert.InRange(CentralPoints.NumberOf(first, $"{Meter}/irms1")!.Value, 4, 9);
        Assert.Contains(CentralPoints.ValueOf(first, $"{Meter}/ltarf"), new[] { "\"HEURE  CREUSE\"", "\"HEURE  PLEINE\"" });
        Assert.Equal("true", CentralPoints.ValueOf(first, $"{Meter}/stge.standard-tic"));
        Assert.Equal("\"closed\"", CentralPoints.ValueOf(first, $"{Meter}/stge.cut-off"));

        // The index integrates the power: it grows while the meter draws 1-2 kVA; the groups with a bad checksum are counted.
        double firstEast = CentralPoints.NumberOf(first, $"{Meter}/east")!.Value;
        var later = await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return CentralPoints.NumberOf(latest, $"{Meter}/east") > firstEast && CentralPoints.NumberOf(latest, $"{Meter}/bad-checksums") > 0 ? latest : null;
        }, Patience, $"the index growing past {firstEast} Wh and bad checksums counted at central");
        log.WriteLine($"{clock.Elapsed}: index {firstEast} -> {CentralPoints.NumberOf(later, $"{Meter}/east")} Wh, {CentralPoints.NumberOf(later, $"{Meter}/bad-checksums")} groups dropped");
        double east = CentralPoints.NumberOf(later, $"{Meter}/east")!.Value;
        double offPeak = CentralPoints.NumberOf(later, $"{Meter}/easf01")!.Value;
        double peak = CentralPoints.NumberOf(later, $"{Meter}/easf02")!.Value;
        Assert.InRange(east - (offPeak + peak), -200, 200); // EAST = EASF01 + EASF02, give or take a frame between them
        Assert.Equal("\"standard\"", CentralPoints.ValueOf(later, $"{Meter}/mode"));

        var status = JsonNode.Parse(await city.EdgeCtlAsync("status", "--json"))!;
        // The edge's appsettings.json brings a disabled sample DALI line too; the meter is the device of protocol tic.
        var device = status["devices"]!.AsArray().Single(d => (string?)d!["name"] == Meter)!;
        Assert.Equal(("tic", true), ((string)device["protocol"]!, (bool)device["lastPollOk"]!));
    }

    private static string? UnitOf(JsonArray latest, string point) =>
        (string?)latest.FirstOrDefault(p => (string?)p!["id"] == $"{Meter}/{point}")?["unit"];
}
