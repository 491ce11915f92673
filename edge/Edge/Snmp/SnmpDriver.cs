using System.Text.Json.Serialization.Metadata;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace City.Edge.Snmp;

/// <summary>SNMP devices (Edge:Devices with Protocol snmp) and the trap listener (Edge:Snmp).</summary>
internal sealed class SnmpDriver : IProtocolDriver
{
    public string Name => "snmp";

    public IReadOnlyList<string> DeviceProtocols { get; } = [SnmpDeviceConfig.SnmpProtocol];

    public bool Handles(DeviceDefinition device) => device?.Settings is SnmpDeviceSettings;

    public ProtocolConfigKeys ConfigKeys => SnmpConfigSchema.Keys;

    public IReadOnlyList<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> devices, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(edge);
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(errors);
        SnmpDeviceConfig.ValidateEdge(TrapOptions(edge), errors);
        var result = new List<DeviceDefinition>();
        foreach (var entry in devices)
        {
            var before = errors.Count;
            if (SnmpDeviceConfig.Validate(entry.Section, entry.Key, errors) is { } device && errors.Count == before)
            {
                result.Add(device);
            }
        }

        return result;
    }

    /// <summary>Edge:Snmp, bound (defaults when absent).</summary>
    public static SnmpEdgeOptions TrapOptions(IConfigurationSection? edge) => edge?.GetSection("Snmp").Get<SnmpEdgeOptions>() ?? new SnmpEdgeOptions();

    public object DescribePlan(DeviceDefinition device) => SnmpPlanDocument.Build(device);

    public IJsonTypeInfoResolver JsonTypes => SnmpJsonContext.Default;

    public void AddServices(IServiceCollection services, EdgeSettings settings)
    {
        services.AddSingleton(sp => new SnmpRuntime(sp.GetRequiredService<TimeProvider>())); // created by the container so that it is disposed on stop
        services.AddSingleton<SnmpPointWriter>();
        services.AddSingleton<IDeviceRunner, SnmpDeviceRunner>();
        services.AddSingleton<SnmpTrapListener>();
        services.AddHostedService(sp => sp.GetRequiredService<SnmpTrapListener>());
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }
}

/// <summary>Polls an SNMP device with a <see cref="SnmpDevicePoller"/> (known to the runtime, for traps) and writes with SET.</summary>
internal sealed partial class SnmpDeviceRunner(SnmpRuntime runtime, SnmpPointWriter? writer = null, ILoggerFactory? loggers = null) : IDeviceRunner
{
    private readonly ILogger _logger = (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<SnmpDeviceRunner>();
    private readonly SnmpPointWriter _writer = writer ?? new SnmpPointWriter(runtime, (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<SnmpPointWriter>());

    public bool Handles(DeviceDefinition device) => device?.Settings is SnmpDeviceSettings;

    public async Task RunAsync(DeviceDefinition device, DeviceRunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        var poller = runtime.CreatePoller(device, context.Rank, context.DeviceCount, context.Readings, context.State, context.Logger);
        LogStarting(_logger, device.Name, device.Endpoint, device.Points.Count, SnmpDevicePoller.Plan(device).Sum(g => g.Columns.Count + (g.Scalars.Count > 0 ? 1 : 0)));
        await poller.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<WriteResult> WriteAsync(DeviceDefinition device, DevicePoint point, PointWriteValue value, CancellationToken cancellationToken) =>
        _writer.WriteAsync(device, (SnmpPoint)point, value, cancellationToken);

    /// <summary>One GET of the point's object, decoded as a poll decodes it (scale, offset, type).</summary>
    public async Task<City.Contract.PointValue?> ReadBackAsync(DeviceDefinition device, DevicePoint point, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        var snmpPoint = (SnmpPoint)point;
        var answer = await runtime.Manager.GetAsync(device.SnmpSettings!.Target(), snmpPoint.Snmp.Oid, cancellationToken).ConfigureAwait(false);
        if (answer.Value.IsException)
        {
            throw new InvalidDataException($"{device.Endpoint} has no object {snmpPoint.Snmp.Oid} ({answer.Value.Type})");
        }

        return SnmpPointDecoding.TryDecode(snmpPoint, answer.Value, out var value, out var error) ? value : throw new InvalidDataException(error);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Polling {Device} at {Endpoint}: {Points} points in {Requests} requests per cycle")]
    private static partial void LogStarting(ILogger logger, string device, string endpoint, int points, int requests);
}
