using System.Net;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.Snmp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace City.Edge.Snmp;

/// <summary>
/// Edge:Snmp:TrapListen: receives traps and informs; one from the address of a configured SNMP device becomes an event of
/// that device (trap OID and varbinds as text) and triggers an immediate poll of its alarm points. Others are counted and
/// dropped, logged at most once a minute.
/// </summary>
internal sealed partial class SnmpTrapListener(EdgeSettings settings, SnmpRuntime runtime, ReadingQueue queue, EdgeState state, TimeProvider time, ILogger<SnmpTrapListener> logger) : BackgroundService
{
    private static readonly TimeSpan UnknownLogInterval = TimeSpan.FromMinutes(1);
    private long _unknown;
    private long _accepted;
    private DateTimeOffset _lastUnknownLog = DateTimeOffset.MinValue;

    /// <summary>Traps from senders that are no configured SNMP device (dropped).</summary>
    public long UnknownSenders => Interlocked.Read(ref _unknown);

    /// <summary>Traps turned into events.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>The bound address once listening (a configured port 0 gets a free one).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the receiver is bound (never when no TrapListen is configured).</summary>
    public Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listen = SnmpDriver.TrapOptions(settings.Section).TrapListen;
        if (string.IsNullOrWhiteSpace(listen))
        {
            return;
        }

        var devices = settings.Devices.Where(d => d.Protocol == SnmpDeviceConfig.SnmpProtocol && d.Enabled).ToList();
        SnmpNotificationReceiver created;
        try
        {
            created = SnmpNotificationReceiver.CreateUdp(IPEndPoint.Parse(listen), null, time);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            // The rest of the edge keeps running; polling does not need traps.
            LogCannotListen(logger, ex, listen);
            return;
        }

        await using var receiver = created;
        foreach (var device in devices)
        {
            var snmp = device.SnmpSettings!.Endpoint;
            if (snmp.User is not null)
            {
                receiver.AddUser(snmp.User);
            }
            else
            {
                receiver.AddCommunity(snmp.Community);
            }
        }

        receiver.Start();
        LocalEndPoint = receiver.LocalEndPoint;
        _listening.TrySetResult();
        LogListening(logger, receiver.LocalEndPoint.ToString(), devices.Count);
        try
        {
            await foreach (var notification in receiver.Notifications.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await HandleAsync(devices, notification, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task HandleAsync(List<DeviceDefinition> devices, SnmpNotification notification, CancellationToken cancellationToken)
    {
        var source = notification.Source.Address.IsIPv4MappedToIPv6 ? notification.Source.Address.MapToIPv4() : notification.Source.Address;
        var device = devices.FirstOrDefault(d => d.SnmpSettings!.Endpoint.Address.Address.Equals(source));
        if (device is null)
        {
            var count = Interlocked.Increment(ref _unknown);
            var now = time.GetUtcNow();
            if (now - _lastUnknownLog >= UnknownLogInterval)
            {
                _lastUnknownLog = now;
                LogUnknown(logger, notification.Source.ToString(), notification.TrapOid.ToString(), count);
            }

            return;
        }

        Interlocked.Increment(ref _accepted);
        var varBinds = string.Join(' ', notification.VarBinds.Select(v => v.ToString()));
        var text = $"trap {notification.TrapOid}{(varBinds.Length == 0 ? string.Empty : " " + varBinds)}";
        await SnmpRuntime.EmitEventAsync(device, text, time.GetUtcNow(), queue.Writer, state, cancellationToken).ConfigureAwait(false);
        runtime.RequestAlarmPoll(device.Name);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "SNMP trap listener: cannot listen on {EndPoint}; traps are not received")]
    private static partial void LogCannotListen(ILogger logger, Exception exception, string endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "SNMP trap listener on {EndPoint} for {Devices} devices")]
    private static partial void LogListening(ILogger logger, string endPoint, int devices);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SNMP trap {TrapOid} from {Source}, which is no configured SNMP device: dropped ({Count} such traps so far; logged at most once a minute)")]
    private static partial void LogUnknown(ILogger logger, string source, string trapOid, long count);
}
