using System.Text.Json.Serialization.Metadata;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace City.Edge.MBus;

/// <summary>M-Bus meters (Edge:Devices with Protocol mbus) on the lines of Edge:MBusLines.</summary>
internal sealed class MBusDriver : IProtocolDriver
{
    public string Name => "mbus";

    public IReadOnlyList<string> DeviceProtocols { get; } = [MBusConfig.Protocol];

    public ProtocolConfigKeys ConfigKeys => MBusConfigSchema.Keys;

    public bool Handles(DeviceDefinition device) => device?.Settings is MBusMeterSettings;

    public IReadOnlyList<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> devices, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(edge);
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(errors);
        var lines = MBusConfig.ValidateLines(edge, errors);
        var result = new List<DeviceDefinition>();
        foreach (var entry in devices)
        {
            if (MBusConfig.ValidateDevice(entry, lines, errors) is { } device)
            {
                result.Add(device);
            }
        }

        return result;
    }

    public IJsonTypeInfoResolver JsonTypes => MBusJsonContext.Default;

    public object DescribePlan(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var meter = device.SettingsOf<MBusMeterSettings>();
        return new MBusPlanDocument(
            device.Name, device.Protocol, meter.Line.Name, meter.Line.Serial.PortName, meter.Line.Serial.BaudRate, meter.Address,
            device.PointsOf<MBusPoint>().Select(p => new MBusPlanPointDocument(p.Name, p.Quantity, p.Storage, p.Tariff, p.Subunit, p.Function.ToString(), p.Unit, p.PeriodMs)).ToList());
    }

    public void AddServices(IServiceCollection services, EdgeSettings settings)
    {
        services.AddSingleton(sp => new MBusLines(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IDeviceRunner, MBusMeterRunner>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }
}

/// <summary>GET /v1/devices/{name}/plan for a meter: one REQ_UD2 per cycle, and the records taken as points.</summary>
internal sealed record MBusPlanDocument(string Device, string Protocol, string Line, string Port, int BaudRate, string Address, IReadOnlyList<MBusPlanPointDocument> Points);

internal sealed record MBusPlanPointDocument(string Name, string Quantity, long Storage, int Tariff, int Subunit, string Function, string Unit, int PeriodMs);

/// <summary>Polls one meter with a <see cref="MBusMeterPoller"/> through its line's shared client. Meters are read-only.</summary>
internal sealed class MBusMeterRunner(MBusLines lines, TimeProvider time) : IDeviceRunner
{
    public bool Handles(DeviceDefinition device) => device?.Settings is MBusMeterSettings;

    public Task RunAsync(DeviceDefinition device, DeviceRunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        var meter = device.SettingsOf<MBusMeterSettings>();
        context.Logger.LogInformation("Polling M-Bus meter {Device} at {Address} on line {Line} ({Port}, {Baud} baud): {Points} points", device.Name, meter.Address, meter.Line.Name, meter.Line.Serial.PortName, meter.Line.Serial.BaudRate, device.Points.Count);
        return new MBusMeterPoller(device, lines.For(meter.Line), context, time).RunAsync(cancellationToken);
    }

    public Task<WriteResult> WriteAsync(DeviceDefinition device, DevicePoint point, PointWriteValue value, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"M-Bus point {point?.Id} is read-only");
}
