using System.Globalization;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Protocols.Talq;
using Microsoft.Extensions.Logging;

namespace City.Edge.Lighting;

/// <summary>
/// The lighting state of the edge: the site, the applied set and the overrides, kept on disk by the <see cref="LightingStore"/>
/// and run by the <see cref="LightingScheduler"/>, which it wakes at every change. Checks a pushed set against this edge
/// (lines, groups, the site when a program needs the sun, superseded sets).
/// </summary>
internal sealed partial class LightingRuntime : ILightingStatus
{
    private readonly LightingStore _store;
    private readonly IReadOnlyList<DaliLineDefinition> _lines;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<StoredOverride> _overrides;
    private readonly List<string> _problems = [];
    private LightingSet? _applied;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _appliedCommands;
    private long _failedCommands;

    public LightingRuntime(EdgeSettings settings, FieldClock clock, LightingStore store, ILogger<LightingRuntime> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(clock);
        _store = store;
        _logger = logger;
        _lines = settings.DaliLines;
        Clock = clock.Time;
        FieldClock = clock;
        Site = settings.Site is { } site ? new LightingSite(site.Latitude, site.Longitude, site.TimeZone) : null;
        _applied = store.LoadSet(out var setProblem);
        _overrides = store.LoadOverrides(out var overridesProblem);
        foreach (var problem in new[] { setProblem, overridesProblem }.OfType<string>())
        {
            LogDamaged(logger, problem);
            _problems.Add(problem);
        }

        if (_applied is not null)
        {
            LogLoaded(logger, _applied.Version, _applied.Assignments.Count, _overrides.Count);
        }
    }

    public LightingSite? Site { get; }

    public LightingSet? Applied
    {
        get
        {
            lock (_gate)
            {
                return _applied;
            }
        }
    }

    public IReadOnlyList<ActiveOverride> Overrides
    {
        get
        {
            var now = Clock.GetUtcNow();
            lock (_gate)
            {
                return _overrides.Where(o => o.Until > now).Select(o => new ActiveOverride(o.Line, o.Group, o.LevelPercent, o.Until, o.CommandId)).ToList();
            }
        }
    }

    public TimeProvider Clock { get; }

    public FieldClock FieldClock { get; }

    public long AppliedCommands => Interlocked.Read(ref _appliedCommands);

    public long FailedCommands => Interlocked.Read(ref _failedCommands);

    /// <summary>DAPC commands the scheduler sent again to gear that had lost their level.</summary>
    public long Reapplied => Interlocked.Read(ref _reapplied);

    private long _reapplied;

    /// <summary>The version the edge runs, for the Birth ("" when none).</summary>
    public string Version => Applied?.Version ?? string.Empty;

    /// <summary>The site the programs compute with: the configured one, else (programs without the sun only) the system's zone at 0/0.</summary>
    public LightingSite EffectiveSite => Site ?? new LightingSite(0, 0, TimeZoneInfo.Local);

    /// <summary>Completes at the next change of the set or the overrides (the scheduler waits on it).</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    public void CountSent(bool ok, bool reapplied)
    {
        Interlocked.Increment(ref ok ? ref _appliedCommands : ref _failedCommands);
        if (ok && reapplied)
        {
            Interlocked.Increment(ref _reapplied);
        }
    }

    /// <summary>Problems of the files found at start, handed out once (the scheduler reports them on the lines' event points).</summary>
    public IReadOnlyList<string> TakeProblems()
    {
        lock (_gate)
        {
            var problems = _problems.ToList();
            _problems.Clear();
            return problems;
        }
    }

