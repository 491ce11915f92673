using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace City.Edge.Polling;

/// <summary>
/// Runs one <see cref="DevicePoller"/> loop per device, independently: a dead or slow device never delays another.
/// A loop that fails unexpectedly is logged and restarted after a pause.
/// </summary>
internal sealed partial class PollingService(
    EdgeSettings settings,
    IDeviceClientFactory factory,
    ReadingQueue queue,
    EdgeState state,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    City.Edge.Snmp.SnmpRuntime? snmp = null) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<PollingService>();
    private readonly City.Edge.Snmp.SnmpRuntime _snmp = snmp ?? new City.Edge.Snmp.SnmpRuntime(time);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var disabled in settings.Devices.Where(d => !d.Enabled))
        {
            LogDisabled(_logger, disabled.Name);
        }

        var devices = settings.Devices.Where(d => d.Enabled).ToList();
        if (devices.Count == 0)
        {
            LogNoDevices(_logger);
        }

        var loops = devices.Select((device, rank) => RunDeviceAsync(device, rank, devices.Count, stoppingToken)).ToList();
        return Task.WhenAll(loops);
    }

    private async Task RunDeviceAsync(DeviceDefinition device, int rank, int count, CancellationToken stoppingToken)
    {
        // Leave the caller's thread at once: one device's synchronous work must not delay the start of the others.
        await Task.Yield();
        var logger = loggerFactory.CreateLogger($"City.Edge.Polling.Device.{device.Name}");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (device.Protocol == DeviceDefinition.Snmp)
                {
                    var snmpPoller = _snmp.CreatePoller(device, rank, count, queue.Writer, state, logger);
                    LogStarting(_logger, device.Name, device.Endpoint, device.Points.Count, City.Edge.Snmp.SnmpDevicePoller.Plan(device).Sum(g => g.Columns.Count + (g.Scalars.Count > 0 ? 1 : 0)));
                    await snmpPoller.RunAsync(stoppingToken).ConfigureAwait(false);
                    continue;
                }

                var poller = new DevicePoller(device, rank, count, factory, queue.Writer, state, time, logger);
                LogStarting(_logger, device.Name, device.Endpoint, device.Points.Count, poller.Requests.Count);
                await poller.RunAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(_logger, ex, device.Name);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device} is disabled (Enabled=false): not polled")]
    private static partial void LogDisabled(ILogger logger, string device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No device to poll (Edge:Devices is empty or every device has Enabled=false)")]
    private static partial void LogNoDevices(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Polling {Device} at {Endpoint}: {Points} points in {Requests} requests per cycle")]
    private static partial void LogStarting(ILogger logger, string device, string endpoint, int points, int requests);

    [LoggerMessage(Level = LogLevel.Error, Message = "The polling loop of {Device} failed; restarting it in 5 s")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, string device);
}
