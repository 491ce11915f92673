using System.Globalization;
using System.Threading.Channels;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Commands;
using City.Edge.Devices;
using City.Protocols.Ntcip1211;
using City.Protocols.Snmp;

namespace City.Edge.Priority;

/// <summary>
/// One input of a priority device: an on-board unit's message as it arrived at the cabinet (from the UDP socket or a command
/// from central, which then waits for <see cref="Done"/>).
/// </summary>
internal sealed record PriorityInput(ObuMessage Message, DateTimeOffset ReceivedAt, long ReceivedTimestamp, string Source, TaskCompletionSource<CommandOutcome>? Done = null);

/// <summary>
/// The requests of one priority device, from arrival to clearing. A check-in is sent to the controller at once
/// (prgPriorityRequest; its acknowledgement is <c>requested</c>, timed from the arrival); a repeated check-in or an update of
/// an open request is prgPriorityUpdate; a check-out or cancel is prgPriorityCancel. Every <see cref="PrioritySettings.StatusPoll"/>
/// each open request's status is read and its lifecycle (granted, served, cancelled, rejected) follows; a final one is
/// cleared from the controller (prgPriorityClear) and from the open list. A request still open
/// <see cref="PrioritySettings.Expiry"/> after its estimated departure is cancelled by the edge. Every step is an event.
/// </summary>
internal sealed class PriorityDeviceRun(DeviceDefinition device, PrioritySettings settings, IPriorityController controller, DeviceRunContext context,
    TimeProvider time, PriorityBoard.DeviceBoard board)
{
    private readonly Dictionary<string, Tracked> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PriorityPoint> _points = device.PointsOf<PriorityPoint>().ToDictionary(p => p.Name, StringComparer.Ordinal);
    private readonly Dictionary<string, long> _counters = new(StringComparer.Ordinal)
    {
        ["requested"] = 0, ["granted"] = 0, ["served"] = 0, ["cancelled"] = 0, ["rejected"] = 0,
    };

    private readonly DeviceState _state = context.State.Device(device.Name);
    private byte _nextRequestId = 1;
    private string _lastState = string.Empty;
    private double? _lastAckMs;
    private DateTimeOffset _lastTimestamp = DateTimeOffset.MinValue;

    public async Task RunAsync(ChannelReader<PriorityInput> inbox, CancellationToken cancellationToken)
    {
        var nextPoll = time.GetUtcNow();
        var nextPublish = nextPoll;
        Task<bool>? waiting = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            while (inbox.TryRead(out var input))
            {
                await HandleAsync(input, cancellationToken).ConfigureAwait(false);
            }

            var now = time.GetUtcNow();
            if (now >= nextPoll)
            {
                await PollAsync(cancellationToken).ConfigureAwait(false);
                nextPoll = time.GetUtcNow() + settings.StatusPoll;
            }

            if (now >= nextPublish)
            {
                await PublishAsync(cancellationToken).ConfigureAwait(false);
                nextPublish = now + settings.PublishPeriod;
            }

            waiting ??= inbox.WaitToReadAsync(cancellationToken).AsTask();
            var wait = Min(nextPoll, nextPublish) - time.GetUtcNow();
            if (wait > TimeSpan.Zero && !waiting.IsCompleted)
            {
                using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var sleep = Task.Delay(wait, time, delay.Token);
                await Task.WhenAny(waiting, sleep).ConfigureAwait(false);
                await delay.CancelAsync().ConfigureAwait(false);
            }

            if (waiting.IsCompleted)
            {
                if (!await waiting.ConfigureAwait(false))
                {
                    return;
                }

                waiting = null;
            }
        }
    }

    private async Task HandleAsync(PriorityInput input, CancellationToken cancellationToken)
    {
        var message = input.Message;
        _open.TryGetValue(message.VehicleId, out var tracked);
        CommandOutcome outcome;
        try
        {
            outcome = message.Kind switch
            {
                ObuMessageKind.CheckIn or ObuMessageKind.Update when tracked is null => await RequestAsync(input, cancellationToken).ConfigureAwait(false),
                ObuMessageKind.CheckIn or ObuMessageKind.Update => await UpdateAsync(tracked!, input, cancellationToken).ConfigureAwait(false),
                _ when tracked is null => new CommandOutcome(false, $"no open request of {message.VehicleId}"),
                _ => await EndAsync(tracked, message.Kind == ObuMessageKind.CheckOut ? "checked out" : "cancelled by the vehicle", cancellationToken).ConfigureAwait(false),
            };
        }
        catch (SnmpException ex)
        {
            outcome = new CommandOutcome(false, $"the controller did not take it: {ex.Message}");
            if (tracked is null && ObuDatagram.IsRequest(message.Kind))
            {
                _counters["rejected"]++;
                await EventAsync($"rejected {message.VehicleId} route {Route(message.Route)} approach {message.Approach}: {Describe(ex)}", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await EventAsync($"error {message.VehicleId}: {message.Kind} not sent: {Describe(ex)}", cancellationToken).ConfigureAwait(false);
            }
        }

        input.Done?.TrySetResult(outcome);
        PublishBoard();
    }

    private async Task<CommandOutcome> RequestAsync(PriorityInput input, CancellationToken cancellationToken)
    {
        var message = input.Message;
        var request = new PriorityRequestMessage(new PriorityRequestKey(NextRequestId(), message.VehicleId, message.ClassType, message.ClassLevel, message.Approach),
            message.ArrivalSeconds, message.DepartureSeconds);
        await controller.RequestAsync(request, cancellationToken).ConfigureAwait(false);
        var ackMs = time.GetElapsedTime(input.ReceivedTimestamp).TotalMilliseconds;
        board.Acked(ackMs);
        _lastAckMs = ackMs;
        var tracked = new Tracked(request.Key, message.Route, input.Source, input.ReceivedAt)
        {
            Arrival = input.ReceivedAt.AddSeconds(message.ArrivalSeconds),
            Departure = input.ReceivedAt.AddSeconds(message.DepartureSeconds),
            AckMs = ackMs,
            Lifecycle = PriorityLifecycle.Requested,
        };
        _open[message.VehicleId] = tracked;
        _counters["requested"]++;
        await StepAsync(tracked, "requested", string.Create(CultureInfo.InvariantCulture,
            $"route {Route(message.Route)} approach {message.Approach} class {message.ClassType}/{message.ClassLevel} arrival in {message.ArrivalSeconds} s departure in {message.DepartureSeconds} s from {input.Source}, acked in {ackMs:0.0} ms"),
            cancellationToken).ConfigureAwait(false);

        // The controller decides at once (grant, queue or refuse): read it now rather than at the next status poll. The
        // request stands once acknowledged: a failed read here is the status poll's to retry.
        try
        {
            await PollOneAsync(tracked, cancellationToken).ConfigureAwait(false);
        }
        catch (SnmpException ex)
        {
            _state.RecordPoll(time.GetUtcNow(), false, $"request {tracked.Key.RequestId}: {Describe(ex)}", ex is SnmpTimeoutException ? PollErrorKinds.Timeout : PollErrorKinds.Other);
        }

        return new CommandOutcome(true, $"requested: request {request.Key.RequestId} acknowledged by the controller, {tracked.Lifecycle.Name()}");
    }

    private async Task<CommandOutcome> UpdateAsync(Tracked tracked, PriorityInput input, CancellationToken cancellationToken)
    {
        var message = input.Message;
        await controller.UpdateAsync(new PriorityRequestMessage(tracked.Key, message.ArrivalSeconds, message.DepartureSeconds), cancellationToken).ConfigureAwait(false);
        tracked.Arrival = input.ReceivedAt.AddSeconds(message.ArrivalSeconds);
        tracked.Departure = input.ReceivedAt.AddSeconds(message.DepartureSeconds);
        await EventAsync(string.Create(CultureInfo.InvariantCulture,
            $"updated {tracked.Key.VehicleId} (request {tracked.Key.RequestId}): arrival in {message.ArrivalSeconds} s departure in {message.DepartureSeconds} s"), cancellationToken).ConfigureAwait(false);
        return new CommandOutcome(true, $"updated: request {tracked.Key.RequestId}");
    }

    private async Task<CommandOutcome> EndAsync(Tracked tracked, string why, CancellationToken cancellationToken)
    {
        await controller.CancelAsync(tracked.Key, cancellationToken).ConfigureAwait(false);
        tracked.Ending = why;
        await PollOneAsync(tracked, cancellationToken).ConfigureAwait(false);
        return new CommandOutcome(true, $"{why}: request {tracked.Key.RequestId} {tracked.Lifecycle.Name()}");
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        if (_open.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var tracked in _open.Values.ToList())
        {
            try
            {
                if (tracked.Ending is null && now > tracked.Departure + settings.Expiry)
                {
                    await controller.CancelAsync(tracked.Key, cancellationToken).ConfigureAwait(false);
                    tracked.Ending = "expired (no check-out)";
                }

                await PollOneAsync(tracked, cancellationToken).ConfigureAwait(false);
                _state.RecordPoll(time.GetUtcNow(), true, null);
            }
            catch (SnmpException ex)
            {
                _state.RecordPoll(time.GetUtcNow(), false, $"request {tracked.Key.RequestId}: {Describe(ex)}", ex is SnmpTimeoutException ? PollErrorKinds.Timeout : PollErrorKinds.Other);
                return;
            }
        }

        PublishBoard();
    }

    private async Task PollOneAsync(Tracked tracked, CancellationToken cancellationToken)
    {
        var status = await controller.StatusAsync(tracked.Key, cancellationToken).ConfigureAwait(false);
        tracked.PrsStatus = status;
        var lifecycle = status.Lifecycle();
        if (lifecycle is PriorityLifecycle.None or PriorityLifecycle.Requested || lifecycle == tracked.Lifecycle)
        {
            return;
        }

        tracked.Lifecycle = lifecycle;
        _counters[lifecycle.Name()]++;
        await StepAsync(tracked, lifecycle.Name(), status.Name() + (tracked.Ending is { } ending && lifecycle.IsFinal() ? ", " + ending : string.Empty), cancellationToken).ConfigureAwait(false);
        if (lifecycle.IsFinal())
        {
            await controller.ClearAsync(tracked.Key, cancellationToken).ConfigureAwait(false);
            _open.Remove(tracked.Key.VehicleId);
            board.Closed(View(tracked));
            await StepAsync(tracked, "cleared", "bus passed or request over", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StepAsync(Tracked tracked, string step, string detail, CancellationToken cancellationToken)
    {
        tracked.Detail = detail;
        _lastState = $"{step} {tracked.Key.VehicleId} (request {tracked.Key.RequestId})";
        await EventAsync($"{step} {tracked.Key.VehicleId} (request {tracked.Key.RequestId}): {detail}", cancellationToken).ConfigureAwait(false);
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        var now = NextTimestamp();
        await ReportAsync(PriorityDeviceConfig.ActivePoint, PointValue.FromNumber(_open.Count), now, cancellationToken).ConfigureAwait(false);
        await ReportAsync(PriorityDeviceConfig.RequestedPoint, PointValue.FromNumber(_counters["requested"]), now, cancellationToken).ConfigureAwait(false);
        await ReportAsync(PriorityDeviceConfig.GrantedPoint, PointValue.FromNumber(_counters["granted"]), now, cancellationToken).ConfigureAwait(false);
        await ReportAsync(PriorityDeviceConfig.ServedPoint, PointValue.FromNumber(_counters["served"]), now, cancellationToken).ConfigureAwait(false);
        await ReportAsync(PriorityDeviceConfig.CancelledPoint, PointValue.FromNumber(_counters["cancelled"]), now, cancellationToken).ConfigureAwait(false);
        await ReportAsync(PriorityDeviceConfig.RejectedPoint, PointValue.FromNumber(_counters["rejected"]), now, cancellationToken).ConfigureAwait(false);
        await ReportAsync(PriorityDeviceConfig.LastStatePoint, PointValue.FromText(_lastState), now, cancellationToken).ConfigureAwait(false);
        await ReportAsync(PriorityDeviceConfig.AckPoint, PointValue.FromNumber(_lastAckMs is { } ms ? Math.Round(ms, 1) : double.NaN), now, cancellationToken).ConfigureAwait(false);
        if (_open.Count == 0)
        {
            _state.RecordPoll(now, true, null);
        }

        PublishBoard();
    }

    private ValueTask ReportAsync(string name, PointValue value, DateTimeOffset at, CancellationToken cancellationToken) =>
        context.ReportAsync(_points[name], value, Quality.Good, at, cancellationToken);

    private ValueTask EventAsync(string text, CancellationToken cancellationToken)
    {
        var value = PointValue.FromText(text.Length > PointValue.MaxTextLength ? text[..(PointValue.MaxTextLength - 3)] + "..." : text);
        return context.ReportAsync(_points[PriorityDeviceConfig.EventPointName(device.Name)], value, Quality.Good, NextTimestamp(), cancellationToken);
    }

    private void PublishBoard() => board.Publish(_open.Values.Select(View).ToList(), new Dictionary<string, long>(_counters, StringComparer.Ordinal));

    private static PriorityRequestView View(Tracked t) => new(t.Key.RequestId, t.Key.VehicleId, t.Route, t.Key.Strategy, t.Key.ClassType, t.Key.ClassLevel,
        t.Source, t.Lifecycle.Name(), t.PrsStatus.Name(), t.ReceivedAt, t.Arrival, t.Departure, t.AckMs is { } ms ? Math.Round(ms, 2) : null, t.Detail);

    /// <summary>Request ids 1-255, skipping those of open requests.</summary>
    private byte NextRequestId()
    {
        for (var i = 0; i < 255; i++)
        {
            var id = _nextRequestId;
            _nextRequestId = (byte)(id == 255 ? 1 : id + 1);
            if (_open.Values.All(t => t.Key.RequestId != id))
            {
                return id;
            }
        }

        throw new SnmpException("255 requests are open: no request id is free");
    }

    /// <summary>Now, but never the millisecond of the previous reading: two readings of a point never share a timestamp.</summary>
    private DateTimeOffset NextTimestamp()
    {
        var now = time.GetUtcNow();
        if (now.ToUnixTimeMilliseconds() <= _lastTimestamp.ToUnixTimeMilliseconds())
        {
            now = _lastTimestamp.AddMilliseconds(1);
        }

        _lastTimestamp = now;
        return now;
    }

    private static string Route(string route) => route.Length == 0 ? "-" : route;

    private static string Describe(SnmpException ex) => ex switch
    {
        SnmpTimeoutException => "no answer from the controller",
        SnmpErrorStatusException status => $"the controller answered {status.Message}",
        _ => ex.Message,
    };

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed class Tracked(PriorityRequestKey key, string route, string source, DateTimeOffset receivedAt)
    {
        public PriorityRequestKey Key { get; } = key;

        public string Route { get; } = route;

        public string Source { get; } = source;

        public DateTimeOffset ReceivedAt { get; } = receivedAt;

        public DateTimeOffset Arrival { get; set; }

        public DateTimeOffset Departure { get; set; }

        public double? AckMs { get; init; }

        public PriorityLifecycle Lifecycle { get; set; }

        public PriorityRequestStatus PrsStatus { get; set; } = PriorityRequestStatus.ReadyQueued;

        /// <summary>Why the edge asked for the end (check-out, the vehicle's cancel, expiry); null while it has not.</summary>
        public string? Ending { get; set; }

        public string Detail { get; set; } = string.Empty;
    }
}
