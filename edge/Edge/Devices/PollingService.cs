using City.Edge.Buffer;
using City.Edge.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace City.Edge.Devices;

/// <summary>
/// Runs one loop per enabled device, through the <see cref="IDeviceRunner"/> of its protocol, independently: a dead or
/// slow device never delays another. A loop that fails unexpectedly is logged and restarted after a pause. Each loop is a
/// <see cref="LoopLiveness"/> loop that beats whenever its device records a poll cycle (whatever the outcome).
/// </summary>
internal sealed partial class PollingService(
    EdgeSettings settings,
    IEnumerable<IDeviceRunner> runners,
    ReadingQueue queue,
    EdgeState state,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    LoopLiveness? liveness = null) : BackgroundService
{
    private readonly LoopLiveness _liveness = liveness ?? new LoopLiveness(time);

    /// <summary>Paused before a failed loop restarts.</summary>
    private static readonly TimeSpan RestartPause = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = loggerFactory.CreateLogger<PollingService>();
    private readonly List<IDeviceRunner> _runners = runners.ToList();

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
        var logger = loggerFactory.CreateLogger($"City.Edge.Devices.Device.{device.Name}");
        var deviceState = state.Device(device.Name);
        using var heartbeat = _liveness.Register("poller " + device.Name, QuietAllowance(device));
        deviceState.Polled = heartbeat.Beat;
        try
        {
            await PollUntilStoppedAsync(device, rank, count, logger, heartbeat, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            deviceState.Polled = null;
        }
    }

    /// <summary>
    /// How long a device's poller may go without a recorded poll: two of its shortest point periods (a cycle may end just
    /// after a slot). <see cref="LoopLiveness.Grace"/> comes on top and covers a slow cycle and the pause before a failed loop restarts.
    /// </summary>
    internal static TimeSpan QuietAllowance(DeviceDefinition device)
    {
        var shortest = device.Points.Count == 0 ? 0 : device.Points.Min(p => p.PeriodMs);
        return TimeSpan.FromMilliseconds(2.0 * shortest);
    }

    private async Task PollUntilStoppedAsync(DeviceDefinition device, int rank, int count, ILogger logger, LoopHeartbeat heartbeat, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var runner = _runners.FirstOrDefault(r => r.Handles(device))
                    ?? throw new InvalidOperationException($"no driver runs the devices of protocol '{device.Protocol}'");
                await runner.RunAsync(device, new DeviceRunContext(rank, count, queue.Writer, state, logger), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(_logger, ex, device.Name);
                heartbeat.Beat();
                try
                {
                    await Task.Delay(RestartPause, time, stoppingToken).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "The polling loop of {Device} failed; restarting it in 5 s")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, string device);
}
