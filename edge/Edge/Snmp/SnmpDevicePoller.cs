using System.Threading.Channels;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Protocols.Snmp;
using Microsoft.Extensions.Logging;

namespace City.Edge.Snmp;

/// <summary>
/// Polls one SNMP device: its points grouped by period; per group one GET of every scalar (the manager splits it on tooBig)
/// and one GETBULK walk per table column (GETNEXT in v1). A timeout gives COMM_LOSS for the rest of the cycle, an
/// error-status DEVICE_FAILURE or CONFIG_ERROR (noSuchName, noAccess, authorizationError: the configuration is wrong) with the
/// status name, noSuchObject/noSuchInstance or a missing row CONFIG_ERROR. A device silent for
/// <see cref="PollBackoff.AfterFailures"/> cycles is backed off as Modbus devices are. Alarm points (bools with Alarm) that
/// change become events; <see cref="RequestAlarmPoll"/> (a trap) polls the groups holding alarm points at once.
/// </summary>
internal sealed partial class SnmpDevicePoller
{
    private readonly DeviceDefinition _device;
    private readonly SnmpManager _manager;
    private readonly SnmpTarget _target;
    private readonly ChannelWriter<Reading> _output;
    private readonly EdgeState _state;
    private readonly DeviceState _deviceState;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<Group> _groups;
    private readonly TimeSpan _stagger;
    private readonly Dictionary<string, PointValue> _lastValues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _alarmStates = new(StringComparer.Ordinal);
    private readonly PollBackoff _backoff = PollBackoff.Default;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _alarmPollRequested;
    private int _consecutiveCommLoss;
    private string? _lastCommLossError;
    private long _skippedCycles;

    public SnmpDevicePoller(DeviceDefinition device, int rank, int deviceCount, SnmpManager manager, ChannelWriter<Reading> output, EdgeState state, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(state);
        _device = device;
        _manager = manager;
        _target = (device.SnmpSettings ?? throw new ArgumentException("not an snmp device", nameof(device))).Target();
        _output = output;
        _state = state;
        _deviceState = state.Device(device.Name);
        _time = time;
        _logger = logger;
        _groups = Plan(device).Select(g => new Group(g)).ToList();
        var shortest = _groups.Count == 0 ? 0 : _groups[0].Plan.PeriodMs;
        _stagger = TimeSpan.FromMilliseconds(deviceCount <= 1 ? 0 : shortest * rank / deviceCount);
    }

    /// <summary>Cycles not sent because the device is backed off.</summary>
    public long SkippedCycles => Interlocked.Read(ref _skippedCycles);

