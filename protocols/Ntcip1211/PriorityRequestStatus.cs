namespace City.Protocols.Ntcip1211;

/// <summary>priorityRequestStatusInPRS (NTCIP 1211 v02): where the PRS is with one request.</summary>
public enum PriorityRequestStatus : byte
{
    IdleNotValid = 1,
    ReadyQueued = 2,
    ReadyOverridden = 3,
    ActiveProcessing = 4,
    ActiveCancel = 5,
    ActiveOverride = 6,
    ActiveNotOverridden = 7,
    ClosedCanceled = 8,
    ReserviceError = 9,
    ClosedTimeToLiveError = 10,
    ClosedTimerError = 11,
    ClosedStrategyError = 12,
    ClosedCompleted = 13,
    ActiveAdjustNotNeeded = 14,
    ClosedFlash = 15,
}

/// <summary>The life of a request as the cabinet reports it to central (our own vocabulary over the PRS statuses).</summary>
public enum PriorityLifecycle
{
    /// <summary>Not known to the PRS (idleNotValid): nothing to report yet.</summary>
    None,

    /// <summary>The PRS holds the request and has not started serving it (queued, or overridden by a higher one).</summary>
    Requested,

    /// <summary>The PRS is serving it: green extended or brought forward.</summary>
    Granted,

    /// <summary>Closed after service (closedCompleted).</summary>
    Served,

    /// <summary>Withdrawn before service (closedCanceled, activeCancel).</summary>
    Cancelled,

    /// <summary>Closed without service for a reason of the PRS (strategy, timer, time to live, flash, reservice).</summary>
    Rejected,
}

/// <summary>Names and the lifecycle mapping of <see cref="PriorityRequestStatus"/>.</summary>
public static class PriorityRequestStatuses
{
    /// <summary>The MIB's name of a status ("closedCompleted"), or "status-N" for a value outside 1-15.</summary>
    public static string Name(this PriorityRequestStatus status) => status switch
    {
        PriorityRequestStatus.IdleNotValid => "idleNotValid",
        PriorityRequestStatus.ReadyQueued => "readyQueued",
        PriorityRequestStatus.ReadyOverridden => "readyOverridden",
        PriorityRequestStatus.ActiveProcessing => "activeProcessing",
        PriorityRequestStatus.ActiveCancel => "activeCancel",
        PriorityRequestStatus.ActiveOverride => "activeOverride",
        PriorityRequestStatus.ActiveNotOverridden => "activeNotOverridden",
        PriorityRequestStatus.ClosedCanceled => "closedCanceled",
        PriorityRequestStatus.ReserviceError => "reserviceError",
        PriorityRequestStatus.ClosedTimeToLiveError => "closedTimeToLiveError",
        PriorityRequestStatus.ClosedTimerError => "closedTimerError",
        PriorityRequestStatus.ClosedStrategyError => "closedStrategyError",
        PriorityRequestStatus.ClosedCompleted => "closedCompleted",
        PriorityRequestStatus.ActiveAdjustNotNeeded => "activeAdjustNotNeeded",
        PriorityRequestStatus.ClosedFlash => "closedFlash",
        _ => "status-" + ((byte)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// ready* are requested; active* (except activeCancel) are granted: the PRS is adjusting the timing, or found it need not
    /// (activeAdjustNotNeeded: the phase is green anyway); closedCompleted is served; closedCanceled and activeCancel are
    /// cancelled; every other closed* and reserviceError is rejected.
    /// </summary>
    public static PriorityLifecycle Lifecycle(this PriorityRequestStatus status) => status switch
    {
        PriorityRequestStatus.ReadyQueued or PriorityRequestStatus.ReadyOverridden => PriorityLifecycle.Requested,
        PriorityRequestStatus.ActiveProcessing or PriorityRequestStatus.ActiveOverride or PriorityRequestStatus.ActiveNotOverridden
            or PriorityRequestStatus.ActiveAdjustNotNeeded => PriorityLifecycle.Granted,
        PriorityRequestStatus.ClosedCompleted => PriorityLifecycle.Served,
        PriorityRequestStatus.ClosedCanceled or PriorityRequestStatus.ActiveCancel => PriorityLifecycle.Cancelled,
        PriorityRequestStatus.ReserviceError or PriorityRequestStatus.ClosedTimeToLiveError or PriorityRequestStatus.ClosedTimerError
            or PriorityRequestStatus.ClosedStrategyError or PriorityRequestStatus.ClosedFlash => PriorityLifecycle.Rejected,
        _ => PriorityLifecycle.None,
    };

    /// <summary>Served, cancelled and rejected are final: the request is cleared after them.</summary>
    public static bool IsFinal(this PriorityLifecycle lifecycle) =>
        lifecycle is PriorityLifecycle.Served or PriorityLifecycle.Cancelled or PriorityLifecycle.Rejected;

    /// <summary>"requested", "granted", "served", "cancelled", "rejected" ("none" for <see cref="PriorityLifecycle.None"/>).</summary>
    public static string Name(this PriorityLifecycle lifecycle) => lifecycle switch
    {
        PriorityLifecycle.Requested => "requested",
        PriorityLifecycle.Granted => "granted",
        PriorityLifecycle.Served => "served",
        PriorityLifecycle.Cancelled => "cancelled",
        PriorityLifecycle.Rejected => "rejected",
        _ => "none",
    };
}
