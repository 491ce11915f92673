using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// Issue 5 end to end: citysim's NTCIP 1202 traffic controller agent, an edge polling it with the ntcip1202 profile and
/// listening for its traps, and central. The alarm is raised and cleared with net-snmp's snmpset, a peer nobody here wrote.
/// </summary>
[Collection("processes")]
public sealed class SnmpControllerTests(ITestOutputHelper log)
{
    private const string Device = "tc1";
    private const string ShortAlarmStatus = "1.3.6.1.4.1.1206.4.2.1.3.9.0";
    private const int CriticalAlarm = 128;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task An_alarm_raised_in_the_controller_reaches_central_as_an_event_and_its_clearing_too()
    {
        await using var city = new CityStack(log, "gw-snmp");
        var agentPort = FreePort.Tcp();
        var trapPort = FreePort.Tcp();
        var agent = city.StartCitySim("citysim snmp",
        [
            "snmp", "--port", agentPort.ToString(CultureInfo.InvariantCulture), "--community", "public",
            "--write-community", "private", "--trap-to", $"127.0.0.1:{trapPort}",
        ]);
        await agent.WaitForOutputAsync("listening on udp", TimeSpan.FromSeconds(60));
        await city.StartCentralAsync();
        city.StartEdge(EdgeWithController(city, agentPort, trapPort));

        var events = $"$edge/snmp/{Device}/events";
        var alarm = $"{Device}/alarm-critical";

        // Polled values: the controller's mode (always timebase, 6), no flash, detector volumes.
        var polled = await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return CentralPoints.NumberOf(latest, $"{Device}/unit-control-status") is not null
                && CentralPoints.NumberOf(latest, $"{Device}/detector-volume/1") is not null
                && CentralPoints.ValueOf(latest, alarm) is not null ? latest : null;
        }, Patience, "the controller's mode, a detector volume and its alarm bits at central");
        Assert.Equal(6, CentralPoints.NumberOf(polled, $"{Device}/unit-control-status"));
        Assert.Equal(2, CentralPoints.NumberOf(polled, $"{Device}/unit-flash-status"));
        Assert.InRange(CentralPoints.NumberOf(polled, $"{Device}/detector-volume/1")!.Value, 0, 65535);
        Assert.Equal("false", CentralPoints.ValueOf(polled, alarm));

        // Raise the critical alarm in the controller: a trap goes to the edge, the edge polls the alarm bits.
        await SnmpSetAsync(agentPort, CriticalAlarm);
        var raised = await Eventually.ReturnsAsync(async () =>
        {
            var texts = await CentralPoints.EventTextsAsync(city, events);
            return texts.Any(t => t.StartsWith("alarm alarm-critical set", StringComparison.Ordinal)) ? texts : null;
        }, Patience, "the 'alarm alarm-critical set' event at central");
        log.WriteLine("events after raising: " + string.Join(" | ", raised));
        Assert.Contains(raised, t => t.StartsWith("trap ", StringComparison.Ordinal));
        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            // A critical alarm puts the unit in fault-monitor flash (5).
            return CentralPoints.ValueOf(latest, alarm) == "true" && CentralPoints.NumberOf(latest, $"{Device}/unit-flash-status") == 5 ? latest : null;
        }, Patience, "the alarm-critical point true and the unit in fault-monitor flash at central");

        await SnmpSetAsync(agentPort, 0);
        var cleared = await Eventually.ReturnsAsync(async () =>
        {
            var texts = await CentralPoints.EventTextsAsync(city, events);
            return texts.Any(t => t.StartsWith("alarm alarm-critical cleared", StringComparison.Ordinal)) ? texts : null;
        }, Patience, "the 'alarm alarm-critical cleared' event at central");
        log.WriteLine("events after clearing: " + string.Join(" | ", cleared));
        Assert.True(cleared.FindLastIndex(t => t.StartsWith("alarm alarm-critical cleared", StringComparison.Ordinal))
            > cleared.FindIndex(t => t.StartsWith("alarm alarm-critical set", StringComparison.Ordinal)), "the clearing came before the raising");
        await Eventually.ReturnsAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(city);
            return CentralPoints.ValueOf(latest, alarm) == "false" && CentralPoints.NumberOf(latest, $"{Device}/unit-flash-status") == 2 ? latest : null;
        }, Patience, "the alarm-critical point false again and the unit out of flash at central");
    }

    private static JsonObject EdgeWithController(CityStack city, int agentPort, int trapPort)
    {
        var edge = city.EdgeSection();
        edge["Devices"] = new JsonArray
        {
            new JsonObject
            {
                ["Name"] = Device,
                ["Protocol"] = "snmp",
                ["Host"] = "127.0.0.1",
                ["Port"] = agentPort,
                ["Version"] = "2c",
                ["Community"] = "public",
                ["TimeoutMs"] = 2000,
                ["Retries"] = 2,
                ["Profile"] = "ntcip1202",
                ["Points"] = new JsonArray(),
            },
        };
        edge["Snmp"] = new JsonObject { ["TrapListen"] = $"127.0.0.1:{trapPort}" };
        return edge;
    }

    private async Task SnmpSetAsync(int agentPort, int shortAlarmStatus)
    {
        var snmpset = PeerProcess.RequireExecutable("snmpset", "apt-get install -y snmp (./test.sh does this)");
        var (exitCode, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), snmpset,
            "-v2c", "-c", "private", "-t", "5", "-r", "3", $"127.0.0.1:{agentPort}", ShortAlarmStatus, "i", shortAlarmStatus.ToString(CultureInfo.InvariantCulture));
        log.WriteLine($"snmpset shortAlarmStatus {shortAlarmStatus}: exit {exitCode}: {output}");
        Assert.True(exitCode == 0, $"snmpset failed: {output}");
    }
}
