using City.Contract;
using City.Contract.Wire;
using City.Edge.Devices;
using City.Protocols.MBus;
using Microsoft.Extensions.Logging;

namespace City.Edge.MBus;

/// <summary>
/// Polls one meter: at the shortest period of its points, one read (SND_NKE then REQ_UD2 by primary address the first time
/// and after a failure, so the meter's frame count state is known; a selection then REQ_UD2 through address 253 by
/// secondary address); every point whose period is due gets its record's value, or config-error when the telegram has no
/// such record or gives it another unit, or comm-loss (with its last value) when the meter does not answer. A meter silent
/// for <see cref="PollBackoff.AfterFailures"/> cycles is asked only every 10th cycle or 30 s, as other devices are.
/// </summary>
internal sealed class MBusMeterPoller(DeviceDefinition device, MBusLineConnection line, DeviceRunContext context, TimeProvider time)
{
    private readonly MBusMeterSettings _meter = device.SettingsOf<MBusMeterSettings>();
    private readonly IReadOnlyList<MBusPoint> _points = device.PointsOf<MBusPoint>();
    private readonly DeviceState _state = context.State.Device(device.Name);
    private readonly Dictionary<string, DateTimeOffset> _due = [];
    private readonly Dictionary<string, PointValue> _last = [];
    private readonly PollBackoff _backoff = PollBackoff.Default;
    private bool _linkReset;
    private int _failures;
    private int _skipped;
    private DateTimeOffset _lastAttempt;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_points.Count == 0)
        {
            return;
        }

        TimeSpan period = TimeSpan.FromMilliseconds(_points.Min(p => p.PeriodMs));
        var stagger = TimeSpan.FromTicks(context.DeviceCount <= 1 ? 0 : period.Ticks * context.Rank / context.DeviceCount);
        var next = PollSchedule.FirstDue(time.GetUtcNow(), stagger);
        foreach (var point in _points)
        {
            _due[point.Name] = next;
        }

        while (true)
        {
            var beforeWait = time.GetUtcNow();
            if (PollSchedule.AfterClockSetBack(next, period, beforeWait) is var realigned && realigned != next)
            {
                next = realigned;
                foreach (var point in _points)
                {
                    _due[point.Name] = realigned;
                }
            }

            var wait = next - beforeWait;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(PollSchedule.RoundedUp(wait), time, cancellationToken).ConfigureAwait(false);
            }

            await PollAsync(cancellationToken).ConfigureAwait(false);
            next = PollSchedule.NextDue(next, period, time.GetUtcNow());
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = _points.Where(p => _due[p.Name] <= now).ToList();
        if (due.Count == 0)
        {
            return;
        }

        foreach (var point in due)
        {
            _due[point.Name] = PollSchedule.NextDue(_due[point.Name], TimeSpan.FromMilliseconds(point.PeriodMs), now);
        }

        if (_failures >= _backoff.AfterFailures && ++_skipped % _backoff.EveryNthCycle != 0 && now - _lastAttempt < _backoff.MaxInterval)
        {
            _state.RecordPoll(now, false, $"backed off after {_failures} silent cycles", PollErrorKinds.BackedOff);
            await ReportAllAsync(due, now, Quality.CommLoss, cancellationToken).ConfigureAwait(false);
            return;
        }

        _lastAttempt = now;
        MBusTelegram telegram;
        try
        {
            telegram = await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MBusException or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            _failures++;
            _linkReset = false;
            string kind = ex is MBusException ? PollErrorKinds.Timeout : PollErrorKinds.Link;
            _state.RecordPoll(now, false, $"{_meter.Address}: {ex.Message}", kind);
            if (_failures == 1)
            {
                context.Logger.LogWarning("M-Bus meter {Device} ({Address}): {Error}", device.Name, _meter.Address, ex.Message);
            }

            await ReportAllAsync(due, now, Quality.CommLoss, cancellationToken).ConfigureAwait(false);
            return;
        }

        _failures = 0;
        _skipped = 0;
        var timestamp = time.GetUtcNow();
        string? missing = null;
        foreach (var point in due)
        {
            var record = telegram.Records.FirstOrDefault(point.Matches);
            if (record?.Value is { } value && record.Unit == point.RecordUnit)
            {
                var reading = PointValue.FromNumber(value * point.Scale);
                _last[point.Name] = reading;
                await context.ReportAsync(point, reading, Quality.Good, timestamp, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                missing ??= record is null ? $"no record {point.Quantity} (storage {point.Storage}, tariff {point.Tariff}, subunit {point.Subunit}) for point {point.Name}"
                    : $"record {record.Header} of point {point.Name} is '{record.Text}' {record.Unit}, not a number in {point.RecordUnit}";
                await context.ReportAsync(point, LastOf(point), Quality.ConfigError, timestamp, cancellationToken).ConfigureAwait(false);
            }
        }

        _state.RecordPoll(timestamp, missing is null, missing, missing is null ? null : PollErrorKinds.Decode);
    }

    private async Task<MBusTelegram> ReadAsync(CancellationToken cancellationToken)
    {
        var client = await line.ClientAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_meter.Secondary is { } secondary)
            {
                return await client.ReadSecondaryAsync(secondary, cancellationToken).ConfigureAwait(false);
            }

            byte primary = _meter.Primary!.Value;
            if (!_linkReset)
            {
                if (!await client.ResetAsync(primary, cancellationToken).ConfigureAwait(false))
                {
                    throw new MBusException($"primary address {primary} did not acknowledge SND_NKE");
                }

                _linkReset = true;
            }

            return await client.ReadAsync(primary, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            line.Reset(client);
            throw;
        }
    }

    private PointValue LastOf(MBusPoint point) => _last.TryGetValue(point.Name, out var value) ? value : PointValue.FromNumber(double.NaN);

    private async Task ReportAllAsync(List<MBusPoint> points, DateTimeOffset timestamp, Quality quality, CancellationToken cancellationToken)
    {
        foreach (var point in points)
        {
            await context.ReportAsync(point, LastOf(point), quality, timestamp, cancellationToken).ConfigureAwait(false);
        }
    }
}
