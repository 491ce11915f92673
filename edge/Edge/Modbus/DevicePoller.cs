using System.Threading.Channels;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.Extensions.Logging;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Modbus;

/// <summary>
/// Polls one device: its points grouped by period, each group's reads merged by <see cref="ReadPlanner"/>. The first
/// poll is staggered by the device's rank so that devices sharing a period do not all fire at once. A failed read
/// yields one reading per affected point and cycle, with the failure's quality (COMM_LOSS for a dead link) and the
/// point's last value (NaN before any). After a link failure the rest of the cycle is not attempted (it would only
/// wait for more timeouts); the next cycle tries again.
/// With a <see cref="PollBackoff"/> (Modbus RTU devices, whose timeouts hold their shared line), a device that stays silent
/// for <see cref="PollBackoff.AfterFailures"/> consecutive cycles is asked only every <see cref="PollBackoff.EveryNthCycle"/>th
/// cycle or every <see cref="PollBackoff.MaxInterval"/>, whichever comes first; the skipped cycles still yield their COMM_LOSS
/// readings. The first answer ends the backoff.
/// </summary>
internal sealed partial class DevicePoller
{
    private readonly DeviceDefinition _device;
    private readonly IDeviceClientFactory _factory;
    private readonly ChannelWriter<Reading> _output;
    private readonly EdgeState _state;
    private readonly DeviceState _deviceState;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<PollGroup> _groups;
    private readonly TimeSpan _stagger;
    private readonly Dictionary<uint, PointValue> _lastValues = [];
    private readonly PollBackoff? _backoff;
    private bool _failing;
    private int _consecutiveCommLoss;
    private string? _lastCommLossError;

    public DevicePoller(
        DeviceDefinition device,
        int rank,
        int deviceCount,
        IDeviceClientFactory factory,
        ChannelWriter<Reading> output,
        EdgeState state,
        TimeProvider time,
        ILogger logger,
        PollBackoff? backoff = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(state);
        _device = device;
        _factory = factory;
        _output = output;
        _state = state;
        _deviceState = state.Device(device.Name);
        _time = time;
        _logger = logger;
        _backoff = backoff ?? (device.SerialLine is null ? null : PollBackoff.Default);
        _groups = device.Plan()
            .Select(g => new PollGroup(TimeSpan.FromMilliseconds(g.PeriodMs), g.Requests))
            .ToList();
        var shortest = _groups.Count == 0 ? 0 : _groups[0].Period.TotalMilliseconds;
        _stagger = TimeSpan.FromMilliseconds(deviceCount <= 1 ? 0 : shortest * rank / deviceCount);
    }

    public IReadOnlyList<ReadRequest> Requests => _groups.SelectMany(g => g.Requests).ToList();

    /// <summary>Cycles whose requests were not sent because the device is backed off.</summary>
    public long SkippedCycles => Interlocked.Read(ref _skippedCycles);

    private long _skippedCycles;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var client = _factory.Create(_device);
        var start = PollSchedule.FirstDue(_time.GetUtcNow(), _stagger);
        foreach (var group in _groups)
        {
            group.NextDue = start;
        }

        while (!cancellationToken.IsCancellationRequested && _groups.Count > 0)
        {
            var beforeWait = _time.GetUtcNow();
            foreach (var group in _groups)
            {
                group.NextDue = PollSchedule.AfterClockSetBack(group.NextDue, group.Period, beforeWait);
            }

            var next = _groups.Min(g => g.NextDue);
            var wait = next - beforeWait;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(PollSchedule.RoundedUp(wait), _time, cancellationToken).ConfigureAwait(false);
            }

