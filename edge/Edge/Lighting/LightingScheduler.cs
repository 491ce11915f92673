using System.Globalization;
using City.Edge.Dali;
using City.Protocols.Dali;
using City.Protocols.Talq;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace City.Edge.Lighting;

/// <summary>
/// Runs the lighting on the field clock. For each assigned line group (or whole line) the target is the newest override
/// covering it, else the program's level now (<see cref="LightingSchedule.LevelAt"/>; none: the group is left alone). A target
/// that changed is sent as DAPC (<see cref="DimmingCurve.ArcLevel"/>) to group:N or broadcast through the line's command
/// client: at once at start and whenever a line (re)starts, so after a restart or a power cut the level that should hold
/// now is applied; a whole-line level goes first, then the groups' own. A gear that lost its level (it answers again, or
/// two status sweeps in a row read another level than its target) gets its level again by its short address. Failed sends
/// are retried with a doubling backoff (2 s to 5 min of real time). Between changes it sleeps until the next program step
/// (<see cref="LightingSchedule.NextChange"/>), the end of an override, a retry, or a change of the set or the overrides.
/// </summary>
internal sealed partial class LightingScheduler : BackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);
    private static readonly TimeSpan ReplanAtLeastEvery = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LastRetry = TimeSpan.FromMinutes(5);

    private readonly LightingRuntime _runtime;
    private readonly DaliLineRegistry _registry;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Line, int? Group), LightingTarget> _targets = [];
    private readonly Dictionary<(string Line, int Address), int> _mismatches = [];
    private readonly Dictionary<(string Line, int Address), int> _reapplies = [];
    private readonly List<(string Line, int Address)> _lostLevel = [];
    private readonly List<string> _startedLines = [];
    private readonly List<string> _problems = [];
    private readonly HashSet<string> _problemsReportedOn = new(StringComparer.Ordinal);
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<DaliLine, object> _hooked = [];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LightingScheduler(LightingRuntime runtime, DaliLineRegistry registry, ILogger<LightingScheduler> logger)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(registry);
        _runtime = runtime;
        _registry = registry;
        _logger = logger;
        _problems.AddRange(runtime.TakeProblems());
        registry.Started += OnLineStarted;
    }

    private TimeProvider Clock => _runtime.Clock;

    /// <summary>The targets now (tests, the status).</summary>
    public IReadOnlyList<LightingTarget> Targets
    {
        get
        {
            lock (_gate)
            {
                return _targets.Values.Select(t => t with { }).ToList();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Lines that started before this loop: their start was seen by the event only if it came after the constructor.
        foreach (var line in _registry.Configured)
        {
            if (_registry.Find(line.Name) is { } running)
            {
                OnLineStarted(running);
            }
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var changed = _runtime.Changed;
                Task wake;
                lock (_gate)
                {
                    if (_wake.Task.IsCompleted)
                    {
                        _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    wake = _wake.Task;
                }

                TimeSpan sleep;
                try
                {
                    await ReportProblemsAsync(stoppingToken).ConfigureAwait(false);
                    Plan(Clock.GetUtcNow());
                    await SendDueAsync(stoppingToken).ConfigureAwait(false);
                    await ReapplyLostLevelsAsync(stoppingToken).ConfigureAwait(false);
                    sleep = NextWake(Clock.GetUtcNow());
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    // The lamps keep their levels meanwhile; the next turn plans everything again.
                    LogTurnFailed(_logger, ex);
                    sleep = _runtime.FieldClock.FromReal(FirstRetry);
                }

                using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                // Also every quarter of a real second: a planning turn is cheap, and a step is then never missed by more than that
                // should a wake-up on the (possibly scaled) clock be lost or late.
                await Task.WhenAny(Task.Delay(sleep, Clock, stopWaiting.Token), Task.Delay(ReplanAtLeastEvery, stopWaiting.Token), changed, wake)
                    .ConfigureAwait(false);
                await stopWaiting.CancelAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _registry.Started -= OnLineStarted;
        }
    }

    /// <summary>Works out every target for <paramref name="now"/>; a changed one is marked to be sent.</summary>
    private void Plan(DateTimeOffset now)
    {
        var set = _runtime.Applied;
        var overrides = _runtime.LiveOverrides(now);
        var site = _runtime.EffectiveSite;
        var keys = new List<(string Line, int? Group)>();
        if (set is not null)
        {
            keys.AddRange(set.Assignments.Select(a => (a.Line, a.Group)));
        }

        keys.AddRange(overrides.Select(o => (o.Line, o.Group)));
        keys = keys.Distinct().ToList();
        lock (_gate)
        {
            foreach (var stale in _targets.Keys.Except(keys).ToList())
            {
                // An override ended on a group the set does not assign (or on the whole line): the line's other targets
                // cover its gear again.
                _targets.Remove(stale);
                foreach (var other in _targets.Values.Where(t => t.Line == stale.Line && t.Arc is not null))
                {
                    other.Dirty = true;
                }
            }

            foreach (var key in keys)
            {
                var (percent, source) = Desired(key, set, site, overrides, now);
                byte? arc = percent is { } p ? DimmingCurve.ArcLevel(p) : null;
                if (!_targets.TryGetValue(key, out var target))
                {
                    target = new LightingTarget(key.Line, key.Group);
                    _targets[key] = target;
                }

                if (target.Arc != arc || (arc is not null && target.Sent != arc && !target.Dirty))
                {
                    target.Arc = arc;
                    target.LevelPercent = percent;
                    target.Dirty = arc is not null;
                    target.RetryAt = null;
                    target.Failures = 0;
                }

                target.Source = source;
            }
        }
    }

    private (double? Percent, string Source) Desired((string Line, int? Group) key, LightingSet? set, LightingSite site, IReadOnlyList<StoredOverride> overrides, DateTimeOffset now)
    {
        // The newest override covering the key: its own, or the whole line's.
        var cover = overrides.LastOrDefault(o => o.Line == key.Line && (o.Group == key.Group || o.Group is null));
        if (cover is not null)
        {
            return (cover.LevelPercent, $"override {cover.CommandId} until {cover.Until:o}");
        }

        var assignment = set?.Assignments.FirstOrDefault(a => a.Line == key.Line && a.Group == key.Group);
        if (set is null || assignment is null)
        {
            return (null, "no program");
        }

        try
        {
            var level = LightingSchedule.LevelAt(set, assignment, site, now);
            return (level, level is null ? "no program today" : $"calendar {assignment.Calendar}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPlanFailed(_logger, ex, key.Line, Describe(key.Group));
            return (null, "planning failed: " + ex.Message);
        }
    }

    private async Task SendDueAsync(CancellationToken cancellationToken)
    {
        List<LightingTarget> due;
        var now = Clock.GetUtcNow();
        lock (_gate)
        {
            // A whole line first, then its groups (a broadcast level would otherwise cover a group's own).
            due = _targets.Values.Where(t => t.Dirty && t.Arc is not null && (t.RetryAt is null || t.RetryAt <= now))
                .OrderBy(t => t.Line, StringComparer.Ordinal).ThenBy(t => t.Group ?? -1).ToList();
        }

        foreach (var target in due)
        {
            if (_registry.Find(target.Line) is not { } line)
            {
                continue; // not running: its start marks its targets again
            }

            var address = target.Group is { } group ? DaliAddress.Group(group) : DaliAddress.Broadcast;
            var arc = target.Arc!.Value;
            var ok = await SendAsync(line, address, arc, reapplied: false, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (target.Arc != arc)
                {
                    continue; // replanned meanwhile
                }

                if (ok)
                {
                    target.Dirty = false;
                    target.Sent = arc;
                    target.Failures = 0;
                    target.RetryAt = null;
                    ClearMismatches(line.Definition, target.Group);
                    if (target.Group is null)
                    {
                        foreach (var groupTarget in _targets.Values.Where(t => t.Line == target.Line && t.Group is not null && t.Arc is not null))
                        {
                            groupTarget.Dirty = true;
                        }
                    }
                }
                else
                {
                    target.Failures++;
                    var backoff = TimeSpan.FromTicks(Math.Min(LastRetry.Ticks, FirstRetry.Ticks << Math.Min(target.Failures - 1, 16)));
                    target.RetryAt = Clock.GetUtcNow() + _runtime.FieldClock.FromReal(backoff);
                }
            }
        }
    }

    private async Task<bool> SendAsync(DaliLine line, DaliAddress address, byte arc, bool reapplied, CancellationToken cancellationToken)
    {
        DaliBusResult result;
        try
        {
            result = await line.Commands.ExecuteAsync(DaliGear.DirectArcPower(address, arc), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            _runtime.CountSent(false, reapplied);
            LogSendFailed(_logger, line.Definition.Name, address.ToString(), arc, ex.Message);
            return false;
        }

        var ok = result.BusWorked && result.Outcome != DaliBusOutcome.BusPowerFailure;
        _runtime.CountSent(ok, reapplied);
        if (ok)
        {
            line.RequestRefresh(address);
            LogSent(_logger, line.Definition.Name, address.ToString(), arc, reapplied ? " (the gear had lost its level)" : string.Empty);
        }
        else
        {
            LogSendFailed(_logger, line.Definition.Name, address.ToString(), arc, result.ToString());
        }

        return ok;
    }

    private async Task ReapplyLostLevelsAsync(CancellationToken cancellationToken)
    {
        List<(string Line, int Address, byte Arc)> work = [];
        lock (_gate)
        {
            foreach (var (lineName, address) in _lostLevel.Distinct())
            {
                if (_registry.Configured.FirstOrDefault(l => l.Name == lineName)?.Gear.FirstOrDefault(g => g.Address == address) is { } gear
                    && TargetOf(lineName, gear) is { Arc: { } arc, Dirty: false })
                {
                    work.Add((lineName, address, arc));
                }
            }

            _lostLevel.Clear();
        }

        foreach (var (lineName, address, arc) in work)
        {
            if (_registry.Find(lineName) is { } line)
            {
                await SendAsync(line, DaliAddress.Short(address), arc, reapplied: true, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The target that holds a gear: its lowest assigned group's, else its line's whole-line target.</summary>
    private LightingTarget? TargetOf(string line, DaliGearDefinition gear)
    {
        for (var group = 0; group <= DaliAddress.MaxGroup; group++)
        {
            if ((gear.Groups & (1 << group)) != 0 && _targets.TryGetValue((line, group), out var target) && target.Arc is not null)
            {
                return target;
            }
        }

        return _targets.TryGetValue((line, null), out var whole) && whole.Arc is not null ? whole : null;
    }

    private TimeSpan NextWake(DateTimeOffset now)
    {
        var next = now + MaxSleep;
        var set = _runtime.Applied;
        var site = _runtime.EffectiveSite;
        if (set is not null)
        {
            foreach (var assignment in set.Assignments)
            {
                try
                {
                    if (LightingSchedule.NextChange(set, assignment, site, now) is { } step && step.At < next)
                    {
                        next = step.At;
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    LogPlanFailed(_logger, ex, assignment.Line, Describe(assignment.Group));
                }
            }
        }

        foreach (var o in _runtime.LiveOverrides(now))
        {
            next = o.Until < next ? o.Until : next;
        }

        lock (_gate)
        {
            foreach (var retry in _targets.Values.Where(t => t.Dirty && t.RetryAt is not null).Select(t => t.RetryAt!.Value))
            {
                next = retry < next ? retry : next;
            }
        }

        // A millisecond past the step, so the level read then is the step's.
        var sleep = next - now + TimeSpan.FromMilliseconds(1);
        return sleep < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : sleep;
    }

    private void OnLineStarted(DaliLine line)
    {
        var name = line.Definition.Name;
        if (_hooked.TryAdd(line, name))
        {
            line.Poller.AnsweringAgain += gear => LostLevel(name, gear.Definition.Address);
            line.Poller.LevelRead += gear => OnLevelRead(name, gear);
        }
        lock (_gate)
        {
            _startedLines.Add(name);
            foreach (var target in _targets.Values.Where(t => t.Line == name && t.Arc is not null))
            {
                target.Dirty = true;
                target.RetryAt = null;
            }
        }

        Wake();
    }

    private void OnLevelRead(string line, DaliGearState gear)
    {
        var key = (line, gear.Definition.Address);
        lock (_gate)
        {
            if (TargetOf(line, gear.Definition) is not { Arc: { } arc, Dirty: false } || gear.Level == arc || gear.LampFailure == true)
            {
                _mismatches.Remove(key);
                if (gear.Level is { } level && TargetOf(line, gear.Definition)?.Arc == level)
                {
                    _reapplies.Remove(key);
                }

                return;
            }

            // Two sweeps in a row (a fade has ended by then), more after each attempt that did not hold.
            var count = _mismatches.GetValueOrDefault(key) + 1;
            var needed = 2 << Math.Min(_reapplies.GetValueOrDefault(key), 6);
            if (count < needed)
            {
                _mismatches[key] = count;
                return;
            }

            _mismatches.Remove(key);
            _reapplies[key] = _reapplies.GetValueOrDefault(key) + 1;
            _lostLevel.Add(key);
        }

        Wake();
    }

    private void LostLevel(string line, int address)
    {
        lock (_gate)
        {
            _lostLevel.Add((line, address));
        }

        Wake();
    }

    private void ClearMismatches(DaliLineDefinition line, int? group)
    {
        foreach (var gear in line.Gear.Where(g => group is null || (g.Groups & (1 << group.Value)) != 0))
        {
            _mismatches.Remove((line.Name, gear.Address));
        }
    }

    private async Task ReportProblemsAsync(CancellationToken cancellationToken)
    {
        List<DaliLine> lines;
        lock (_gate)
        {
            lines = _startedLines.Where(n => _problemsReportedOn.Add(n)).Select(_registry.Find).OfType<DaliLine>().ToList();
            _startedLines.Clear();
        }

        foreach (var line in lines)
        {
            foreach (var problem in _problems)
            {
                await line.Poller.RecordEventAsync(problem, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void Wake()
    {
        lock (_gate)
        {
            _wake.TrySetResult();
        }
    }

    private static string Describe(int? group) => group is { } g ? "group " + g.ToString(CultureInfo.InvariantCulture) : "the whole line";

    [LoggerMessage(Level = LogLevel.Information, Message = "Lighting: DAPC {Arc} to {Target} on {Line}{Why}")]
    private static partial void LogSent(ILogger logger, string line, string target, byte arc, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lighting: DAPC {Arc} to {Target} on {Line} failed ({Why}); retried with backoff")]
    private static partial void LogSendFailed(ILogger logger, string line, string target, byte arc, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lighting: a scheduler turn failed; trying again shortly")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lighting: planning {Line} {Group} failed; the group keeps its level")]
    private static partial void LogPlanFailed(ILogger logger, Exception exception, string line, string group);
}

/// <summary>What the scheduler holds for one line group (or whole line): the level it should have and what was sent.</summary>
internal sealed record LightingTarget(string Line, int? Group)
{
    public byte? Arc { get; set; }

    public double? LevelPercent { get; set; }

    public string Source { get; set; } = string.Empty;

    public byte? Sent { get; set; }

    public bool Dirty { get; set; }

    public int Failures { get; set; }

    public DateTimeOffset? RetryAt { get; set; }
}
