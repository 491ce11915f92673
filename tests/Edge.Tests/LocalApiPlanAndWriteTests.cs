using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using City.Protocols.Modbus;

namespace City.Edge.Tests;

/// <summary>
/// A real edge in-process against a <see cref="ModbusTcpSlave"/> on 127.0.0.1: the plan of a device through
/// GET /v1/devices/{name}/plan, and point writes through POST /v1/points/{device}/{point} checked in the slave's registers.
/// </summary>
public sealed class LocalApiPlanAndWriteTests : IAsyncLifetime
{
    private const byte Unit = 2;
    private readonly InMemoryRegisterMap _map = new();
    private readonly TcpListener _mute = new(IPAddress.Loopback, 0); // accepts connections, never answers
    private ModbusTcpSlave _slave = null!;
    private InProcessEdge _edge = null!;

    public async Task InitializeAsync()
    {
        // Holding 0..119: register 130 ("far") is beyond the map and answers exception 02.
        _map.AddUnit(Unit, holdingRegisterCount: 120, inputRegisterCount: 20, coilCount: 16, discreteInputCount: 8);
        _map.SetInputRegisters(Unit, 0, [3, 2, 41, 0, 0b1001]);
        _slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), _map);
        await _slave.StartAsync();

        var values = TestConfig.Valid();
        foreach (var key in values.Keys.Where(k => k.StartsWith("Edge:Devices", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            values.Remove(key);
        }

        values["Edge:Central:Port"] = FreePort.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture);
        values["Edge:Devices:0:Name"] = "tc1";
        values["Edge:Devices:0:Host"] = "127.0.0.1";
        values["Edge:Devices:0:Port"] = _slave.LocalEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        values["Edge:Devices:0:UnitId"] = Unit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        values["Edge:Devices:0:Profile"] = "traffic-controller";
        AddPoint(values, 0, 0, "setpoint", "holding", 10, "int16", ("Scale", "0.1"), ("Offset", "-40"), ("Writable", "true"));
        AddPoint(values, 0, 1, "label", "holding", 20, "string", ("Length", "3"), ("Writable", "true"));
        AddPoint(values, 0, 2, "relay", "coil", 10, null, ("Writable", "true"));
        AddPoint(values, 0, 3, "total", "holding", 40, "uint32", ("WordOrder", "CDAB"), ("Writable", "true"));
        AddPoint(values, 0, 4, "far", "holding", 130, "uint16", ("Writable", "true"), ("PeriodMs", "7000"));
        values["Edge:Devices:1:Name"] = "dead";
        values["Edge:Devices:1:Host"] = "127.0.0.1";
        values["Edge:Devices:1:Port"] = FreePort.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture);
        values["Edge:Devices:1:TimeoutMs"] = "500";
        AddPoint(values, 1, 0, "level", "holding", 0, "uint16", ("Writable", "true"));
        _mute.Start();
        values["Edge:Devices:2:Name"] = "mute";
        values["Edge:Devices:2:Host"] = "127.0.0.1";
        values["Edge:Devices:2:Port"] = ((IPEndPoint)_mute.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        values["Edge:Devices:2:TimeoutMs"] = "300";
        AddPoint(values, 2, 0, "level", "holding", 0, "uint16", ("Writable", "true"), ("PeriodMs", "60000"));
        _edge = await InProcessEdge.StartAsync(values);
    }

    public async Task DisposeAsync()
    {
        await _edge.DisposeAsync();
        await _slave.DisposeAsync();
        _mute.Stop();
    }

    private static void AddPoint(Dictionary<string, string?> values, int device, int index, string name, string table, int register, string? type, params (string Key, string Value)[] extra)
    {
        var p = $"Edge:Devices:{device}:Points:{index}";
        values[$"{p}:Name"] = name;
        values[$"{p}:Table"] = table;
        values[$"{p}:Register"] = register.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (type is not null)
        {
            values[$"{p}:DataType"] = type;
        }

        foreach (var (key, value) in extra)
        {
            values[$"{p}:{key}"] = value;
        }
    }

    private static string Str(JsonElement e, string name) => e.GetProperty(name).ToString();

    [Fact]
    public async Task Plan_ShowsTheRequestsOfEachPeriodGroup_WithFillAndTotals()
    {
        var (status, body) = await _edge.GetAsync("/v1/devices/tc1/plan");
        using var _ = body;

        Assert.Equal(200, status);
        var plan = body.RootElement;
        Assert.Equal("traffic-controller", Str(plan, "profile"));
        var groups = plan.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal([1000, 5000, 7000], groups.Select(g => g.GetProperty("periodMs").GetInt32()));

        // Every second: the input map 0..13 in one FC04 (alarm bits share the alarm word), one FC03 for 10..42 across holes,
        // coils 0..10 in one FC01, discrete 0..3 in one FC02.
        var requests = groups[0].GetProperty("requests").EnumerateArray()
            .Select(r => $"{Str(r, "table")} {Str(r, "function")} {Str(r, "start")}+{Str(r, "count")} fill {Str(r, "fill")}").ToList();
        Assert.Equal(
            ["input FC04 0+14 fill 0", "holding FC03 10+32 fill 26", "coil FC01 0+11 fill 2", "discrete FC02 0+4 fill 0"],
            requests);
        var input = groups[0].GetProperty("requests")[0];
        Assert.Contains("alarm-door-open", input.GetProperty("points").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("holding FC03 100+1", $"{Str(groups[1].GetProperty("requests")[0], "table")} {Str(groups[1].GetProperty("requests")[0], "function")} {Str(groups[1].GetProperty("requests")[0], "start")}+{Str(groups[1].GetProperty("requests")[0], "count")}");
        Assert.Equal(4, groups[0].GetProperty("requestsPerCycle").GetInt32());

        var totals = plan.GetProperty("totals");
        Assert.Equal(6, totals.GetProperty("requests").GetInt32());
        Assert.Equal(Math.Round(4 + 0.2 + (1000.0 / 7000), 3), totals.GetProperty("requestsPerSecond").GetDouble());
    }

    [Fact]
    public async Task Points_SpellQualitiesAndValuesAsTheContractDoes()
    {
        // A coil is a JSON boolean, a string point a JSON string, a dead device's point "comm-loss" with null (no value yet).
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var (_, points) = await _edge.GetAsync("/v1/points");
            using (points)
            {
                var byId = points.RootElement.EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!, p => p);
                if (byId.TryGetValue("tc1/relay", out var relay) && byId.TryGetValue("tc1/label", out var label) && byId.TryGetValue("dead/level", out var dead))
                {
                    Assert.Equal("good", relay.GetProperty("quality").GetString());
                    Assert.Equal(JsonValueKind.False, relay.GetProperty("value").ValueKind);
                    Assert.Equal("good", label.GetProperty("quality").GetString());
                    Assert.Equal(JsonValueKind.String, label.GetProperty("value").ValueKind);
                    Assert.Equal("comm-loss", dead.GetProperty("quality").GetString());
                    Assert.Equal(JsonValueKind.Null, dead.GetProperty("value").ValueKind);
                    return;
                }
            }

            await Task.Delay(100, cts.Token);
        }
    }

    [Fact]
    public async Task Plan_OfAnUnknownDevice_Is404NamingTheKnownOnes()
    {
        var (status, body) = await _edge.GetAsync("/v1/devices/nope/plan");
        using var _ = body;

        Assert.Equal(404, status);
        Assert.Equal("no device named 'nope' (known: tc1, dead, mute)", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Write_ProfileHoldingRegister_UsesFc06_AndChangesTheSlave()
    {
        var (status, body) = await _edge.PostAsync("/v1/points/tc1/requested-mode", """{"value": 1}""");
        using var _ = body;

        Assert.True(status == 200, body.RootElement.ToString());
        Assert.True(body.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("FC06", Str(body.RootElement, "function"));
        Assert.Equal([(ushort)1], _map.GetHoldingRegisters(Unit, 100, 1));
    }

    [Fact]
    public async Task Write_ScaledValue_UndoesScaleAndOffset()
    {
        // raw = (21.5 - -40) / 0.1 = 615
        var (status, body) = await _edge.PostAsync("/v1/points/tc1/setpoint", """{"value": 21.5}""");
        using var _ = body;

        Assert.True(status == 200, body.RootElement.ToString());
        Assert.Equal([(ushort)615], _map.GetHoldingRegisters(Unit, 10, 1));
    }

    [Fact]
    public async Task Write_MultiRegisterValues_UseFc16_InTheirWordOrder()
    {
        var (status, body) = await _edge.PostAsync("/v1/points/tc1/total", """{"value": 305419896}""");
        using var _ = body;
        var (textStatus, text) = await _edge.PostAsync("/v1/points/tc1/label", """{"value": "ABC"}""");
        using var __ = text;

        Assert.True(status == 200, body.RootElement.ToString());
        Assert.Equal("FC16", Str(body.RootElement, "function"));
        Assert.Equal([(ushort)0x5678, (ushort)0x1234], _map.GetHoldingRegisters(Unit, 40, 2)); // 0x12345678, CDAB
        Assert.True(textStatus == 200, text.RootElement.ToString());
        Assert.Equal([(ushort)0x4142, (ushort)0x4300, (ushort)0], _map.GetHoldingRegisters(Unit, 20, 3));
    }

    [Fact]
    public async Task Write_Coil_UsesFc05()
    {
        var (status, body) = await _edge.PostAsync("/v1/points/tc1/relay", """{"value": true}""");
        using var _ = body;

        Assert.True(status == 200, body.RootElement.ToString());
        Assert.Equal("FC05", Str(body.RootElement, "function"));
        Assert.Equal([true], _map.GetCoils(Unit, 10, 1));
    }

    [Theory]
    [InlineData("mode", """{"value": 1}""", 400, "tc1/mode: the input table is read-only")]
    [InlineData("door-open", """{"value": true}""", 400, "tc1/door-open: the discrete table is read-only")]
    [InlineData("detector-1-occupied", """{"value": true}""", 400, "tc1/detector-1-occupied: the point is not Writable")]
    [InlineData("requested-mode", """{"value": 70000}""", 400, "tc1/requested-mode: 70000 gives the raw value 70000, out of range for uint16 (0..65535)")]
    [InlineData("setpoint", """{"value": 21.55}""", 400, "tc1/setpoint: 21.55 gives the raw value 615.5, which is not a whole number as int16 needs (scale 0.1, offset -40)")]
    [InlineData("label", """{"value": "ABCDEFG"}""", 400, "tc1/label: the text has 7 characters; the point holds at most 6 (3 registers)")]
    [InlineData("relay", """{"value": 2}""", 400, "tc1/relay: a bool point takes true/false or 1/0 (got 2)")]
    [InlineData("requested-mode", """{"valu": 1}""", 400, "the body must be a JSON object {\"value\": ...}")]
    [InlineData("nope", """{"value": 1}""", 404, "device 'tc1' has no point named 'nope'")]
    public async Task Write_IsRefusedWithAClearError_AndNothingIsSent(string point, string json, int expectedStatus, string expectedMessage)
    {
        var before = _map.GetHoldingRegisters(Unit, 0, 120);

        var (status, body) = await _edge.PostAsync($"/v1/points/tc1/{point}", json);
        using var _ = body;

        Assert.Equal(expectedStatus, status);
        Assert.False(body.RootElement.GetProperty("ok").GetBoolean());
        Assert.StartsWith(expectedMessage, body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _map.GetHoldingRegisters(Unit, 0, 120));
    }

    [Fact]
    public async Task Write_AnsweredWithAnException_ReportsItsCodeAndName()
    {
        var (status, body) = await _edge.PostAsync("/v1/points/tc1/far", """{"value": 5}""");
        using var _ = body;

        Assert.Equal(502, status);
        Assert.Equal("exception", Str(body.RootElement, "status"));
        Assert.Equal(2, body.RootElement.GetProperty("exceptionCode").GetInt32());
        Assert.Equal("illegal data address", Str(body.RootElement, "exceptionName"));
        Assert.Contains("answered exception 02 illegal data address (FC06)", Str(body.RootElement, "message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_ToAnUnreachableDevice_IsCommLoss()
    {
        var (status, body) = await _edge.PostAsync("/v1/points/dead/level", """{"value": 5}""");
        using var _ = body;

        Assert.Equal(504, status);
        Assert.Contains(Str(body.RootElement, "status"), new[] { "comm-loss", "timeout" });
        Assert.StartsWith("dead/level: ", Str(body.RootElement, "message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_ToADeviceThatDoesNotAnswer_IsATimeout()
    {
        var (status, body) = await _edge.PostAsync("/v1/points/mute/level", """{"value": 5}""");
        using var _ = body;

        Assert.Equal(504, status);
        Assert.Equal("timeout", Str(body.RootElement, "status"));
        Assert.Equal("mute/level: unit 1 at 127.0.0.1:" + ((IPEndPoint)_mute.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + " did not answer within 300 ms (FC06)", Str(body.RootElement, "message"));
    }

    [Fact]
    public async Task WrittenValue_IsReadBackByThePoller()
    {
        var (status, body) = await _edge.PostAsync("/v1/points/tc1/setpoint", """{"value": -12.5}""");
        body.Dispose();
        Assert.Equal(200, status);

        // The poller reads the register again every second: wait for the scaled value to come back (generous: a loaded machine).
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var (_, points) = await _edge.GetAsync("/v1/points");
            using (points)
            {
                var setpoint = points.RootElement.EnumerateArray().FirstOrDefault(p => p.GetProperty("id").GetString() == "tc1/setpoint");
                if (setpoint.ValueKind == JsonValueKind.Object && setpoint.GetProperty("value").ValueKind == JsonValueKind.Number
                    && setpoint.GetProperty("value").GetDouble() == -12.5)
                {
                    Assert.Equal("good", setpoint.GetProperty("quality").GetString());
                    return;
                }
            }

            await Task.Delay(100, cts.Token);
        }
    }
}
