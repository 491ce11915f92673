using System.Text.Json;
using City.Edge.Devices;
using City.Edge.Tic;
using City.Protocols.Tic;

namespace City.EdgeCtl.Tests;

/// <summary><c>edgectl plan METER</c> of a TIC meter: the document the edge serves, as the technician reads it.</summary>
public sealed class TicPlanViewTests
{
    [Fact]
    public void The_plan_of_a_meter_in_auto_mode_names_both_speeds_and_the_period()
    {
        var settings = new TicDeviceSettings("/dev/ttyAMA0", null, TimeSpan.FromSeconds(10));
        var device = new DeviceDefinition("linky", "tic", "serial:///dev/ttyAMA0", TicDeviceConfig.Points("linky", settings)) { Settings = settings };
        var plan = JsonSerializer.SerializeToElement(TicPlanDocument.Build(device), JsonSerializerOptions.Web);
        using var output = new StringWriter();

        PlanView.Print(plan, output);

        var text = output.ToString();
        Assert.Contains("device    linky  tic serial:///dev/ttyAMA0  mode auto", text, StringComparison.Ordinal);
        Assert.Contains($"listening continuously at {TicModes.StandardBaudRate} then {TicModes.HistoricBaudRate} baud 7E1", text, StringComparison.Ordinal);
        Assert.Contains($"every 10000 ms: the values of the next whole frame, {device.Points.Count} points", text, StringComparison.Ordinal);
    }
}
