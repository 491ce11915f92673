using City.Protocols.Ntcip1211;

namespace City.Sim.Snmp;

/// <summary>One decision of the priority request server, for the simulator's output.</summary>
internal sealed record PriorityDecision(byte RequestId, string VehicleId, int Strategy, string Status, string Why);

/// <summary>
/// The simulated controller's priority request server (NTCIP 1211 PRS). Strategy N (1-8) asks for phase N's green, so
/// stage (N-1) mod 4. Rules, applied when a request arrives and every second after:
/// - the phase is green until the bus's departure anyway: activeAdjustNotNeeded;
/// - the phase is green: the green is extended to the departure, up to <see cref="SignalTiming.MaxGreen"/>: activeProcessing;
/// - otherwise the green is brought forward (greens before it cut to <see cref="SignalTiming.MinGreen"/>): activeProcessing;
/// - a request whose stage conflicts with a request being served waits (readyQueued) until that one closes;
/// - after <see cref="MaxConsecutivePriorityCycles"/> cycles in a row changed by priority, no timing change is made until a
///   cycle has run unchanged (requests wait, readyQueued);
/// - a strategy outside 1-8 is closedStrategyError; a request not closed <see cref="TimeToLiveSeconds"/> after its
///   departure is closedTimeToLiveError; fault flash closes every open request closedFlash.
/// A request being served closes closedCompleted when the PRG cancels it (the bus checked out) or when its green ends after
/// its departure time; a waiting one that is cancelled closes closedCanceled. Not thread-safe: the controller's lock holds.
/// </summary>
internal sealed class PriorityServer(SignalTiming timing)
{
    public const int MaxConsecutivePriorityCycles = 2;
    public const int TimeToLiveSeconds = 60;
    public const int MaxRequests = 32;

    private readonly Dictionary<byte, Entry> _requests = [];
    private readonly List<PriorityDecision> _decisions = [];
    private PriorityRequestKey? _statusSelected;

    /// <summary>Requests received (new ones, not updates).</summary>
    public int Received { get; private set; }

    /// <summary>Decisions since the last call, oldest first.</summary>
    public IReadOnlyList<PriorityDecision> TakeDecisions()
    {
        var taken = _decisions.ToList();
        _decisions.Clear();
        return taken;
    }

    /// <summary>prgPriorityRequest (or a repeat of an open request's id: an update). False when the table is full.</summary>
    public bool Request(PriorityRequestMessage message, long now)
    {
        if (_requests.TryGetValue(message.Key.RequestId, out var open) && !IsClosed(open.Status))
        {
            Update(message, now);
            return true;
        }

        if (_requests.Count >= MaxRequests && !_requests.ContainsKey(message.Key.RequestId))
        {
            return false;
        }

        Received++;
        var entry = new Entry(message.Key, now + message.TimeOfServiceDesired, now + message.TimeOfEstimatedDeparture);
        _requests[message.Key.RequestId] = entry;
        if (message.Key.Strategy is < 1 or > 8)
        {
            Close(entry, PriorityRequestStatus.ClosedStrategyError, now, "no such strategy (1-8: the phase)");
            return true;
        }

        Decide(entry, now);
        return true;
    }

    /// <summary>Whether a request with this key would find room (an open request of the same id is an update).</summary>
    public bool HasRoomFor(PriorityRequestKey key) => _requests.Count < MaxRequests || _requests.ContainsKey(key.RequestId);

    public void Update(PriorityRequestMessage message, long now)
    {
        if (_requests.TryGetValue(message.Key.RequestId, out var entry) && !IsClosed(entry.Status))
        {
            entry.ServiceAt = now + message.TimeOfServiceDesired;
            entry.DepartAt = now + message.TimeOfEstimatedDeparture;
            if (entry.Status is PriorityRequestStatus.ActiveProcessing or PriorityRequestStatus.ActiveAdjustNotNeeded)
            {
                entry.Status = PriorityRequestStatus.ReadyQueued;
            }

            Decide(entry, now);
        }
    }

    public void Cancel(PriorityRequestKey key, long now)
    {
        if (_requests.TryGetValue(key.RequestId, out var entry) && !IsClosed(entry.Status))
        {
            if (IsServing(entry.Status))
            {
                Close(entry, PriorityRequestStatus.ClosedCompleted, now, "checked out after its green");
            }
            else
            {
                Close(entry, PriorityRequestStatus.ClosedCanceled, now, "cancelled before service");
            }
        }
    }

    public void Clear(PriorityRequestKey key)
    {
        if (_requests.TryGetValue(key.RequestId, out var entry) && IsClosed(entry.Status))
        {
            _requests.Remove(key.RequestId);
        }
    }

    public void SelectStatus(PriorityRequestKey key) => _statusSelected = key;

