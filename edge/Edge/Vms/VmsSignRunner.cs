using City.Contract;
using City.Contract.Wire;
using City.Edge.Devices;
using City.Protocols.Ntcip1203;
using City.Protocols.Snmp;

namespace City.Edge.Vms;

/// <summary>
/// Reads one sign every StatusPeriodMs, or at once after an operation: its geometry (once), the current message and the
/// status objects, reported as the sign's points; changes of the message and of each fault are also events.
/// </summary>
internal sealed class VmsSignRunner(VmsSigns signs, TimeProvider time) : IDeviceRunner
{
    public bool Handles(DeviceDefinition device) => device?.Settings is VmsDeviceSettings;

    public async Task RunAsync(DeviceDefinition device, DeviceRunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        var settings = device.SettingsOf<VmsDeviceSettings>();
        var points = device.PointsOf<VmsPoint>().ToDictionary(p => p.Name, StringComparer.Ordinal);
        var state = context.State.Device(device.Name);
        var wake = signs.WakeOf(device.Name);
        var client = signs.Client(device, write: false);
        SignMessage? lastMessage = null;
        SignStatus? lastStatus = null;
        var last = DateTimeOffset.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            if (now <= last)
            {
                now = last.AddMilliseconds(1);
            }

            last = now;
            try
            {
                var geometry = await signs.GeometryAsync(device, cancellationToken).ConfigureAwait(false);
                var message = await client.ReadCurrentAsync(cancellationToken).ConfigureAwait(false);
                var status = await client.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
                string text = signs.PlainText(device.Name, message.Multi);
                string source = message.Source is { } s ? $"{s.Memory.ToString().ToLowerInvariant()} {s.MessageNumber}" : "unknown";
                await Report(VmsDeviceConfig.MessagePoint, PointValue.FromText(text));
                await Report(VmsDeviceConfig.MultiPoint, PointValue.FromText(message.Multi));
                await Report(VmsDeviceConfig.SourcePoint, PointValue.FromText(source));
                await Report(VmsDeviceConfig.FaultsPoint, PointValue.FromText(status.Describe()));
                await Report(VmsDeviceConfig.ShortErrorStatusPoint, PointValue.FromNumber((int)status.Errors));
                await Report(VmsDeviceConfig.PixelFailuresPoint, PointValue.FromNumber(status.PixelFailures));
                await Report(VmsDeviceConfig.LampFailuresPoint, PointValue.FromNumber(status.LampFailures));
                await Report(VmsDeviceConfig.DoorOpenPoint, PointValue.FromBoolean(status.DoorOpen));
                await Report(VmsDeviceConfig.ControllerErrorPoint, PointValue.FromBoolean(status.ControllerErrors != 0));
                foreach (var change in Changes(lastMessage, message, text, lastStatus, status))
                {
                    await Report(VmsDeviceConfig.EventsPoint, PointValue.FromText(change));
                }

                lastMessage = message;
                lastStatus = status;
                signs.Record(new VmsSignView(device.Name, device.Endpoint, device.Enabled, text, message.Multi, source, status.Describe(), (int)status.Errors,
                    status.PixelFailures, status.LampFailures, status.DoorOpen, status.ControllerErrors != 0, geometry.LinesPerPage, geometry.CharactersPerLine,
                    geometry.MaxPages, null, now));
                state.RecordPoll(now, true, null);
            }
            catch (SnmpTimeoutException ex)
            {
                await FailedAsync(ex.Message, PollErrorKinds.Timeout);
            }
            catch (DmsDecodeException ex)
            {
                // A short answer or a value of the wrong type: the device is not the sign we think it is.
                await FailedAsync(ex.Message, PollErrorKinds.Decode);
            }
            catch (SnmpException ex)
            {
                await FailedAsync(ex.Message, PollErrorKinds.Exception);
            }

            await WaitAsync(wake, settings.StatusPeriod, cancellationToken).ConfigureAwait(false);

            async Task FailedAsync(string error, string kind)
            {
                state.RecordPoll(now, false, error, kind);
                signs.Record(signs.View(device.Name) with { LastError = error, ReadAt = now });
                foreach (var point in points.Values.Where(p => !p.IsEvent))
                {
                    if (context.State.Latest().FirstOrDefault(v => v.Id == point.Id) is { } latest)
                    {
                        await context.ReportAsync(point, latest.Value, Quality.CommLoss, now, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            ValueTask Report(string name, PointValue value) => context.ReportAsync(points[name], value, Quality.Good, now, cancellationToken);
        }
    }

    /// <summary>Until the period passed on the injected clock, or an operation woke the runner.</summary>
    private async Task WaitAsync(SemaphoreSlim wake, TimeSpan period, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = wake.WaitAsync(done.Token);
        var elapsed = Task.Delay(period, time, done.Token);
        await Task.WhenAny(woken, elapsed).ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(woken, elapsed).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The one that did not finish first was cancelled: expected.
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The events between two reads: the message, then each fault that appeared or went.</summary>
    public static IEnumerable<string> Changes(SignMessage? before, SignMessage message, string text, SignStatus? was, SignStatus status)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(status);
        if (before is null || before.Multi != message.Multi)
        {
            yield return message.Multi.Length == 0 ? "sign-blanked" : $"message-shown: {text}";
        }

        if ((was?.PixelFailures ?? 0) != status.PixelFailures)
        {
            yield return status.PixelFailures == 0 ? "pixel-failures-cleared" : $"pixel-failures: {status.PixelFailures}";
        }

        if ((was?.LampFailures ?? 0) != status.LampFailures)
        {
            yield return status.LampFailures == 0 ? "lamp-failures-cleared" : $"lamp-failures: {status.LampFailures}";
        }

        if ((was?.DoorOpen ?? false) != status.DoorOpen)
        {
            yield return status.DoorOpen ? "door-open" : "door-closed";
        }

        if ((was?.ControllerErrors ?? 0) != status.ControllerErrors)
        {
            yield return status.ControllerErrors == 0 ? "controller-error-cleared" : $"controller-error: {status.ControllerErrors}";
        }
    }

    public Task<WriteResult> WriteAsync(DeviceDefinition device, DevicePoint point, PointWriteValue value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(point);
        return Task.FromResult(new WriteResult(point.Id, WriteStatus.Refused, $"{point.Id}: a sign's points are read only (put a message on it with edgectl vms activate or a vms command)", value.ToString()));
    }
}
