using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using City.Protocols.Ntcip1211;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// Issue 20's bus priority end to end: citysim's controller serving NTCIP 1211 over SNMP, an edge with a priority device
/// listening for on-board unit datagrams, and central. A simulated bus checks in over UDP, is granted and served at its
/// check-out, and central holds every step as an event; then a request posted at central as a priority command.
/// </summary>
[Collection("processes")]
public sealed class BusPriorityTests(ITestOutputHelper log)
{
    private const string Device = "junction1";
    private const string Events = $"$edge/priority/{Device}/events";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_bus_request_over_udp_is_granted_served_and_cleared_with_every_step_an_event_at_central()
    {
        await using var city = new CityStack(log, "gw-tsp");
        var agentPort = FreePort.Udp();
        var obu = FreePort.UdpEndPoint();
        var controller = city.StartCitySim("citysim snmp",
            ["snmp", "--port", agentPort.ToString(CultureInfo.InvariantCulture), "--community", "public", "--write-community", "private",
             "--v3-user", "prg:prg-auth-pass:prg-priv-pass"]);
        await controller.WaitForOutputAsync("listening on udp", TimeSpan.FromSeconds(60));
        await city.StartCentralAsync();
        city.StartEdge(EdgeWithPriority(city, agentPort, obu));

        using var bus = new UdpClient(AddressFamily.InterNetwork);
        var checkIn = ObuDatagram.Encode(new ObuMessage(ObuMessageKind.CheckIn, "BUS-42", "L5", Approach: 1, ClassType: 3, ClassLevel: 1,
            ArrivalSeconds: 20, DepartureSeconds: 30));

        // The bus repeats its check-in until the cabinet answers, as an on-board unit does (a repeat is an update).
        var granted = await Eventually.ReturnsAsync(async () =>
        {
            var texts = await CentralPoints.EventTextsAsync(city, Events);
            if (!texts.Any(t => t.StartsWith("requested BUS-42", StringComparison.Ordinal)))
            {
                await bus.SendAsync(checkIn, obu);
            }

            return texts.Any(t => t.StartsWith("granted BUS-42", StringComparison.Ordinal)) ? texts : null;
        }, Patience, "the 'requested' and 'granted' events of BUS-42 at central");
        log.WriteLine("events after the check-in: " + string.Join(" | ", granted));
        Assert.Contains(granted, t => t.StartsWith("requested BUS-42 (request 1): route L5 approach 1 class 3/1", StringComparison.Ordinal));

        await bus.SendAsync(ObuDatagram.Encode(new ObuMessage(ObuMessageKind.CheckOut, "BUS-42", "L5", 0, 0, 0, 0, 0)), obu);
        var served = await Eventually.ReturnsAsync(async () =>
        {
            var texts = await CentralPoints.EventTextsAsync(city, Events);
            return texts.Any(t => t.StartsWith("cleared BUS-42", StringComparison.Ordinal)) ? texts : null;
        }, Patience, "the 'served' and 'cleared' events of BUS-42 at central");
        log.WriteLine("events after the check-out: " + string.Join(" | ", served));
        var steps = served.Where(t => t.Contains("BUS-42", StringComparison.Ordinal) && !t.StartsWith("updated", StringComparison.Ordinal))
            .Select(t => t[..t.IndexOf(' ', StringComparison.Ordinal)]).ToList();
        Assert.Equal(["requested", "granted", "served", "cleared"], steps);
        Assert.Contains(served, t => t.StartsWith("served BUS-42 (request 1): closedCompleted, checked out", StringComparison.Ordinal));

        // The technician's view and the points at central.
        var view = JsonNode.Parse(await city.EdgeCtlAsync("priority", "--json"))!.AsArray().Single()!;
        Assert.Empty(view["open"]!.AsArray());
        Assert.Equal("served", (string?)view["recent"]![0]!["state"]);
        Assert.True((double)view["ack"]!["medianMs"]! > 0, view.ToJsonString());
        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return CentralPoints.NumberOf(latest, $"{Device}/served-total") == 1 && CentralPoints.NumberOf(latest, $"{Device}/granted-total") == 1
                && CentralPoints.NumberOf(latest, $"{Device}/last-ack-ms") > 0 ? latest : null;
        }, Patience, "served-total 1, granted-total 1 and last-ack-ms at central");

        // The same from central: a priority command (request, then check-out), done once the controller acknowledged it.
        var request = await PostAsync(city, new JsonObject
        {
            ["gateway"] = city.GatewayId, ["action"] = "priority", ["device"] = Device, ["vehicleId"] = "BUS-77", ["route"] = "L9",
            ["approach"] = 2, ["vehicleClass"] = 3, ["etaSeconds"] = 15, ["departureSeconds"] = 25,
        });
        Assert.StartsWith("requested: request 2", (string?)(await FinalAsync(city, request))["detail"], StringComparison.Ordinal);
        var checkOut = await PostAsync(city, new JsonObject
        {
            ["gateway"] = city.GatewayId, ["action"] = "priority", ["device"] = Device, ["vehicleId"] = "BUS-77", ["kind"] = "check-out",
        });
        Assert.Equal("done", (string?)(await FinalAsync(city, checkOut))["status"]);
        var fromCentral = await Eventually.ReturnsAsync(async () =>
        {
            var texts = await CentralPoints.EventTextsAsync(city, Events);
            return texts.Any(t => t.StartsWith("cleared BUS-77", StringComparison.Ordinal)) ? texts : null;
        }, Patience, "the events of BUS-77 at central");
        Assert.Contains(fromCentral, t => t.StartsWith("requested BUS-77 (request 2): route L9 approach 2", StringComparison.Ordinal) && t.Contains("from central", StringComparison.Ordinal));
        Assert.Contains(fromCentral, t => t.StartsWith("served BUS-77", StringComparison.Ordinal) || t.StartsWith("cancelled BUS-77", StringComparison.Ordinal));
    }

    private static async Task<string> PostAsync(CityStack city, JsonObject command)
    {
        using var response = await city.Http.PostAsJsonAsync(new Uri("/api/v1/commands", UriKind.Relative), command);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST {command.ToJsonString()}: {(int)response.StatusCode} {body}");
        return (string)JsonNode.Parse(body)!["id"]!;
    }

    private static async Task<JsonNode> FinalAsync(CityStack city, string id) =>
        await Eventually.ReturnsAsync(async () =>
        {
            var view = await city.GetJsonAsync($"/api/v1/commands/{id}");
            var target = view["gateways"]!.AsArray().Single()!;
            return (string?)target["status"] is "done" or "failed" or "rejected" or "expired" ? target.DeepClone() : null;
        }, Patience, $"command {id} final at central");

    private static JsonObject EdgeWithPriority(CityStack city, int agentPort, IPEndPoint obu)
    {
        var edge = city.EdgeSection();
        edge["Devices"] = new JsonArray
        {
            new JsonObject
            {
                ["Name"] = Device,
                ["Protocol"] = "ntcip1211",
                ["Host"] = "127.0.0.1",
                ["Port"] = agentPort,
                // SNMPv3 authPriv (the edge's default version for SNMP devices): citysim's controller has this user.
                ["User"] = "prg",
                ["AuthProtocol"] = "SHA-256",
                ["AuthPassword"] = "prg-auth-pass",
                ["PrivProtocol"] = "AES",
                ["PrivPassword"] = "prg-priv-pass",
                ["TimeoutMs"] = 2000,
                ["Retries"] = 2,
                ["Listen"] = obu.ToString(),
                ["StatusPollMs"] = 100,
                ["PublishPeriodMs"] = 500,
            },
        };
        return edge;
    }
}