    /// <summary>prgPriorityStatusBuffer: the selected request's status (idleNotValid when the PRS does not hold it).</summary>
    public PriorityStatusMessage? SelectedStatus()
    {
        if (_statusSelected is not { } key)
        {
            return null;
        }

        var status = _requests.TryGetValue(key.RequestId, out var entry) && entry.Key.VehicleId == key.VehicleId
            ? entry.Status
            : PriorityRequestStatus.IdleNotValid;
        return new PriorityStatusMessage(key, status);
    }

    /// <summary>After each second of <see cref="SignalTiming"/>: <paramref name="greenEnded"/> is the stage whose green just ended, or -1.</summary>
    public void Step(long now, int greenEnded, bool flashing)
    {
        foreach (var entry in _requests.Values.Where(e => !IsClosed(e.Status)).OrderBy(e => e.Key.ClassType).ThenBy(e => e.Key.ClassLevel).ToList())
        {
            if (flashing)
            {
                Close(entry, PriorityRequestStatus.ClosedFlash, now, "the controller is in fault flash");
            }
            else if (IsServing(entry.Status) && greenEnded == StageOf(entry) && now >= entry.DepartAt)
            {
                Close(entry, PriorityRequestStatus.ClosedCompleted, now, "its green ended after the departure time");
            }
            else if (now > entry.DepartAt + TimeToLiveSeconds)
            {
                Close(entry, PriorityRequestStatus.ClosedTimeToLiveError, now, "not closed within its time to live");
            }
            else if (entry.Status == PriorityRequestStatus.ReadyQueued)
            {
                Decide(entry, now);
            }
        }

        foreach (var stale in _requests.Values.Where(e => IsClosed(e.Status) && now > e.ClosedAt + TimeToLiveSeconds).ToList())
        {
            _requests.Remove(stale.Key.RequestId);
        }
    }

    private void Decide(Entry entry, long now)
    {
        var stage = StageOf(entry);
        var before = entry.Status;
        if (_requests.Values.Any(other => other != entry && IsServing(other.Status) && StageOf(other) != stage))
        {
            entry.Status = PriorityRequestStatus.ReadyQueued;
            Report(entry, before, "conflicts with a request being served");
            return;
        }

        var needed = (int)Math.Max(0, entry.DepartAt - now);
        if (timing.Stage == stage && timing.InGreen && timing.InStage + needed <= timing.Green)
        {
            entry.Status = PriorityRequestStatus.ActiveAdjustNotNeeded;
            Report(entry, before, "its phase is green until the departure anyway");
            return;
        }

        if (timing.ConsecutivePriorityCycles >= MaxConsecutivePriorityCycles && !timing.CycleHadPriority)
        {
            entry.Status = PriorityRequestStatus.ReadyQueued;
            Report(entry, before, $"{MaxConsecutivePriorityCycles} cycles in a row already changed by priority");
            return;
        }

        if (timing.Stage == stage && timing.InGreen)
        {
            var covered = timing.Extend(needed);
            entry.Status = PriorityRequestStatus.ActiveProcessing;
            Report(entry, before, covered ? $"green extended to {timing.Green} s" : $"green extended to its maximum {timing.Green} s");
            return;
        }

        timing.Advance(stage);
        entry.Status = PriorityRequestStatus.ActiveProcessing;
        Report(entry, before, $"green brought forward: phase {entry.Key.Strategy} green in {timing.SecondsUntilGreen(stage)} s");
    }

    private void Close(Entry entry, PriorityRequestStatus status, long now, string why)
    {
        var before = entry.Status;
        entry.Status = status;
        entry.ClosedAt = now;
        Report(entry, before, why);
        foreach (var queued in _requests.Values.Where(e => e.Status == PriorityRequestStatus.ReadyQueued).ToList())
        {
            Decide(queued, now);
        }
    }

    private void Report(Entry entry, PriorityRequestStatus before, string why)
    {
        if (entry.Status != before)
        {
            _decisions.Add(new PriorityDecision(entry.Key.RequestId, entry.Key.VehicleId, entry.Key.Strategy, entry.Status.Name(), why));
        }
    }

    private static int StageOf(Entry entry) => (entry.Key.Strategy - 1) % SignalTiming.Stages;

    private static bool IsServing(PriorityRequestStatus status) =>
        status is PriorityRequestStatus.ActiveProcessing or PriorityRequestStatus.ActiveAdjustNotNeeded;

    private static bool IsClosed(PriorityRequestStatus status) => status.Lifecycle().IsFinal();

    private sealed class Entry(PriorityRequestKey key, long serviceAt, long departAt)
    {
        public PriorityRequestKey Key { get; } = key;

        public long ServiceAt { get; set; } = serviceAt;

        public long DepartAt { get; set; } = departAt;

        public long ClosedAt { get; set; }

        public PriorityRequestStatus Status { get; set; } = PriorityRequestStatus.IdleNotValid;
    }
}