    /// <summary>Parses and checks a pushed set; null when it may be applied, else the problem with its JSON path.</summary>
    public string? Check(string version, string json, out LightingSet? set)
    {
        if (!TalqJson.TryParseSet(json ?? string.Empty, out set, out var errors) || set is null)
        {
            set = null;
            return errors.Count == 0 ? "the set does not parse" : string.Join("; ", errors);
        }

        if (string.IsNullOrEmpty(set.Version))
        {
            set.Version = version ?? string.Empty;
        }
        else if (!string.IsNullOrEmpty(version) && !string.Equals(set.Version, version, StringComparison.Ordinal))
        {
            return $"version: '{set.Version}' differs from the command's version '{version}'";
        }

        if (string.IsNullOrEmpty(set.Version))
        {
            return "version: missing (neither the command nor the set names one)";
        }

        var problems = new List<string>();
        for (var i = 0; i < set.Assignments.Count; i++)
        {
            var assignment = set.Assignments[i];
            var line = _lines.FirstOrDefault(l => l.Name == assignment.Line);
            if (line is null)
            {
                problems.Add($"assignments[{i}].line: no DALI line '{assignment.Line}' on this edge (lines: {(_lines.Count == 0 ? "none" : string.Join(", ", _lines.Select(l => l.Name)))})");
            }
            else if (assignment.Group is { } group && !line.Gear.Any(g => (g.Groups & (1 << group)) != 0))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"assignments[{i}].group: no gear of line '{assignment.Line}' is in group {group}"));
            }

            if (set.Assignments.Take(i).Any(a => a.Line == assignment.Line && a.Group == assignment.Group))
            {
                problems.Add($"assignments[{i}]: {assignment.Line} {(assignment.Group is { } g ? "group " + g.ToString(CultureInfo.InvariantCulture) : "(whole line)")} is assigned twice");
            }
        }

        if (Site is null)
        {
            for (var p = 0; p < set.ControlPrograms.Count; p++)
            {
                if (SunPath(set.ControlPrograms[p]) is { } path)
                {
                    problems.Add($"controlPrograms[{p}].{path}: program '{set.ControlPrograms[p].Id}' needs the sun, but this edge has no Edge:Site (latitude, longitude, time zone)");
                }
            }
        }

        var applied = Applied;
        if (applied is not null && set.IssuedAt < applied.IssuedAt)
        {
            problems.Add($"issuedAt: {set.IssuedAt:o} is older than the applied set's: superseded by {applied.Version} (issued {applied.IssuedAt:o})");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>Stores the set (lighting.json, atomically) and runs it from now on.</summary>
    public void Apply(LightingSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        lock (_gate)
        {
            _store.SaveSet(set);
            _applied = set;
        }

        LogApplied(_logger, set.Version, set.Assignments.Count);
        Signal();
    }

    /// <summary>
    /// Sets (a level) or ends (no level) the override of a line's group, or of the whole line when <paramref name="group"/> is null;
    /// the last one set wins over earlier ones covering the same gear. Persisted before it takes effect.
    /// </summary>
    public void SetOverride(string line, int? group, double? levelPercent, DateTimeOffset until, string commandId)
    {
        lock (_gate)
        {
            var next = _overrides.Where(o => !(o.Line == line && o.Group == group)).ToList();
            if (levelPercent is { } level)
            {
                next.Add(new StoredOverride(line, group, level, until, commandId));
            }

            _store.SaveOverrides(next);
            _overrides.Clear();
            _overrides.AddRange(next);
        }

        Signal();
    }

    /// <summary>The overrides in force, in the order they were set (the last wins); ended ones are dropped from the file.</summary>
    public IReadOnlyList<StoredOverride> LiveOverrides(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_overrides.Any(o => o.Until <= now))
            {
                var live = _overrides.Where(o => o.Until > now).ToList();
                try
                {
                    _store.SaveOverrides(live);
                }
                catch (IOException ex)
                {
                    // Kept in memory as ended; the file still lists it until the next write, and a restart drops it by its end.
                    LogOverridesNotSaved(_logger, ex);
                }

                _overrides.Clear();
                _overrides.AddRange(live);
            }

            return _overrides.ToList();
        }
    }

    /// <summary>The part of a program that needs the sun, as a JSON path, or null.</summary>
    public static string? SunPath(TalqControlProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        for (var i = 0; i < program.ActivePeriods.Count; i++)
        {
            if (!string.Equals(program.ActivePeriods[i].Name, "AbsoluteActivePeriod", StringComparison.Ordinal))
            {
                return string.Create(CultureInfo.InvariantCulture, $"activePeriods[{i}]");
            }
        }

        if (program.AstroClockTimeControls is { Count: > 0 })
        {
            return "astroClockTimeControls[0]";
        }

        for (var i = 0; i < program.FixedTimeControls.Count; i++)
        {
            if (program.FixedTimeControls[i].SolarMidnightOffset is not null)
            {
                return string.Create(CultureInfo.InvariantCulture, $"fixedTimeControls[{i}].solarMidnightOffset");
            }
        }

        return null;
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Lighting: {Problem}")]
    private static partial void LogDamaged(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lighting: running set {Version} from disk ({Assignments} assignments, {Overrides} overrides stored)")]
    private static partial void LogLoaded(ILogger logger, string version, int assignments, int overrides);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lighting: applied set {Version} ({Assignments} assignments)")]
    private static partial void LogApplied(ILogger logger, string version, int assignments);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lighting: the ended overrides could not be removed from lighting-overrides.json")]
    private static partial void LogOverridesNotSaved(ILogger logger, Exception exception);
}
