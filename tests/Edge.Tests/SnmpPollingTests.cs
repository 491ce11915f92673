using System.Net;
using System.Net.Sockets;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Edge.Snmp;
using City.Protocols.Modbus;
using City.Protocols.Snmp;
using Microsoft.Extensions.Logging.Abstractions;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

public sealed class SnmpPollingTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private SnmpTestAgent _agent = null!;

    public Task InitializeAsync()
    {
        _agent = new SnmpTestAgent();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    private static Dictionary<string, string?> V2c(int port)
    {
        var values = SnmpConfigTests.Base(port);
        foreach (var key in new[] { "User", "AuthProtocol", "AuthPassword", "PrivProtocol", "PrivPassword" })
        {
            values.Remove($"Edge:Devices:0:{key}");
        }

        values["Edge:Devices:0:Version"] = "2c";
        values["Edge:Devices:0:Community"] = "public";
        return values;
    }

    private static DeviceDefinition Load(Dictionary<string, string?> values)
    {
        var (ok, settings, errors) = TestConfig.Load(values);
        Assert.True(ok, string.Join("\n", errors));
        return settings.Devices[0];
    }

    /// <summary>Runs the polling service over <paramref name="devices"/> until <paramref name="done"/> holds for the latest values.</summary>
    private static async Task<(EdgeState State, SnmpRuntime Runtime)> PollUntilAsync(IReadOnlyList<DeviceDefinition> devices, Func<EdgeState, bool> done, Func<SnmpRuntime, EdgeState, Task>? whileRunning = null)
    {
        var settings = new EdgeSettings(new EdgeOptions(), devices);
        var state = new EdgeState("gw-001", DateTimeOffset.UtcNow, devices);
        var queue = new ReadingQueue();
        await using var runtime = new SnmpRuntime(TimeProvider.System);
        var service = new PollingService(settings, [new ModbusDeviceRunner(new ModbusDeviceClientFactory(TimeProvider.System), TimeProvider.System), new SnmpDeviceRunner(runtime)], queue, state, TimeProvider.System, NullLoggerFactory.Instance);
        await service.StartAsync(CancellationToken.None);
        try
        {
            if (whileRunning is not null)
            {
                await whileRunning(runtime, state);
            }

            await WaitAsync(() => done(state));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        return (state, runtime);
    }

    internal static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }

    private static LatestValue? Latest(EdgeState state, string id) => state.Latest().FirstOrDefault(v => v.Id == id);

    private static bool Good(EdgeState state, string id) => Latest(state, id)?.Quality == Quality.Good;

    [Theory]
    [InlineData("2c")]
    [InlineData("3")]
    public async Task Ntcip1202Profile_GivesGoodReadings_ForScalarsAlarmBitsPhasesAndDetectorRows(string version)
    {
        var device = Load(version == "2c" ? V2c(_agent.Port) : SnmpConfigTests.Base(_agent.Port));

        var (state, _) = await PollUntilAsync([device], s => Good(s, "tc1/unit-control-status") && Good(s, "tc1/detector-occupancy/8") && Good(s, "tc1/phase-greens"));

        Assert.Equal(6, Latest(state, "tc1/unit-control-status")!.Value.Number);
        Assert.Equal(2, Latest(state, "tc1/unit-flash-status")!.Value.Number);
        Assert.Equal(0x33, Latest(state, "tc1/phase-greens")!.Value.Number);
        Assert.Equal(0xCC, Latest(state, "tc1/phase-reds")!.Value.Number);
        Assert.Equal(30, Latest(state, "tc1/detector-volume/3")!.Value.Number);
        Assert.Equal(8, Latest(state, "tc1/detector-occupancy/8")!.Value.Number);
        Assert.True(Latest(state, "tc1/alarm-coord-active")!.Value.Boolean); // unitAlarmStatus1 = 0x80
        Assert.False(Latest(state, "tc1/alarm-critical")!.Value.Boolean);
        Assert.Equal(Quality.Good, Latest(state, "tc1/alarm-critical")!.Quality);
    }

    [Fact]
    public async Task MissingObject_IsConfigError_OthersStayGood()
    {
        var values = V2c(_agent.Port);
        values.Remove("Edge:Devices:0:Profile");
        values["Edge:Devices:0:Points:0:Name"] = "status";
        values["Edge:Devices:0:Points:0:Oid"] = Ntcip1202Profile.UnitControlStatus;
        values["Edge:Devices:0:Points:1:Name"] = "ghost";
        values["Edge:Devices:0:Points:1:Oid"] = "1.3.6.1.4.1.99999.1.0";
        values["Edge:Devices:0:Points:2:Name"] = "ghost-rows";
        values["Edge:Devices:0:Points:2:Oid"] = Ntcip1202Profile.VolumeOccupancyEntry + ".1";
        values["Edge:Devices:0:Points:2:Rows"] = "9";
        var device = Load(values);

        var (state, _) = await PollUntilAsync([device], s => Latest(s, "tc1/ghost") is not null && Latest(s, "tc1/ghost-rows/9") is not null && Latest(s, "tc1/status") is not null);

        Assert.Equal(Quality.Good, Latest(state, "tc1/status")!.Quality);
        Assert.Equal(Quality.ConfigError, Latest(state, "tc1/ghost")!.Quality);
        Assert.Equal(Quality.Good, Latest(state, "tc1/ghost-rows/8")!.Quality);
        Assert.Equal(Quality.ConfigError, Latest(state, "tc1/ghost-rows/9")!.Quality);
    }

    [Fact]
    public async Task WrongV3Password_IsConfigError_NotCommLoss()
    {
        var values = SnmpConfigTests.Base(_agent.Port);
        values["Edge:Devices:0:AuthPassword"] = "not-the-passphrase";
        var device = Load(values);

        var (state, _) = await PollUntilAsync([device], s => Latest(s, "tc1/unit-control-status") is not null);

        Assert.Equal(Quality.ConfigError, Latest(state, "tc1/unit-control-status")!.Quality);
        Assert.Contains("credentials", state.Device("tc1").Snapshot().LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentAgent_GivesCommLoss_WithoutStallingAModbusDevice()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never answers
        var values = V2c(((IPEndPoint)silent.Client.LocalEndPoint!).Port);
        values["Edge:Devices:0:Name"] = "dead-tc";
        values["Edge:Devices:0:TimeoutMs"] = "300";
        values["Edge:Devices:0:Retries"] = "1";
        var snmpDevice = Load(values);

        var map = new InMemoryRegisterMap();
        map.AddUnit(1, 16, 16);
        map.SetInputRegisters(1, 0, [1234]);
        await using var slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map);
        await slave.StartAsync();
        var meter = ModbusDevice.Create("meter1", "modbus-tcp", "127.0.0.1", slave.LocalEndPoint.Port, 1, TimeSpan.FromMilliseconds(500),
            [new PointDefinition("meter1", "count", ModbusTable.Input, 0, RegisterDataType.UInt16, WordOrder.Abcd, 1.0, "", 50, "") { Alias = 1 }]);

        var (state, _) = await PollUntilAsync([snmpDevice, meter],
            s => Latest(s, "dead-tc/unit-control-status")?.Quality == Quality.CommLoss && Latest(s, "dead-tc/detector-volume/1") is not null
                && s.Device("meter1").Snapshot().PollsOk >= 20);

        // meter1 kept polling on its own loop while dead-tc waited out 2 x 300 ms per request.
        Assert.Equal(1234, Latest(state, "meter1/count")!.Value.Number);
        Assert.True(double.IsNaN(Latest(state, "dead-tc/unit-control-status")!.Value.Number));
        Assert.Equal(Quality.CommLoss, Latest(state, "dead-tc/detector-volume/1")!.Quality);
        Assert.Contains("no answer", state.Device("dead-tc").Snapshot().LastError, StringComparison.Ordinal);
        Assert.True(state.Device("dead-tc").ErrorsByKind().GetValueOrDefault(PollErrorKinds.Timeout) >= 1); // the metrics' kind
        Assert.Empty(state.Device("meter1").ErrorsByKind());
    }

    [Fact]
    public async Task AlarmBitSetAndCleared_BecomeEvents()
    {
        var device = Load(V2c(_agent.Port));
        var events = new List<string>();

        var (state, _) = await PollUntilAsync([device],
            s =>
            {
                if (Latest(s, "$edge/snmp/tc1/events")?.Value.Text is { } text && (events.Count == 0 || events[^1] != text))
                {
                    events.Add(text);
                }

                if (events.Contains("alarm alarm-critical set (1.3.6.1.4.1.1206.4.2.1.3.9.0 bit 7)"))
                {
                    _agent.ShortAlarmStatus = 0;
                }

                return events.Contains("alarm alarm-critical cleared (1.3.6.1.4.1.1206.4.2.1.3.9.0 bit 7)");
            },
            async (_, s) =>
            {
                await WaitAsync(() => Good(s, "tc1/alarm-critical"));
                _agent.ShortAlarmStatus = 0x80;
            });

        Assert.Contains("alarm alarm-critical set (1.3.6.1.4.1.1206.4.2.1.3.9.0 bit 7)", events);
        Assert.False(Latest(state, "tc1/alarm-critical")!.Value.Boolean);
    }

    [Fact]
    public async Task SilentAgent_IsBackedOff_AfterThreeSilentCycles_ButStillGivesCommLossEachCycle()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var values = V2c(((IPEndPoint)silent.Client.LocalEndPoint!).Port);
        values.Remove("Edge:Devices:0:Profile");
        values["Edge:Devices:0:TimeoutMs"] = "50";
        values["Edge:Devices:0:Points:0:Name"] = "status";
        values["Edge:Devices:0:Points:0:Oid"] = Ntcip1202Profile.UnitControlStatus;
        values["Edge:Devices:0:Points:0:PeriodMs"] = "100";
        var device = Load(values);
        var state = new EdgeState("gw-001", DateTimeOffset.UtcNow, [device]);
        var queue = new ReadingQueue();
        await using var manager = SnmpManager.CreateUdp();
        var poller = new SnmpDevicePoller(device, 0, 1, manager, queue.Writer, state, TimeProvider.System, NullLogger.Instance);
        using var cts = new CancellationTokenSource();

        var run = poller.RunAsync(cts.Token);
        await WaitAsync(() => poller.SkippedCycles >= 2);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var readings = new List<City.Contract.Reading>();
        while (queue.Reader.TryRead(out var reading))
        {
            readings.Add(reading);
        }

        Assert.True(readings.Count >= 5, $"{readings.Count} readings");
        Assert.All(readings, r => Assert.Equal(Quality.CommLoss, r.Quality));
        // Mostly "backed off after 3 silent cycles: no answer..."; every 10th cycle is a real attempt ("no answer...").
        Assert.Contains("no answer", state.Device("tc1").Snapshot().LastError, StringComparison.Ordinal);
        var kinds = state.Device("tc1").ErrorsByKind();
        Assert.True(kinds.GetValueOrDefault(PollErrorKinds.Timeout) >= 3, string.Join(", ", kinds)); // the three silent cycles, then every 10th
        Assert.True(kinds.GetValueOrDefault(PollErrorKinds.BackedOff) >= 2, string.Join(", ", kinds));
    }

    [Fact]
    public void ErrorStatusNames_AndQualities()
    {
        Assert.Equal("noSuchName", SnmpNames.ErrorStatus(SnmpErrorStatus.NoSuchName));
        Assert.Equal("genErr", SnmpNames.ErrorStatus(SnmpErrorStatus.GenErr));
        Assert.Equal(Quality.ConfigError, SnmpDevicePoller.ErrorStatusQuality(SnmpErrorStatus.NoAccess));
        Assert.Equal(Quality.DeviceFailure, SnmpDevicePoller.ErrorStatusQuality(SnmpErrorStatus.GenErr));
    }
}
