using System.Text.Json.Serialization.Metadata;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.Tic;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Tic;

/// <summary>
/// Linky meters' téléinformation outputs (Edge:Devices with Protocol tic): each a device whose runner listens to its
/// serial line and publishes the latest values of the labels at the device's publish period.
/// </summary>
internal sealed class TicDriver : IProtocolDriver
{
    public string Name => "tic";

    public IReadOnlyList<string> DeviceProtocols { get; } = [TicDeviceConfig.Protocol];

    public bool Handles(DeviceDefinition device) => device?.Settings is TicDeviceSettings;

    public ProtocolConfigKeys ConfigKeys => TicConfigSchema.Keys;

    public IReadOnlyList<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> devices, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var result = new List<DeviceDefinition>();
        foreach (var entry in devices)
        {
            if (TicDeviceConfig.Validate(entry, errors) is { } device)
            {
                result.Add(device);
            }
        }

        var ports = result.GroupBy(d => d.SettingsOf<TicDeviceSettings>().SerialPort, StringComparer.Ordinal).Where(g => g.Count() > 1);
        foreach (var shared in ports)
        {
            errors.Add($"Edge:Devices: tic devices {string.Join(", ", shared.Select(d => $"'{d.Name}'"))} share the serial port {shared.Key} (one meter per port)");
        }

        return result;
    }

    public object DescribePlan(DeviceDefinition device) => TicPlanDocument.Build(device);

    public IJsonTypeInfoResolver JsonTypes => TicJsonContext.Default;

    public void AddServices(IServiceCollection services, EdgeSettings settings) => services.AddSingleton<IDeviceRunner, TicDeviceRunner>();

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }
}

/// <summary>GET /v1/devices/{meter}/plan of a TIC meter: nothing is asked, the meter pushes; what is listened to and published.</summary>
internal sealed record TicPlanDocument(string Device, string Protocol, string Endpoint, bool Enabled, string Mode, IReadOnlyList<int> BaudRates, int PublishPeriodMs, int Points)
{
    public static TicPlanDocument Build(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var settings = device.SettingsOf<TicDeviceSettings>();
        return new TicPlanDocument(device.Name, device.Protocol, device.Endpoint, device.Enabled, settings.Mode?.Name() ?? "auto",
            settings.Mode is { } mode ? [mode.BaudRate()] : [TicModes.StandardBaudRate, TicModes.HistoricBaudRate], (int)settings.PublishPeriod.TotalMilliseconds,
            device.Points.Count);
    }
}
