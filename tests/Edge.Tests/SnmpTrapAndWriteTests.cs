using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Sockets;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Edge.Snmp;
using City.Protocols.Snmp;
using Microsoft.Extensions.Logging.Abstractions;

namespace City.Edge.Tests;

/// <summary>Traps into events (and an immediate alarm poll), and SET through the local API, against the in-process agent.</summary>
public sealed class SnmpTrapAndWriteTests : IAsyncLifetime
{
    private static readonly Oid TrapOid = Oid.Parse("1.3.6.1.4.1.1206.4.2.1.0.7");
    private SnmpTestAgent _agent = null!;

    public Task InitializeAsync()
    {
        _agent = new SnmpTestAgent();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    private Dictionary<string, string?> V2cDevice()
    {
        var values = SnmpConfigTests.Base(_agent.Port);
        foreach (var key in new[] { "Profile", "User", "AuthProtocol", "AuthPassword", "PrivProtocol", "PrivPassword" })
        {
            values.Remove($"Edge:Devices:0:{key}");
        }

        values["Edge:Devices:0:Version"] = "2c";
        values["Edge:Devices:0:Community"] = "public";
        return values;
    }

    [Fact]
    public async Task TrapFromTheDevice_IsAnEvent_AndPollsItsAlarmPointsAtOnce_UnknownSendersAreDropped()
    {
        var values = V2cDevice();
        values["Edge:Snmp:TrapListen"] = $"127.0.0.1:{FreePort.Udp()}";
        // Polled every 10 minutes: only the trap's immediate poll can see the door open within the test.
        values["Edge:Devices:0:Points:0:Name"] = "door-open";
        values["Edge:Devices:0:Points:0:Oid"] = Ntcip1202Profile.ShortAlarmStatus;
        values["Edge:Devices:0:Points:0:Bit"] = "3";
        values["Edge:Devices:0:Points:0:Alarm"] = "true";
        values["Edge:Devices:0:Points:0:PeriodMs"] = "600000";
        var (ok, settings, errors) = TestConfig.Load(values);
        Assert.True(ok, string.Join("\n", errors));
        var state = new EdgeState("gw-001", DateTimeOffset.UtcNow, settings.Devices);
        var queue = new ReadingQueue();
        await using var runtime = new SnmpRuntime(TimeProvider.System);
        var polling = new PollingService(settings, [new ModbusDeviceRunner(new ModbusDeviceClientFactory(TimeProvider.System), TimeProvider.System), new SnmpDeviceRunner(runtime)], queue, state, TimeProvider.System, NullLoggerFactory.Instance);
        var listener = new SnmpTrapListener(settings, runtime, queue, state, TimeProvider.System, NullLogger<SnmpTrapListener>.Instance);
        await listener.StartAsync(CancellationToken.None);
        await polling.StartAsync(CancellationToken.None);
        try
        {
            await listener.Listening.WaitAsync(TimeSpan.FromSeconds(30));
            var trapTarget = SnmpTarget.V2c(listener.LocalEndPoint!);
            string? Text(string id) => state.Latest().FirstOrDefault(v => v.Id == id)?.Value.Text;
            bool? DoorOpen() => state.Latest().FirstOrDefault(v => v.Id == "tc1/door-open") is { Quality: Quality.Good } v ? v.Value.Boolean : null;
            await SnmpPollingTests.WaitAsync(() => DoorOpen() == false);

            // A trap from elsewhere (127.0.0.2) is counted and dropped.
            await using (var stranger = SnmpManager.CreateUdp(IPAddress.Parse("127.0.0.2")))
            {
                await stranger.SendTrapAsync(trapTarget, TrapOid, 1, []);
            }

            await SnmpPollingTests.WaitAsync(() => listener.UnknownSenders == 1);
            Assert.Null(Text("$edge/snmp/tc1/events"));

            await _agent.Agent.SendTrapAsync(trapTarget, TrapOid, [new VarBind(Oid.Parse(Ntcip1202Profile.ShortAlarmStatus), SnmpValue.Integer(0))]);
            await SnmpPollingTests.WaitAsync(() => Text("$edge/snmp/tc1/events")?.StartsWith("trap 1.3.6.1.4.1.1206.4.2.1.0.7", StringComparison.Ordinal) == true);
            Assert.Contains("1.3.6.1.4.1.1206.4.2.1.3.9.0", Text("$edge/snmp/tc1/events"), StringComparison.Ordinal);

            _agent.ShortAlarmStatus = 0x08;
            await _agent.Agent.SendTrapAsync(trapTarget, TrapOid, []);
            await SnmpPollingTests.WaitAsync(() => DoorOpen() == true);
            await SnmpPollingTests.WaitAsync(() => Text("$edge/snmp/tc1/events") == "alarm door-open set (1.3.6.1.4.1.1206.4.2.1.3.9.0 bit 3)");
            Assert.Equal(2, listener.Accepted);
            Assert.Equal(1, listener.UnknownSenders);
        }
        finally
        {
            await polling.StopAsync(CancellationToken.None);
            await listener.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_remote_write_command_sets_the_object_and_reads_it_back()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var dir = new TempDir();
        File.WriteAllText(dir.File("command-signing.pub"), key.ExportSubjectPublicKeyInfoPem());
        var values = SnmpConfigTests.Base(_agent.Port);
        values["Edge:Central:Port"] = "1";
        values["Edge:Commands:SigningKeyFile"] = dir.File("command-signing.pub");
        values["Edge:Devices:0:Points:0:Name"] = "requested-mode";
        values["Edge:Devices:0:Points:0:Oid"] = SnmpTestAgent.RequestedModeOid;
        values["Edge:Devices:0:Points:0:Writable"] = "true";
        await using var edge = await InProcessEdge.StartAsync(values);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var body = new City.Contract.Wire.CommandBody
        {
            Id = Guid.NewGuid().ToString(), GatewayId = "gw-001", IssuedAtUnixMs = now, NotAfterUnixMs = now + 60_000, Issuer = "ops",
            Write = new City.Contract.Wire.WriteAction { Device = "tc1", Point = "requested-mode", Number = 4 },
        };

        await edge.Services.GetRequiredService<City.Edge.Commands.CommandService>().HandleAsync(City.Contract.CommandSigning.Sign(body, key), CancellationToken.None);

        var entry = Assert.Single(edge.Services.GetRequiredService<City.Edge.Commands.CommandLog>().Recent());
        Assert.True(entry.Status == "done", entry.Detail);
        Assert.Equal("4", entry.ReadBack);
        Assert.Equal(4, _agent.RequestedMode);
    }

    [Fact]
    public async Task SetThroughTheLocalApi_ChangesTheAgentsObject_AndReportsErrorStatusNames()
    {
        var values = SnmpConfigTests.Base(_agent.Port); // v3 authPriv SHA-256/AES with the ntcip1202 profile
        values["Edge:Central:Port"] = "1";
        values["Edge:Devices:0:Points:0:Name"] = "requested-mode";
        values["Edge:Devices:0:Points:0:Oid"] = SnmpTestAgent.RequestedModeOid;
        values["Edge:Devices:0:Points:0:Writable"] = "true";
        values["Edge:Devices:0:Points:1:Name"] = "fixed";
        values["Edge:Devices:0:Points:1:Oid"] = SnmpTestAgent.ReadOnlyOid;
        values["Edge:Devices:0:Points:1:Writable"] = "true";
        await using var edge = await InProcessEdge.StartAsync(values);

        var (status, body) = await edge.PostAsync("/v1/points/tc1/requested-mode", "{\"value\": 3}");
        Assert.True(status == 200, body.RootElement.ToString());
        Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(3, _agent.RequestedMode);

        (status, body) = await edge.PostAsync("/v1/points/tc1/requested-mode", "{\"value\": 9}");
        Assert.Equal(502, status);
        Assert.Equal("wrongValue", body.RootElement.GetProperty("exceptionName").GetString());
        Assert.Equal(3, _agent.RequestedMode);

        (status, body) = await edge.PostAsync("/v1/points/tc1/fixed", "{\"value\": 1}");
        Assert.Equal(502, status);
        Assert.Equal("notWritable", body.RootElement.GetProperty("exceptionName").GetString());

        (status, body) = await edge.PostAsync("/v1/points/tc1/unit-control-status", "{\"value\": 1}");
        Assert.Equal(400, status);
        Assert.Equal("refused", body.RootElement.GetProperty("status").GetString());

        (status, body) = await edge.PostAsync("/v1/points/tc1/requested-mode", "{\"value\": \"three\"}");
        Assert.Equal(400, status);

        (status, body) = await edge.GetAsync("/v1/devices/tc1/plan");
        Assert.Equal(200, status);
        var groups = body.RootElement.GetProperty("groups");
        Assert.Contains(groups.EnumerateArray(), g => g.GetProperty("gets").EnumerateArray().Any(o => o.GetString() == Ntcip1202Profile.UnitControlStatus));
        Assert.Contains(groups.EnumerateArray(), g => g.GetProperty("walks").EnumerateArray().Any(w => w.GetProperty("column").GetString() == Ntcip1202Profile.VolumeOccupancyEntry + ".1" && w.GetProperty("rows").GetInt32() == 8));
    }
}
