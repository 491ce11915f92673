using System.Text.Json.Serialization.Metadata;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace City.Edge.Dali;

/// <summary>A point of a DALI line: the line's own (bus power, events, unknown gear) or a gear's ("g3.level").</summary>
internal sealed record DaliPoint(string Device, string Name, PointType Type, string Unit, int PeriodMs, string Description)
    : DevicePoint(Device, Name, Unit, PeriodMs, Description)
{
    public override PointType PointType => Type;

    public override bool IsEvent => Name == DaliLineDefinition.EventsPointName;
}

/// <summary>
/// DALI lines (Edge:DaliLines), each a device of protocol "dali" to the core: polled by the <see cref="DaliLineRunner"/>,
/// shown in the status and points like any device, and driven through its own endpoints (/v1/dali: scan, commission, set).
/// </summary>
internal sealed class DaliDriver : IProtocolDriver
{
    public const string Protocol = "dali";

    public string Name => "dali";

    /// <summary>None: DALI lines have their own section, Edge:DaliLines.</summary>
    public IReadOnlyList<string> DeviceProtocols { get; } = [];

    public bool Handles(DeviceDefinition device) => device?.Settings is DaliLineDefinition;

    public ProtocolConfigKeys ConfigKeys => DaliConfigSchema.Keys;

    public IReadOnlyList<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> devices, List<string> errors) =>
        DaliConfigValidator.Validate(edge, errors).Select(ToDevice).ToList();

    public static DeviceDefinition ToDevice(DaliLineDefinition line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var prefix = line.Name + "/";
        var points = line.Catalogue().Select(p => (DevicePoint)new DaliPoint(line.Name, p.Id[prefix.Length..], p.Type, p.Unit,
            (int)PeriodOf(line, p).TotalMilliseconds, p.Description)).ToList();
        return new DeviceDefinition(line.Name, Protocol, line.Port, points, line.Enabled) { Settings = line };
    }

    private static TimeSpan PeriodOf(DaliLineDefinition line, PointInfo point) =>
        DaliGearDefinition.IsD4iPoint(point.Id[(point.Id.LastIndexOf('.') + 1)..]) ? line.DiagnosticsPeriod
        : point.Unit is "W" or "Wh" ? line.EnergyPeriod
        : line.StatusPeriod;

    public object DescribePlan(DeviceDefinition device) => DaliPlanDocument.Build(device);

    public IJsonTypeInfoResolver JsonTypes => DaliJsonContext.Default;

    public void AddServices(IServiceCollection services, EdgeSettings settings)
    {
        services.AddSingleton(new DaliLineRegistry(settings.DaliLines));
        services.AddSingleton<DaliCommandService>();
        services.TryAddSingleton<IDaliMasterFactory>(sp => new LubaMasterFactory(sp.GetRequiredService<TimeProvider>())); // a factory registered before is kept: tests
        services.AddSingleton<IDeviceRunner, DaliLineRunner>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => endpoints.MapDali();
}

/// <summary>GET /v1/devices/{line}/plan of a DALI line: what each period reads on the bus.</summary>
internal sealed record DaliPlanDocument(string Device, string Protocol, string Endpoint, bool Enabled, int StatusPeriodMs, int EnergyPeriodMs, int DiscoveryPeriodMs, bool ProgramGroups, IReadOnlyList<DaliPlanGearDocument> Gear)
{
    /// <summary>D4i diagnostics period (identity is read when a gear is found or answers again).</summary>
    public int DiagnosticsPeriodMs { get; init; }

    public static DaliPlanDocument Build(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var line = device.SettingsOf<DaliLineDefinition>();
        return new DaliPlanDocument(device.Name, device.Protocol, device.Endpoint, device.Enabled, (int)line.StatusPeriod.TotalMilliseconds,
            (int)line.EnergyPeriod.TotalMilliseconds, (int)line.DiscoveryPeriod.TotalMilliseconds, line.ProgramGroups,
            line.Gear.Select(g => new DaliPlanGearDocument(g.Address, g.Location, Enumerable.Range(0, 16).Where(b => (g.Groups & (1 << b)) != 0).ToList())).ToList())
        {
            DiagnosticsPeriodMs = (int)line.DiagnosticsPeriod.TotalMilliseconds,
        };
    }
}

internal sealed record DaliPlanGearDocument(int Address, string Location, IReadOnlyList<int> Groups);

/// <summary>The DALI lines of the settings.</summary>
internal static class DaliSettings
{
    extension(EdgeSettings settings)
    {
        public IReadOnlyList<DaliLineDefinition> DaliLines => settings.Devices.Select(d => d.Settings).OfType<DaliLineDefinition>().ToList();
    }
}
