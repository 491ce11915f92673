using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Configuration;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace City.Edge.Devices;

/// <summary>
/// One entry of Edge:Devices handed to the driver of its protocol: <see cref="Key"/> is "Edge:Devices:N", <see cref="Protocol"/>
/// its protocol in lower case, <see cref="Section"/> the entry itself, which the driver binds to its own options.
/// </summary>
internal sealed record DeviceEntry(int Index, string Key, string Protocol, IConfigurationSection Section);

/// <summary>
/// What a field protocol brings to the edge. The core validates the common keys, hands each entry of Edge:Devices to the
/// driver whose <see cref="DeviceProtocols"/> names its Protocol, and polls, writes and reports status through the
/// <see cref="IDeviceRunner"/> the driver registers. Adding a protocol means adding a driver, not editing the core.
/// </summary>
internal interface IProtocolDriver
{
    /// <summary>Short name: modbus, snmp, dali.</summary>
    string Name { get; }

    /// <summary>The values of Edge:Devices:N:Protocol this driver takes (none for a protocol configured in its own section).</summary>
    IReadOnlyList<string> DeviceProtocols { get; }

    /// <summary>Its keys in the "Edge" section, with their types: checked before anything is bound.</summary>
    ProtocolConfigKeys ConfigKeys { get; }

    /// <summary>Whether the device is one of this driver's (the ones its <see cref="Validate"/> returned).</summary>
    bool Handles(DeviceDefinition device);

    /// <summary>
    /// Binds and checks the driver's own sections of <paramref name="edge"/> (the "Edge" section, its types already checked)
    /// and its entries of Edge:Devices (names already checked); adds every problem to <paramref name="errors"/> with its key
    /// and returns the valid devices, including any the driver configures in its own section (a DALI line).
    /// </summary>
    IReadOnlyList<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> devices, List<string> errors);

    /// <summary>The JSON document of GET /v1/devices/{name}/plan for one of its devices; its type must be in <see cref="JsonTypes"/>.</summary>
    object DescribePlan(DeviceDefinition device);

    /// <summary>
    /// The source-generated JSON context of its plan document and its own endpoints' documents. The local API serializes
    /// only through such contexts (no reflection, so the trimmed daemon answers the same): a type missing here fails the
    /// request, in the tests as on a cabinet.
    /// </summary>
    IJsonTypeInfoResolver? JsonTypes => null;

    /// <summary>Registers its <see cref="IDeviceRunner"/> and whatever else it runs (a trap listener, a command service).</summary>
    void AddServices(IServiceCollection services, EdgeSettings settings);

    /// <summary>Its own local-API endpoints, if any.</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints);
}

/// <summary>Polls and writes the devices of one protocol (resolved from the container, one per protocol).</summary>
internal interface IDeviceRunner
{
    bool Handles(DeviceDefinition device);

    /// <summary>
    /// Polls the device until cancelled, writing readings to <see cref="DeviceRunContext.Readings"/> and recording each
    /// poll in its <see cref="DeviceState"/>. An exception ends this run; the core logs it and starts a new one after a pause.
    /// </summary>
    Task RunAsync(DeviceDefinition device, DeviceRunContext context, CancellationToken cancellationToken);

    /// <summary>The device is enabled and the point is one of its points; the value is not checked yet.</summary>
    Task<WriteResult> WriteAsync(DeviceDefinition device, DevicePoint point, PointWriteValue value, CancellationToken cancellationToken);

    /// <summary>Why <paramref name="value"/> cannot be written to the point (out of its type's range, say), checked before anything is sent; null when it can.</summary>
    string? CheckWrite(DeviceDefinition device, DevicePoint point, PointWriteValue value) => null;

    /// <summary>Reads the point once, ahead of polling (a remote write's read-back); null when the driver cannot.</summary>
    Task<PointValue?> ReadBackAsync(DeviceDefinition device, DevicePoint point, CancellationToken cancellationToken) => Task.FromResult<PointValue?>(null);
}

/// <summary>What a running device gets from the core: its rank for staggering, the reading sink, the live state, a logger.</summary>
internal sealed record DeviceRunContext(int Rank, int DeviceCount, ChannelWriter<Reading> Readings, EdgeState State, ILogger Logger)
{
    /// <summary>One reading of a point (an event is a text reading of an event point): into the local view and the buffer.</summary>
    public ValueTask ReportAsync(DevicePoint point, PointValue value, Quality quality, DateTimeOffset timestamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(point);
        State.SetLatest(point.Id, point.Alias, point.Unit, value, quality, timestamp);
        return Readings.WriteAsync(new Reading(point.Alias, timestamp.ToUnixTimeMilliseconds(), value, quality), cancellationToken);
    }
}

/// <summary>The drivers the edge was built with (the composition root registers them), found by device.</summary>
internal sealed class ProtocolDrivers(IReadOnlyList<IProtocolDriver> drivers)
{
    public IReadOnlyList<IProtocolDriver> All { get; } = drivers;

    public IProtocolDriver For(DeviceDefinition device) =>
        All.FirstOrDefault(d => d.Handles(device)) ?? throw new InvalidOperationException($"no driver for the devices of protocol '{device?.Protocol}'");
}
