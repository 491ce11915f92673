using System.Text.Json.Serialization.Metadata;
using City.Edge.Commands;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.Ntcip1211;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Priority;

/// <summary>
/// Bus priority at a signalised intersection (Edge:Devices with Protocol ntcip1211): requests from the buses' on-board
/// units (UDP) or from central (priority commands) sent to the traffic controller as NTCIP 1211 over SNMP, tracked to the end.
/// </summary>
internal sealed class PriorityDriver : IProtocolDriver
{
    public string Name => "priority";

    public IReadOnlyList<string> DeviceProtocols { get; } = [PriorityDeviceConfig.Protocol];

    public bool Handles(DeviceDefinition device) => device?.Settings is PrioritySettings;

    public ProtocolConfigKeys ConfigKeys => PriorityConfigSchema.Keys;

    public IReadOnlyList<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> devices, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var result = devices.Select(entry => PriorityDeviceConfig.Validate(entry, errors)).OfType<DeviceDefinition>().ToList();
        foreach (var shared in result.Where(d => d.SettingsOf<PrioritySettings>().Listen is not null)
                     .GroupBy(d => d.SettingsOf<PrioritySettings>().Listen!.ToString(), StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"Edge:Devices: ntcip1211 devices {string.Join(", ", shared.Select(d => $"'{d.Name}'"))} share the Listen address {shared.Key}");
        }

        return result;
    }

    public object DescribePlan(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var settings = device.SettingsOf<PrioritySettings>();
        return new PriorityPlanDocument(device.Name, device.Protocol, device.Endpoint, device.Enabled, settings.BusLinks,
            (int)settings.StatusPoll.TotalMilliseconds, (int)settings.Expiry.TotalSeconds,
            [
                $"SET {Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityRequest)} prgPriorityRequest (check-in)",
                $"SET {Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityUpdate)} prgPriorityUpdate (new estimates)",
                $"SET {Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityCancel)} prgPriorityCancel (check-out, cancel, expiry)",
                $"SET {Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityStatusControl)} prgPriorityStatusControl + GET {Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityStatusBuffer)} prgPriorityStatusBuffer (each open request, every status poll)",
                $"SET {Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityClear)} prgPriorityClear (after a final status)",
            ]);
    }

    public IJsonTypeInfoResolver JsonTypes => PriorityJsonContext.Default;

    public void AddServices(IServiceCollection services, EdgeSettings settings)
    {
        services.AddSingleton(sp => new PriorityRuntime(settings, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IPriorityCommands>(sp => sp.GetRequiredService<PriorityRuntime>());
        services.AddSingleton<IDeviceRunner, PriorityDeviceRunner>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/v1/priority", (PriorityRuntime runtime) => Results.Json(runtime.Views(), PriorityJsonContext.Default.ListPriorityDeviceView));
}
