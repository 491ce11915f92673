using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// Issue 20 end to end: citysim's NTCIP 1203 sign (3 lines of 18 characters), an edge driving it (protocol vms) and central.
/// A message commanded from central's API reaches the sign and comes back as the sign's points; a MULTI text central
/// cannot accept is refused at the POST, one the sign cannot show is refused by the edge; injected faults and blanking too.
/// </summary>
[Collection("processes")]
public sealed class VmsSignTests(ITestOutputHelper log)
{
    private const string Sign = "vms1";
    private const string Multi = "[jl3]ROAD WORK[nl]AHEAD[np]SLOW DOWN";
    private const string Shown = "ROAD WORK / AHEAD || SLOW DOWN";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_message_commanded_from_central_is_shown_by_the_sign_and_its_faults_reach_central()
    {
        await using var city = new CityStack(log, "gw-vms");
        var port = FreePort.Tcp();
        var sign = city.StartCitySim("citysim vms", ["vms", "--port", port.ToString(CultureInfo.InvariantCulture), "--pixel-failures", "3", "--v3-user", "signs:sign-auth-pass:sign-priv-pass"], withInput: true);
        await sign.WaitForOutputAsync("message-sign listening on udp", TimeSpan.FromSeconds(60));
        await city.StartCentralAsync();
        var operatorToken = JsonNode.Parse(await city.CentralCommandAsync("token", "create", "--name", "traffic-desk", "--role", "operator", "--json"))!["token"]!.GetValue<string>();
        var edge = city.EdgeSection();
        edge["Devices"] = new JsonArray
        {
            new JsonObject
            {
                ["Name"] = Sign, ["Protocol"] = "vms", ["Host"] = "127.0.0.1", ["Port"] = port,
                // SNMPv3 authPriv (the edge's default for SNMP devices): citysim's sign has this user.
                ["User"] = "signs", ["AuthProtocol"] = "SHA-256", ["AuthPassword"] = "sign-auth-pass", ["PrivProtocol"] = "AES", ["PrivPassword"] = "sign-priv-pass",
                ["TimeoutMs"] = 2000, ["Retries"] = 2, ["StatusPeriodMs"] = 1000,
            },
        };
        city.StartEdge(edge);

        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return TextOf(latest, $"{Sign}/faults") == "pixel x3" && TextOf(latest, $"{Sign}/message") is not null ? latest : null;
        }, Patience, "the blank sign's message and its 3 failed pixels at central");

        using var client = new HttpClient { BaseAddress = city.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorToken);

        // A tag central does not know is refused at the POST, naming the offset.
        using (var refused = await client.PostAsJsonAsync(new Uri("/api/v1/commands", UriKind.Relative),
            new JsonObject { ["gateway"] = city.GatewayId, ["action"] = "vms", ["sign"] = Sign, ["operation"] = "activate", ["multi"] = "ROAD[g1]" }))
        {
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{(int)refused.StatusCode} {body}");
            Assert.Contains("at offset 4", body, StringComparison.Ordinal);
        }

        var activate = await PostAsync(client, new JsonObject
        {
            ["gateway"] = city.GatewayId, ["action"] = "vms", ["sign"] = Sign, ["operation"] = "activate", ["multi"] = Multi, ["expiresInSeconds"] = 60,
        });
        var done = await FinalAsync(city, activate);
        log.WriteLine($"activate: {done.ToJsonString()}");
        Assert.Equal(("done", Shown), ((string?)done["status"], (string?)done["readBack"]));
        await sign.WaitForOutputAsync($"showing: {Shown}", TimeSpan.FromSeconds(30));
        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return TextOf(latest, $"{Sign}/message") == Shown && TextOf(latest, $"{Sign}/multi") == Multi ? latest : null;
        }, Patience, "the sign's new message at central");
        Assert.Contains($"message-shown: {Shown}", await CentralPoints.EventTextsAsync(city, $"{Sign}/events"));

        // Four lines on a 3-line sign: valid MULTI for central, refused by the edge, which knows the sign; nothing is sent.
        var tooTall = await PostAsync(client, new JsonObject
        {
            ["gateway"] = city.GatewayId, ["action"] = "vms", ["sign"] = Sign, ["operation"] = "activate", ["multi"] = "A[nl]B[nl]C[nl]D",
        });
        var rejected = await FinalAsync(city, tooTall);
        log.WriteLine($"four lines: {rejected.ToJsonString()}");
        Assert.Equal(("rejected", "out-of-range"), ((string?)rejected["status"], (string?)rejected["reason"]));
        Assert.Contains("at offset 11", (string?)rejected["detail"], StringComparison.Ordinal);

        // Faults injected into the sign.
        await sign.WriteLineAsync("door open");
        await sign.WriteLineAsync("lamp fail 2");
        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return CentralPoints.ValueOf(latest, $"{Sign}/door-open") == "true" && CentralPoints.NumberOf(latest, $"{Sign}/lamp-failures") == 1 ? latest : null;
        }, Patience, "the open door and the failed lamp at central");
        var events = await CentralPoints.EventTextsAsync(city, $"{Sign}/events");
        Assert.Contains("door-open", events);
        Assert.Contains("lamp-failures: 1", events);

        var blank = await PostAsync(client, new JsonObject { ["gateway"] = city.GatewayId, ["action"] = "vms", ["sign"] = Sign, ["operation"] = "blank" });
        Assert.Equal("done", (string?)(await FinalAsync(city, blank))["status"]);
        await sign.WaitForOutputAsync("showing: (blank)", TimeSpan.FromSeconds(30));
        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return TextOf(latest, $"{Sign}/message") == "" ? latest : null;
        }, Patience, "the blank sign at central");

        // The technician's view of the same sign.
        var shown = JsonNode.Parse(await city.EdgeCtlAsync("vms", "show", "--json"))!.AsArray().Single()!;
        Assert.Equal((Sign, "", 3, 18), ((string?)shown["sign"], (string?)shown["message"], (int)shown["lines"]!, (int)shown["columns"]!));
        Assert.Equal("pixel x3, lamp x1, door open", (string?)shown["faults"]);
    }

    /// <summary>A text point's latest value at central, or null.</summary>
    private static string? TextOf(JsonArray latest, string id) =>
        latest.FirstOrDefault(p => (string?)p!["id"] == id)?["value"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static async Task<string> PostAsync(HttpClient client, JsonObject command)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/api/v1/commands", UriKind.Relative), command);
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
}