    /// <summary>The device's polling plan: per period, the scalars fetched by one GET and the columns walked.</summary>
    public static IReadOnlyList<SnmpGroupPlan> Plan(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.SnmpPoints.Where(p => p.Snmp.Kind != SnmpPointKind.Event)
            .GroupBy(p => p.PeriodMs)
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var scalars = g.Where(p => p.Snmp.Column is null).ToList();
                var columns = g.Where(p => p.Snmp.Column is not null).GroupBy(p => p.Snmp.Column!).Select(c => new SnmpColumnPlan(c.Key, c.ToList())).ToList();
                return new SnmpGroupPlan(g.Key, scalars.Select(p => p.Snmp.Oid).Distinct().ToList(), scalars, columns);
            })
            .ToList();
    }

    public bool RequestAlarmPoll()
    {
        Interlocked.Exchange(ref _alarmPollRequested, 1);
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending; it will see the flag.
        }

        return true;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
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
                group.NextDue = PollSchedule.AfterClockSetBack(group.NextDue, TimeSpan.FromMilliseconds(group.Plan.PeriodMs), beforeWait);
            }

            var wait = _groups.Min(g => g.NextDue) - beforeWait;
            if (wait > TimeSpan.Zero)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(PollSchedule.RoundedUp(wait), _time, linked.Token);
                var woken = _wake.WaitAsync(linked.Token);
                // A wake-up (trap) or the due time, whichever first; the flag tells an alarm poll from a due one.
                await Task.WhenAny(delay, woken).ConfigureAwait(false);
                await linked.CancelAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (Interlocked.Exchange(ref _alarmPollRequested, 0) == 1)
            {
                foreach (var group in _groups.Where(g => g.Plan.Points.Any(p => p.Snmp.Alarm)))
                {
                    await PollAsync(group, immediate: true, cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var group in _groups)
            {
                if (group.NextDue > _time.GetUtcNow())
                {
                    continue;
                }

                await PollAsync(group, immediate: false, cancellationToken).ConfigureAwait(false);
                group.NextDue = PollSchedule.NextDue(group.NextDue, TimeSpan.FromMilliseconds(group.Plan.PeriodMs), _time.GetUtcNow());
            }
        }

        // Cancelled between two waits: end as a cancelled wait would, so a stopped poller always ends the same way.
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task PollAsync(Group group, bool immediate, CancellationToken cancellationToken)
    {
        var cycleStart = _time.GetUtcNow();
        if (!immediate && _consecutiveCommLoss >= _backoff.AfterFailures
            && group.SkippedSinceAttempt < _backoff.EveryNthCycle - 1 && cycleStart - group.LastAttempt < _backoff.MaxInterval)
        {
            group.SkippedSinceAttempt++;
            Interlocked.Increment(ref _skippedCycles);
            foreach (var point in group.Plan.Points)
            {
                await EmitFailureAsync(point, cycleStart, Quality.CommLoss, cancellationToken).ConfigureAwait(false);
            }

            _deviceState.RecordPoll(cycleStart, false, $"backed off after {_consecutiveCommLoss} silent cycles: {_lastCommLossError}", PollErrorKinds.BackedOff);
            return;
        }

        group.SkippedSinceAttempt = 0;
        group.LastAttempt = cycleStart;
        _cycleError = null;
        _cycleErrorKind = null;
        string? error = null;
        string? errorKind = null;
        var commLoss = false;
        var answered = false;

        if (group.Plan.Scalars.Count > 0)
        {
            var timestamp = _time.GetUtcNow();
            var (values, failure) = await FetchAsync(() => GetScalarsAsync(group.Plan.ScalarOids, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                answered = true;
                foreach (var point in group.Plan.Scalars)
                {
                    await EmitValueAsync(point, values!.GetValueOrDefault(point.Snmp.Oid), timestamp, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                error = failure.Value.Message;
                errorKind = failure.Value.Kind;
                commLoss = failure.Value.Quality == Quality.CommLoss;
                answered = !commLoss;
                foreach (var point in group.Plan.Scalars)
                {
                    await EmitFailureAsync(point, timestamp, failure.Value.Quality, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        foreach (var column in group.Plan.Columns)
        {
            var timestamp = _time.GetUtcNow();
            if (commLoss)
            {
                foreach (var point in column.Rows)
                {
                    await EmitFailureAsync(point, timestamp, Quality.CommLoss, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            var (values, failure) = await FetchAsync(() => WalkAsync(column.Column, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                answered = true;
                foreach (var point in column.Rows)
                {
                    await EmitValueAsync(point, values!.GetValueOrDefault(point.Snmp.Oid), timestamp, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                errorKind ??= error is null ? failure.Value.Kind : null;
                error ??= failure.Value.Message;
                commLoss = failure.Value.Quality == Quality.CommLoss;
                answered |= !commLoss;
                foreach (var point in column.Rows)
                {
                    await EmitFailureAsync(point, timestamp, failure.Value.Quality, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (answered)
        {
            _consecutiveCommLoss = 0;
        }
        else if (commLoss)
        {
            _consecutiveCommLoss++;
            _lastCommLossError = error;
            if (_consecutiveCommLoss == _backoff.AfterFailures)
            {
                LogBackedOff(_logger, _device.Name, _device.Endpoint, _consecutiveCommLoss, _backoff.EveryNthCycle, _backoff.MaxInterval.TotalSeconds);
            }
        }

        errorKind ??= error is null ? _cycleErrorKind : null;
        error ??= _cycleError;
        var ok = error is null;
        _deviceState.RecordPoll(cycleStart, ok, error, errorKind);

        // Per group: a group with a bad OID must not make a healthy group of the same device log "answers again" every cycle.
        if (!ok && !group.Failing)
        {
            LogFailing(_logger, _device.Name, _device.Endpoint, group.Plan.PeriodMs, error);
        }
        else if (ok && group.Failing)
        {
            LogRecovered(_logger, _device.Name, _device.Endpoint, group.Plan.PeriodMs);
        }

        group.Failing = !ok;
    }

    private async Task<Dictionary<Oid, SnmpValue>> GetScalarsAsync(IReadOnlyList<Oid> oids, CancellationToken cancellationToken)
    {
        var answer = await _manager.GetAsync(_target, oids, cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<Oid, SnmpValue>();
        foreach (var varBind in answer)
        {
            values[varBind.Oid] = varBind.Value;
        }

        return values;
    }

    private async Task<Dictionary<Oid, SnmpValue>> WalkAsync(Oid column, CancellationToken cancellationToken)
    {
        var values = new Dictionary<Oid, SnmpValue>();
        await foreach (var varBind in _manager.WalkAsync(_target, column, _device.SnmpSettings!.MaxRepetitions, cancellationToken).ConfigureAwait(false))
        {
            values[varBind.Oid] = varBind.Value;
        }

        return values;
    }

    private async Task<(Dictionary<Oid, SnmpValue>? Values, (Quality Quality, string Message, string Kind)? Failure)> FetchAsync(
        Func<Task<Dictionary<Oid, SnmpValue>>> fetch, CancellationToken cancellationToken)
    {
        try
        {
            return (await fetch().ConfigureAwait(false), null);
        }
        catch (SnmpTimeoutException ex)
        {
            return (null, (Quality.CommLoss, $"no answer from {_device.Endpoint}: {ex.Message}", PollErrorKinds.Timeout));
        }
        catch (SnmpErrorStatusException ex)
        {
            return (null, (ErrorStatusQuality(ex.Status), $"{_device.Endpoint} answered {SnmpNames.ErrorStatus(ex.Status)}{(ex.FailedOid is null ? string.Empty : $" for {ex.FailedOid}")}", PollErrorKinds.Exception));
        }
        catch (SnmpSecurityException ex)
        {
            return (null, (Quality.ConfigError, $"{_device.Endpoint} refused the v3 credentials: {ex.Status} ({ex.Message})", PollErrorKinds.Exception));
        }
        catch (SnmpException ex)
        {
            return (null, (Quality.DeviceFailure, $"{_device.Endpoint}: {ex.Message}", PollErrorKinds.Decode));
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            return (null, (Quality.CommLoss, $"{_device.Endpoint}: {ex.Message}", PollErrorKinds.Link));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
    }

    /// <summary>Error-statuses that say the request asked for something this agent does not offer this user: the configuration is wrong.</summary>
    public static Quality ErrorStatusQuality(SnmpErrorStatus status) => status switch
    {
        SnmpErrorStatus.NoSuchName or SnmpErrorStatus.NoAccess or SnmpErrorStatus.AuthorizationError or SnmpErrorStatus.InconsistentName => Quality.ConfigError,
        _ => Quality.DeviceFailure,
    };

    private async ValueTask EmitValueAsync(SnmpPoint point, SnmpValue? raw, DateTimeOffset timestamp, CancellationToken cancellationToken)
    {
        if (raw is null)
        {
            await EmitFailureAsync(point, timestamp, Quality.ConfigError, cancellationToken).ConfigureAwait(false);
            NoteError($"{point.Snmp.Oid}: no such row in the table (point {point.Name})");
            return;
        }

        if (!SnmpPointDecoding.TryDecode(point, raw, out var value, out var decodeError))
        {
            await EmitFailureAsync(point, timestamp, Quality.ConfigError, cancellationToken).ConfigureAwait(false);
            NoteError($"{point.Snmp.Oid}: {decodeError} (point {point.Name})");
            return;
        }

        _lastValues[point.Name] = value;
        await EmitAsync(point, timestamp, value, Quality.Good, cancellationToken).ConfigureAwait(false);
        if (point.Snmp.Alarm)
        {
            var active = value.Boolean;
            var known = _alarmStates.TryGetValue(point.Name, out var previous);
            _alarmStates[point.Name] = active;
            if ((known && previous != active) || (!known && active))
            {
                var text = $"alarm {point.Name} {(active ? "set" : "cleared")} ({point.Snmp.Oid}{(point.Bit is { } bit ? $" bit {bit}" : string.Empty)})";
                LogAlarm(_logger, _device.Name, text);
                await SnmpRuntime.EmitEventAsync(_device, text, timestamp, _output, _state, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private string? _cycleError;
    private string? _cycleErrorKind;

    /// <summary>A point that could not be taken from an answer (no such row, a value that does not decode): a decode error of the cycle.</summary>
    private void NoteError(string message)
    {
        _cycleErrorKind ??= _cycleError is null ? PollErrorKinds.Decode : null;
        _cycleError ??= message;
    }

    private async ValueTask EmitFailureAsync(SnmpPoint point, DateTimeOffset timestamp, Quality quality, CancellationToken cancellationToken)
    {
        var value = _lastValues.TryGetValue(point.Name, out var last) ? last : point.PointType switch
        {
            PointType.Boolean => PointValue.FromBoolean(false),
            PointType.Text => PointValue.FromText(string.Empty),
            _ => PointValue.FromNumber(double.NaN),
        };
        await EmitAsync(point, timestamp, value, quality, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask EmitAsync(SnmpPoint point, DateTimeOffset timestamp, PointValue value, Quality quality, CancellationToken cancellationToken)
    {
        _state.SetLatest(point.Id, point.Alias, point.Unit, value, quality, timestamp);
        await _output.WriteAsync(new Reading(point.Alias, timestamp.ToUnixTimeMilliseconds(), value, quality), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SNMP device {Device} ({Endpoint}) is failing (its {PeriodMs} ms points): {Error}")]
    private static partial void LogFailing(ILogger logger, string device, string endpoint, int periodMs, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "SNMP device {Device} ({Endpoint}) answers again (its {PeriodMs} ms points)")]
    private static partial void LogRecovered(ILogger logger, string device, string endpoint, int periodMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SNMP device {Device} ({Endpoint}) silent for {Cycles} cycles: asked only every {Nth}th cycle or every {Seconds} s until it answers")]
    private static partial void LogBackedOff(ILogger logger, string device, string endpoint, int cycles, int nth, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "SNMP device {Device}: {Event}")]
    private static partial void LogAlarm(ILogger logger, string device, string @event);

    private sealed class Group(SnmpGroupPlan plan)
    {
        public SnmpGroupPlan Plan { get; } = plan;

        public DateTimeOffset NextDue { get; set; }

        public DateTimeOffset LastAttempt { get; set; }

        public int SkippedSinceAttempt { get; set; }

        public bool Failing { get; set; }
    }
}

/// <summary>One period of an SNMP device: the scalars of one GET and the walked columns.</summary>
internal sealed record SnmpGroupPlan(int PeriodMs, IReadOnlyList<Oid> ScalarOids, IReadOnlyList<SnmpPoint> Scalars, IReadOnlyList<SnmpColumnPlan> Columns)
{
    public IEnumerable<SnmpPoint> Points => Scalars.Concat(Columns.SelectMany(c => c.Rows));
}

internal sealed record SnmpColumnPlan(Oid Column, IReadOnlyList<SnmpPoint> Rows);