            foreach (var group in _groups)
            {
                var now = _time.GetUtcNow();
                if (group.NextDue > now)
                {
                    continue;
                }

                await PollAsync(client, group, cancellationToken).ConfigureAwait(false);
                group.NextDue = PollSchedule.NextDue(group.NextDue, group.Period, _time.GetUtcNow());
            }
        }

        // Cancelled between two waits: end as a cancelled wait would, so a stopped poller always ends the same way.
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task PollAsync(IDeviceClient client, PollGroup group, CancellationToken cancellationToken)
    {
        var cycleStart = _time.GetUtcNow();
        if (_backoff is not null && _consecutiveCommLoss >= _backoff.AfterFailures
            && group.SkippedSinceAttempt < _backoff.EveryNthCycle - 1 && cycleStart - group.LastAttempt < _backoff.MaxInterval)
        {
            // Backed off: no request (it would hold the shared line for a whole timeout), the same readings as a failure.
            group.SkippedSinceAttempt++;
            Interlocked.Increment(ref _skippedCycles);
            foreach (var request in group.Requests)
            {
                await EmitFailureAsync(request, cycleStart, Quality.CommLoss, cancellationToken).ConfigureAwait(false);
            }

            _deviceState.RecordPoll(cycleStart, false, $"backed off after {_consecutiveCommLoss} silent cycles: {_lastCommLossError}", PollErrorKinds.BackedOff);
            return;
        }

        group.SkippedSinceAttempt = 0;
        group.LastAttempt = cycleStart;
        string? error = null;
        string? errorKind = null;
        Quality failure = Quality.Good;
        var answered = false;
        foreach (var request in group.Requests)
        {
            var timestamp = _time.GetUtcNow();
            if (failure == Quality.CommLoss)
            {
                await EmitFailureAsync(request, timestamp, failure, cancellationToken).ConfigureAwait(false);
                continue;
            }

            ushort[]? registers = null;
            bool[]? bits = null;
            try
            {
                if (request.Table.IsBitTable())
                {
                    bits = await client.ReadBitsAsync(request.Table, request.Start, request.Count, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    registers = await client.ReadAsync(request.Table, request.Start, request.Count, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (DeviceRequestException ex)
            {
                error ??= ex.Message;
                errorKind ??= ex.TimedOut ? PollErrorKinds.Timeout : ex.ExceptionCode is not null ? PollErrorKinds.Exception : PollErrorKinds.Link;
                failure = failure == Quality.Good ? ex.Quality : failure;
                if (ex.Quality == Quality.CommLoss)
                {
                    failure = Quality.CommLoss;
                }
                else
                {
                    answered = true; // an exception response: the device is there
                }

                await EmitFailureAsync(request, timestamp, ex.Quality, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogUnexpected(_logger, ex, _device.Name, request.Table, request.Start, request.Count);
                error ??= ex.Message;
                errorKind ??= PollErrorKinds.Other;
                failure = Quality.CommLoss;
                await EmitFailureAsync(request, timestamp, Quality.CommLoss, cancellationToken).ConfigureAwait(false);
                continue;
            }

            answered = true;
            foreach (var point in request.Points)
            {
                var offset = point.Register - request.Start;
                var value = bits is not null
                    ? PointValue.FromBoolean(bits[offset])
                    : PointDecoding.DecodeValue(point, registers.AsSpan(offset, point.Width));
                _lastValues[point.Alias] = value;
                await EmitAsync(point, timestamp, value, Quality.Good, cancellationToken).ConfigureAwait(false);
            }
        }

        if (answered)
        {
            _consecutiveCommLoss = 0;
        }
        else if (failure == Quality.CommLoss)
        {
            _consecutiveCommLoss++;
            _lastCommLossError = error;
            if (_backoff is not null && _consecutiveCommLoss == _backoff.AfterFailures)
            {
                LogBackedOff(_logger, _device.Name, _device.Endpoint, _consecutiveCommLoss, _backoff.EveryNthCycle, _backoff.MaxInterval.TotalSeconds);
            }
        }

        var ok = error is null;
        _deviceState.RecordPoll(cycleStart, ok, error, errorKind);
        if (!ok && !_failing)
        {
            LogFailing(_logger, _device.Name, _device.Endpoint, error);
        }
        else if (ok && _failing)
        {
            LogRecovered(_logger, _device.Name, _device.Endpoint);
        }

        _failing = !ok;
    }

    private async Task EmitFailureAsync(ReadRequest request, DateTimeOffset timestamp, Quality quality, CancellationToken cancellationToken)
    {
        foreach (var point in request.Points)
        {
            var value = _lastValues.TryGetValue(point.Alias, out var last) ? last : NoValue(point);
            await EmitAsync(point, timestamp, value, quality, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The value a failed reading carries before the point was ever read: NaN, false or an empty text.</summary>
    private static PointValue NoValue(PointDefinition point) => point.PointType switch
    {
        PointType.Boolean => PointValue.FromBoolean(false),
        PointType.Text => PointValue.FromText(string.Empty),
        _ => PointValue.FromNumber(double.NaN),
    };

    private async ValueTask EmitAsync(PointDefinition point, DateTimeOffset timestamp, PointValue value, Quality quality, CancellationToken cancellationToken)
    {
        _state.SetLatest(point.Id, point.Alias, point.Unit, value, quality, timestamp);

        // Bounded queue: when the buffer writer falls behind, this waits (backpressure), it never drops.
        await _output.WriteAsync(new Reading(point.Alias, timestamp.ToUnixTimeMilliseconds(), value, quality), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Device} ({Endpoint}) is failing: {Error}")]
    private static partial void LogFailing(ILogger logger, string device, string endpoint, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device} ({Endpoint}) answers again")]
    private static partial void LogRecovered(ILogger logger, string device, string endpoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure reading device {Device} ({Table} {Start}+{Count})")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string device, ModbusTable table, ushort start, ushort count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Device} ({Endpoint}) silent for {Cycles} cycles: asked only every {Nth}th cycle or every {Seconds} s until it answers")]
    private static partial void LogBackedOff(ILogger logger, string device, string endpoint, int cycles, int nth, double seconds);

    private sealed class PollGroup(TimeSpan period, IReadOnlyList<ReadRequest> requests)
    {
        public int SkippedSinceAttempt { get; set; }

        public DateTimeOffset LastAttempt { get; set; }

        public TimeSpan Period { get; } = period;

        public IReadOnlyList<ReadRequest> Requests { get; } = requests;

        public DateTimeOffset NextDue { get; set; }
    }
}
