using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// Issue 13's "Done when": central, an edge and the simulators as processes; commands posted to central's API
/// (<c>POST /api/v1/commands</c>, an operator's token) travel signed to the edge, which verifies them with the pinned
/// <c>command-signing.pub</c> that <c>central pki issue-gateway</c> wrote beside its certificate. A DALI broadcast level on
/// a <c>citysim dali</c> line with wire timing ends <c>done</c> and the lamps' level points at central show the new level;
/// a write to a Modbus point (the traffic controller of <c>citysim modbus</c>) and to an SNMP point (<c>citysim snmp</c>)
/// each end <c>done</c> with the value read back.
/// </summary>
[Collection("processes")]
public sealed class RemoteCommandTests(ITestOutputHelper log)
{
    private const string Line = "lights";
    private const int GearCount = 4;
    private const int Level = 128;
    private const string ModbusDevice = "tc1";
    private const string SnmpDevice = "tc1-snmp";
    private const string SnmpPoint = "alarm-status-2";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_dali_broadcast_level_and_writes_to_a_modbus_and_an_snmp_point_posted_at_central_end_done_on_the_devices()
    {
        await using var pty = await SocatPtyPair.StartAsync(TimeSpan.FromSeconds(30));
        await using var city = new CityStack(log, "gw-cmd");
        var dali = city.StartCitySim("citysim dali",
            ["dali", "--serial", pty.PortA, "--gear", GearCount.ToString(CultureInfo.InvariantCulture), "--wire-timing", "--json"]);
        var modbusPort = FreePort.Tcp();
        var modbus = city.StartCitySim("citysim modbus", ["modbus", "--port", modbusPort.ToString(CultureInfo.InvariantCulture)]);
        var snmpPort = FreePort.Tcp();
        var snmp = city.StartCitySim("citysim snmp",
            ["snmp", "--port", snmpPort.ToString(CultureInfo.InvariantCulture), "--community", "public", "--write-community", "private"]);
        await dali.WaitForOutputAsync("\"serialPort\"", TimeSpan.FromSeconds(60));
        await modbus.WaitForOutputAsync("traffic-controller listening", TimeSpan.FromSeconds(60));
        await snmp.WaitForOutputAsync("listening on udp", TimeSpan.FromSeconds(60));

        await city.StartCentralAsync();
        var operatorToken = JsonNode.Parse(await city.CentralCommandAsync("token", "create", "--name", "night-shift", "--role", "operator", "--json"))!["token"]!.GetValue<string>();
        city.StartEdge(EdgeSection(city, pty.PortB, modbusPort, snmpPort));

        // The edge polls everything once: every gear's level (full on from the simulator), the controller's requested mode.
        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return Enumerable.Range(0, GearCount).All(a => CentralPoints.NumberOf(latest, LevelPoint(a)) is not null)
                && CentralPoints.NumberOf(latest, $"{ModbusDevice}/requested-mode") is not null
                && CentralPoints.NumberOf(latest, $"{SnmpDevice}/{SnmpPoint}") is not null ? latest : null;
        }, Patience, "the gear levels, the requested mode and the SNMP alarm word at central");

        using var operatorClient = new HttpClient { BaseAddress = city.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        operatorClient.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorToken);

        // DALI: a broadcast level, then the lamps' level points at central.
        var clock = Stopwatch.StartNew();
        var daliCommand = await PostAsync(operatorClient, new JsonObject
        {
            ["gateway"] = city.GatewayId, ["action"] = "dali", ["line"] = Line, ["target"] = "broadcast", ["command"] = "level", ["value"] = Level,
            ["expiresInSeconds"] = 60,
        });
        var daliDone = await FinalAsync(city, daliCommand);
        log.WriteLine($"DALI broadcast level {Level}: {daliDone.ToJsonString()} ({clock.ElapsedMilliseconds} ms from POST to seeing it final)");
        Assert.Equal("done", (string?)daliDone["status"]);
        var issuedAt = Time((await city.GetJsonAsync($"/api/v1/commands/{daliCommand}"))["issuedAt"]);
        var finishedAt = Time(daliDone["finishedAt"]);
        log.WriteLine($"DALI broadcast latency at central: issued (POST) to done {(finishedAt - issuedAt).TotalMilliseconds:0} ms, sent to done {(finishedAt - Time(daliDone["sentAt"])).TotalMilliseconds:0} ms");
        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return Enumerable.Range(0, GearCount).All(a => CentralPoints.NumberOf(latest, LevelPoint(a)) == Level) ? latest : null;
        }, Patience, $"level {Level} of every gear at central");

        // Modbus: the controller's requested mode (holding register 100) to flash (1), read back by the edge.
        var modbusCommand = await PostAsync(operatorClient, new JsonObject
        {
            ["gateway"] = city.GatewayId, ["action"] = "write", ["device"] = ModbusDevice, ["point"] = "requested-mode", ["value"] = 1,
        });
        var modbusDone = await FinalAsync(city, modbusCommand);
        log.WriteLine($"Modbus write: {modbusDone.ToJsonString()}");
        Assert.Equal(("done", "1"), ((string?)modbusDone["status"], (string?)modbusDone["readBack"]));

        // SNMP: unitAlarmStatus2 (writable in the simulator) set to 3 with the read-write community, read back.
        var snmpCommand = await PostAsync(operatorClient, new JsonObject
        {
            ["gateway"] = city.GatewayId, ["action"] = "write", ["device"] = SnmpDevice, ["point"] = SnmpPoint, ["value"] = 3,
        });
        var snmpDone = await FinalAsync(city, snmpCommand);
        log.WriteLine($"SNMP write: {snmpDone.ToJsonString()}");
        Assert.Equal(("done", "3"), ((string?)snmpDone["status"], (string?)snmpDone["readBack"]));

        // The audit trail names the operator's token; the edge lists the three commands it ran.
        var listed = (await city.GetJsonAsync($"/api/v1/commands?gateway={city.GatewayId}"))["commands"]!.AsArray();
        Assert.Equal([daliCommand, modbusCommand, snmpCommand], listed.Select(c => (string)c!["id"]!));
        Assert.All(listed, c => Assert.Equal("night-shift", (string?)c!["issuer"]));
        var edgeList = await city.EdgeCtlAsync("commands", "--json");
        Assert.All(new[] { daliCommand, modbusCommand, snmpCommand }, id => Assert.Contains(id, edgeList, StringComparison.Ordinal));
    }

    private static string LevelPoint(int address) => $"{Line}/g{address}.level";

    private static async Task<string> PostAsync(HttpClient client, JsonObject command)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/api/v1/commands", UriKind.Relative), command);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST {command.ToJsonString()}: {(int)response.StatusCode} {body}");
        var answer = JsonNode.Parse(body)!;
        Assert.Equal("pending", (string?)answer["status"]);
        return (string)answer["id"]!;
    }

    /// <summary>The gateway's status in <c>GET /api/v1/commands/{id}</c> once it is final (done, failed, rejected or expired).</summary>
    private static async Task<JsonNode> FinalAsync(CityStack city, string id) =>
        await Eventually.ReturnsAsync(async () =>
        {
            var view = await city.GetJsonAsync($"/api/v1/commands/{id}");
            var target = view["gateways"]!.AsArray().Single()!;
            return (string?)target["status"] is "done" or "failed" or "rejected" or "expired" ? target.DeepClone() : null;
        }, Patience, $"command {id} final at central");

    private static DateTimeOffset Time(JsonNode? node) => DateTimeOffset.Parse((string)node!, CultureInfo.InvariantCulture);

    private static JsonObject EdgeSection(CityStack city, string daliPort, int modbusPort, int snmpPort)
    {
        var gear = new JsonArray();
        for (var address = 0; address < GearCount; address++)
        {
            gear.Add(new JsonObject { ["Address"] = address, ["Groups"] = new JsonArray(0), ["Location"] = $"pole-{address + 1}" });
        }

        var edge = city.EdgeSection();
        edge["DaliLines"] = new JsonArray
        {
            new JsonObject
            {
                ["Name"] = Line, ["Port"] = daliPort, ["StatusPeriodMs"] = 5000, ["EnergyPeriodMs"] = 60_000, ["DiscoveryPeriodMs"] = 600_000,
                ["InterfaceTimeoutMs"] = 3000, ["AnswerWindowMs"] = 250, ["Gear"] = gear,
            },
        };
        edge["Devices"] = new JsonArray
        {
            new JsonObject
            {
                ["Name"] = ModbusDevice, ["Protocol"] = "modbus-tcp", ["Host"] = "127.0.0.1", ["Port"] = modbusPort, ["UnitId"] = 2,
                ["TimeoutMs"] = 1000, ["Profile"] = "traffic-controller", ["Points"] = new JsonArray(),
            },
            new JsonObject
            {
                ["Name"] = SnmpDevice, ["Protocol"] = "snmp", ["Host"] = "127.0.0.1", ["Port"] = snmpPort, ["Version"] = "2c",
                ["Community"] = "private", ["TimeoutMs"] = 2000, ["Retries"] = 2,
                ["Points"] = new JsonArray
                {
                    new JsonObject { ["Name"] = SnmpPoint, ["Oid"] = "1.3.6.1.4.1.1206.4.2.1.3.7.0", ["PeriodMs"] = 2000, ["Writable"] = true },
                },
            },
        };
        return edge;
    }
}
