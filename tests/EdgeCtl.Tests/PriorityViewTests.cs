using System.Text.Json;
using City.Edge.Devices;
using City.Edge.Priority;

namespace City.EdgeCtl.Tests;

/// <summary><c>edgectl priority</c>: the document the edge serves at /v1/priority, as the technician reads it.</summary>
public sealed class PriorityViewTests
{
    private static readonly City.Edge.Snmp.SnmpEndpoint Controller = new(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1161),
        City.Protocols.Snmp.SnmpVersion.V2c, "private", null, City.Protocols.Snmp.SnmpSecurityLevel.NoAuthNoPriv, TimeSpan.FromSeconds(1), 1);

    [Fact]
    public void Open_and_recent_requests_counters_and_ack_times_are_printed()
    {
        var settings = new PrioritySettings(Controller,
            new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 47211), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
        var device = new DeviceDefinition("junction1", PriorityDeviceConfig.Protocol, "udp://127.0.0.1:1161", PriorityDeviceConfig.Points("junction1", 1000)) { Settings = settings };
        var runtime = new PriorityRuntime(new EdgeSettings(new City.Edge.Configuration.EdgeOptions(), [device]), TimeProvider.System);
        var board = runtime.Board.For("junction1");
        var at = DateTimeOffset.Parse("2026-12-05T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        board.Acked(0.4);
        board.Acked(0.6);
        board.Publish([new PriorityRequestView(2, "BUS-77", "L9", 2, 3, 1, "central", "granted", "activeProcessing", at, at.AddSeconds(15), at.AddSeconds(25), 0.5, "activeProcessing")],
            new Dictionary<string, long> { ["requested"] = 2, ["granted"] = 2, ["served"] = 1, ["cancelled"] = 0, ["rejected"] = 0 });
        board.Closed(new PriorityRequestView(1, "BUS-42", "L5", 1, 3, 1, "obu", "served", "closedCompleted", at, at.AddSeconds(20), at.AddSeconds(30), 0.6, "bus passed"));
        var document = JsonSerializer.SerializeToElement(runtime.Views(), PriorityJsonContext.Default.ListPriorityDeviceView);
        using var output = new StringWriter();

        PriorityView.Print(document, output);

        var text = output.ToString();
        Assert.Contains("junction1  controller 127.0.0.1:1161  buses on 127.0.0.1:47211", text, StringComparison.Ordinal);
        Assert.Contains("requested 2  granted 2  served 1  cancelled 0  rejected 0  malformed 0  dropped 0", text, StringComparison.Ordinal);
        Assert.Contains("ack       median 0.4  p95 0.6  max 0.6 over the last 2 requests", text, StringComparison.Ordinal);
        Assert.Contains("open (1)", text, StringComparison.Ordinal);
        Assert.Matches(@"\n    2    BUS-77 +L9 +2 +3/1 +granted +activeProcessing +0\.5 ", text);
        Assert.Matches(@"\n    1    BUS-42 +L5 +1 +3/1 +served +closedCompleted +0\.6 ", text);
    }

    [Fact]
    public void An_edge_without_a_priority_device_says_so()
    {
        using var output = new StringWriter();
        PriorityView.Print(JsonSerializer.SerializeToElement(new List<PriorityDeviceView>(), PriorityJsonContext.Default.ListPriorityDeviceView), output);
        Assert.Equal("no bus priority device (Edge:Devices with Protocol ntcip1211)" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void The_plan_names_the_socket_the_poll_and_the_objects()
    {
        var settings = new PrioritySettings(Controller,
            null, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
        var device = new DeviceDefinition("junction1", PriorityDeviceConfig.Protocol, "udp://127.0.0.1:1161", PriorityDeviceConfig.Points("junction1", 1000)) { Settings = settings };
        var plan = JsonSerializer.SerializeToElement((PriorityPlanDocument)new PriorityDriver().DescribePlan(device), PriorityJsonContext.Default.PriorityPlanDocument);
        using var output = new StringWriter();

        PlanView.Print(plan, output);

        var text = output.ToString();
        Assert.Contains("device    junction1  ntcip1211 udp://127.0.0.1:1161", text, StringComparison.Ordinal);
        Assert.Contains("buses     none (central's priority commands only)  status every 250 ms  expiry 60 s after departure", text, StringComparison.Ordinal);
        Assert.Contains("SET 1.3.6.1.4.1.1206.4.2.11.2.1.0 prgPriorityRequest (check-in)", text, StringComparison.Ordinal);
    }
}
