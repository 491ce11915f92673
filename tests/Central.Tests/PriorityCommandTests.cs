using System.Text.Json;
using City.Central.Commands;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>The priority command: a bus priority request for a gateway's NTCIP 1211 device, parsed and signed.</summary>
public sealed class PriorityCommandTests
{
    private static CommandAction Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(CommandRequestParser.TryParse(document.RootElement, out var request, out var problem), problem);
        return request.Action;
    }

    private static string Problem(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.False(CommandRequestParser.TryParse(document.RootElement, out _, out var problem));
        return problem;
    }

    private static PriorityRequestAction Signed(CommandAction action) =>
        CommandSigner.Body(new CommandRecord(Guid.NewGuid().ToString("D"), "ops", 1_000, 61_000, action, ["gw-1"]), "gw-1").Priority;

    [Fact]
    public void Request_IsSignedWithEveryField_DepartureAndLevelDefaulted()
    {
        var action = Parse("""{"gateway":"gw-1","action":"priority","device":"junction1","vehicleId":"BUS-42","route":"L5","approach":3,"vehicleClass":2,"etaSeconds":20}""");

        var body = Signed(action);
        Assert.Equal(("junction1", "BUS-42", "L5", "request"), (body.Device, body.VehicleId, body.Route, body.Kind));
        Assert.Equal((3u, 2u, 1u, 20u, 20u), (body.Approach, body.VehicleClass, body.ClassLevel, body.EtaSeconds, body.DepartureSeconds));
    }

    [Fact]
    public void CheckOut_NeedsOnlyTheDeviceAndTheVehicle()
    {
        var body = Signed(Parse("""{"gateway":"gw-1","action":"priority","device":"junction1","vehicleId":"BUS-42","kind":"check-out"}"""));
        Assert.Equal(("check-out", 0u, 0u), (body.Kind, body.Approach, body.EtaSeconds));
    }

    [Theory]
    [InlineData("""{"gateway":"gw-1","action":"priority","device":"j","vehicleId":"BUS 42","approach":1,"vehicleClass":1,"etaSeconds":5}""", "vehicleId:")]
    [InlineData("""{"gateway":"gw-1","action":"priority","device":"j","vehicleId":"A-VEHICLE-ID-OF-18","approach":1,"vehicleClass":1,"etaSeconds":5}""", "vehicleId:")]
    [InlineData("""{"gateway":"gw-1","action":"priority","device":"j","vehicleId":"B","vehicleClass":1,"etaSeconds":5}""", "approach: required")]
    [InlineData("""{"gateway":"gw-1","action":"priority","device":"j","vehicleId":"B","approach":256,"vehicleClass":1,"etaSeconds":5}""", "approach:")]
    [InlineData("""{"gateway":"gw-1","action":"priority","device":"j","vehicleId":"B","approach":1,"vehicleClass":11,"etaSeconds":5}""", "vehicleClass:")]
    [InlineData("""{"gateway":"gw-1","action":"priority","device":"j","vehicleId":"B","approach":1,"vehicleClass":1,"etaSeconds":9,"departureSeconds":5}""", "departureSeconds:")]
    [InlineData("""{"gateway":"gw-1","action":"priority","device":"j","vehicleId":"B","kind":"arrive"}""", "kind:")]
    [InlineData("""{"gateway":"gw-1","action":"priority","device":"j","vehicleId":"B","kind":"cancel","line":"x"}""", "line: not a field")]
    [InlineData("""{"gateway":"gw-1","action":"priority","device":"j","vehicleId":"B","kind":"cancel","route":7}""", "route:")]
    public void Mistakes_NameTheirField(string json, string start) => Assert.StartsWith(start, Problem(json), StringComparison.Ordinal);
}
