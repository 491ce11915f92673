using System.Text.Json.Serialization.Metadata;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Modbus;

/// <summary>Modbus TCP and Modbus RTU devices (Edge:Devices with Protocol modbus-tcp or modbus-rtu, and Edge:SerialLines).</summary>
internal sealed class ModbusDriver : IProtocolDriver
{
    public string Name => "modbus";

    public IReadOnlyList<string> DeviceProtocols { get; } = [ModbusDevice.TcpProtocol, ModbusDevice.RtuProtocol];

    public bool Handles(DeviceDefinition device) => device.IsModbus();

    public ProtocolConfigKeys ConfigKeys => ModbusConfigSchema.Keys;

    public IReadOnlyList<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> devices, List<string> errors) =>
        ModbusConfigValidator.Validate(edge, devices, errors);

    public object DescribePlan(DeviceDefinition device) => ModbusPlanDocument.Build(device);

    public IJsonTypeInfoResolver JsonTypes => ModbusJsonContext.Default;

    public void AddServices(IServiceCollection services, EdgeSettings settings)
    {
        // Created by the container so that it is disposed on stop (closes the connections and serial lines). One client per
        // device, shared by its poller and the point writer.
        services.AddSingleton<IDeviceClientFactory>(sp => new SharedDeviceClients(new ProtocolDeviceClientFactory(sp.GetRequiredService<TimeProvider>())));
        services.AddSingleton<IDeviceRunner, ModbusDeviceRunner>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }
}

/// <summary>Polls a Modbus device with a <see cref="DevicePoller"/> and writes its points with the <see cref="ModbusPointWriter"/>.</summary>
internal sealed partial class ModbusDeviceRunner(IDeviceClientFactory clients, TimeProvider time, ILoggerFactory? loggers = null) : IDeviceRunner
{
    private readonly ILogger _logger = (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<ModbusDeviceRunner>();
    private readonly ModbusPointWriter _writer = new(clients, (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<ModbusPointWriter>());

    public bool Handles(DeviceDefinition device) => device.IsModbus();

    public async Task RunAsync(DeviceDefinition device, DeviceRunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        var poller = new DevicePoller(device, context.Rank, context.DeviceCount, clients, context.Readings, context.State, time, context.Logger);
        LogStarting(_logger, device.Name, device.Endpoint, device.Points.Count, poller.Requests.Count);
        await poller.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<WriteResult> WriteAsync(DeviceDefinition device, DevicePoint point, PointWriteValue value, CancellationToken cancellationToken) =>
        _writer.WriteAsync(device, (PointDefinition)point, value, cancellationToken);

    public string? CheckWrite(DeviceDefinition device, DevicePoint point, PointWriteValue value) =>
        PointEncoding.TryEncode((PointDefinition)point, value, out _, out var error) ? null : error;

    /// <summary>One request for the point's registers or bit, through the device's shared client (behind the request on the wire).</summary>
    public async Task<City.Contract.PointValue?> ReadBackAsync(DeviceDefinition device, DevicePoint point, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        var p = (PointDefinition)point;
        await using var client = clients.Create(device);
        if (p.Table.IsBitTable())
        {
            var bits = await client.ReadBitsAsync(p.Table, p.Register, 1, cancellationToken).ConfigureAwait(false);
            return City.Contract.PointValue.FromBoolean(bits[0]);
        }

        var registers = await client.ReadAsync(p.Table, p.Register, (ushort)p.Width, cancellationToken).ConfigureAwait(false);
        return PointDecoding.DecodeValue(p, registers);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Polling {Device} at {Endpoint}: {Points} points in {Requests} requests per cycle")]
    private static partial void LogStarting(ILogger logger, string device, string endpoint, int points, int requests);
}
