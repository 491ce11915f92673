using System.Text.Json;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Commands;
using City.Edge.Devices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace City.Edge.Reload;

/// <summary>What a reload request got: refused (with why), unchanged, or started (a trial while its grace period runs).</summary>
internal sealed record ReloadAnswer(string Outcome, int Number, string Version, IReadOnlyList<string> Problems);

/// <summary>
/// Changes the configuration of the running edge (central's edge-config command, SIGHUP, edgectl reload). A new
/// configuration is checked first (<see cref="ConfigCandidates"/>); a good one replaces the running loops: the edge's
/// composition (pollers, DALI lines, lighting, the command path, the forwarder's session) is stopped and built again on it,
/// while the process, the buffer file, its readings and the local API socket stay. The loops stop in the usual order, so
/// the buffer writer commits every reading before the new ones start. The new configuration is then on trial
/// (<see cref="ConfigTrial"/>); if none of its devices answers within the grace period while the previous one had some,
/// the previous one is built again. Every version goes into the <see cref="ConfigHistory"/>, a command's final result into
/// the outbox, and each apply or rollback into the event point <see cref="EventPointId"/>.
/// </summary>
internal sealed partial class EdgeReloader : IEdgeConfigPush
{
    public const string EventPointId = "$edge/config";

    private static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(200);

    private readonly ConfigHistory _history;
    private readonly IReadOnlyList<IProtocolDriver> _drivers;
    private readonly Func<IConfiguration> _readFiles;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private ConfigCandidate _running;
    private ConfigCandidate? _previous;
    private ConfigCandidate? _next;
    private TaskCompletionSource<ConfigCandidate> _swap = NewSwap();
    private string? _rollbackReason;
    private ConfigCandidate? _previousFailed;
    private bool _previousHadAnswers;
    private bool _onTrial;

    /// <param name="readFiles">Reads the files as at start (the same sources, arguments and environment).</param>
    public EdgeReloader(ConfigHistory history, IReadOnlyList<IProtocolDriver> drivers, Func<IConfiguration> readFiles, TimeProvider time, ILogger logger, ConfigCandidate initial)
    {
        _history = history;
        _drivers = drivers;
        _readFiles = readFiles;
        _time = time;
        _logger = logger;
        _running = initial;
    }

    /// <summary>The configuration that runs (or is on trial).</summary>
    public ConfigCandidate Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    public ConfigHistory History => _history;

    /// <summary>From the moment a run's loops stop to make way for a new configuration until the new ones have started.</summary>
    public bool ReplacingRun { get; private set; }

    /// <summary>Whether a new configuration is on trial or about to run (another request is refused until it is decided).</summary>
    public bool Busy
    {
        get
        {
            lock (_gate)
            {
                return IsBusy();
            }
        }
    }

    private bool IsBusy() => _next is not null || _onTrial;

    /// <summary>
    /// The configuration of the start: the files, with the sections central pushed before (central.json) on top, unless that
    /// makes them invalid (then the files alone, and a warning). Recorded in the history when it differs from the last entry.
    /// </summary>
    /// <param name="interrupted">Called with the command id and detail of a pushed version whose trial the last run of the process did not finish (its FAILED result).</param>
    public static ConfigCandidate Start(ConfigHistory history, IReadOnlyList<IProtocolDriver> drivers, ConfigDocument files, EdgeSettings fileSettings, TimeProvider time, ILogger logger,
        Action<string, string>? interrupted = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(files);
        ConfigCandidate start = new(files, null, fileSettings, files.Digest, ConfigSources.File, null, 0);
        ConfigDocument? overlay = null;
        try
        {
            overlay = history.CentralOverlay();
        }
        catch (JsonException ex)
        {
            LogOverlayIgnored(logger, Path.Combine(history.Directory, ConfigHistory.CentralOverlayFile), ex.Message);
        }

        if (overlay is not null)
        {
            var merged = files.With(overlay);
            if (ConfigCandidates.Check(files, merged, drivers, out var settings) is { } refusal)
            {
                LogOverlayIgnored(logger, Path.Combine(history.Directory, ConfigHistory.CentralOverlayFile), refusal.Detail);
            }
            else
            {
                start = new ConfigCandidate(merged, overlay, settings!, merged.Digest, ConfigSources.Central, null, 0);
            }
        }

        // A trial the process did not live to decide: the start's configuration runs instead (its own entry says which).
        foreach (var stale in history.Entries().Where(e => e.Outcome == ConfigOutcomes.Trial && e.Version != start.Version))
        {
            const string detail = "the edge stopped before its trial was decided; it started again on its files";
            history.Update(stale.Number, ConfigOutcomes.RolledBack, detail);
            if (stale.CommandId is { } commandId)
            {
                interrupted?.Invoke(commandId, $"rolled back to {start.Version}: {detail}");
            }
        }

        var last = history.Entries().LastOrDefault(e => e.Outcome is ConfigOutcomes.Applied or ConfigOutcomes.Trial);
        if (last is not null && last.Version == start.Version)
        {
            if (last.Outcome == ConfigOutcomes.Trial)
            {
                history.Update(last.Number, ConfigOutcomes.Applied, "applied at start");
            }

            return start with { Number = last.Number, Version = last.Version };
        }

        var entry = history.Add(start.Version, start.Source, time.GetUtcNow(), ConfigOutcomes.Applied, "read at start", null, start.Document);
        return start with { Number = entry.Number };
    }

    /// <summary>Waits until a new configuration must run; null when the running one is stopping (the edge shuts down).</summary>
    public async Task<ConfigCandidate?> NextAsync(CancellationToken stopping)
    {
        Task<ConfigCandidate> swap;
        lock (_gate)
        {
            swap = _swap.Task;
        }

        var stopped = Task.Delay(Timeout.Infinite, stopping);
        var first = await Task.WhenAny(swap, stopped).ConfigureAwait(false);
        return first == swap ? await swap.ConfigureAwait(false) : null;
    }

    /// <summary>
    /// The loops of <paramref name="candidate"/> are about to be built: it becomes the running one. Whether the outgoing
    /// configuration had devices answering (<paramref name="outgoing"/>, the state of the loops that stop) is kept for the trial.
    /// </summary>
    public void Swapping(ConfigCandidate candidate, EdgeState outgoing)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        lock (_gate)
        {
            var (_, answering) = ConfigTrial.Count(outgoing);
            if (candidate.Source != ConfigSources.Rollback)
            {
                _previous = _running with { };
                _previousHadAnswers = answering > 0;
            }

            _running = candidate;
            _next = null;
            _swap = NewSwap();
            ReplacingRun = true;
        }
    }

    /// <summary>
    /// The loops of the running configuration have started (<paramref name="services"/> is their container). A new
    /// configuration goes on trial until its grace period decides; a rollback reports why it happened.
    /// </summary>
    public Task StartedAsync(IServiceProvider services, bool isFirst, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(services);
        ConfigCandidate running;
        string? rollbackReason;
        bool previousHadAnswers;
        lock (_gate)
        {
            ReplacingRun = false;
            running = _running;
            rollbackReason = _rollbackReason;
            _rollbackReason = null;
            previousHadAnswers = _previousHadAnswers;
        }

        if (isFirst)
        {
            return Task.CompletedTask;
        }

        if (running.Source == ConfigSources.Rollback)
        {
            var failed = _previousFailed;
            var detail = $"rolled back to {running.Version} (version {running.Number}): {rollbackReason}";
            LogRolledBack(_logger, failed?.Version ?? "?", running.Version, rollbackReason ?? string.Empty);
            Event(services, $"configuration {failed?.Version} rolled back to {running.Version}: {rollbackReason}");
            if (failed?.CommandId is { } commandId)
            {
                Report(services, commandId, CommandStatus.Failed, detail);
            }

            return Task.CompletedTask;
        }

        lock (_gate)
        {
            _onTrial = true;
        }

        var grace = TimeSpan.FromSeconds(running.Settings.Options.Reload.GracePeriodSeconds);
        var trial = new ConfigTrial(_time.GetUtcNow(), grace, previousHadAnswers);
        return WatchAsync(services, running, trial, stopping);
    }

    private async Task WatchAsync(IServiceProvider services, ConfigCandidate running, ConfigTrial trial, CancellationToken stopping)
    {
        var state = services.GetRequiredService<EdgeState>();
        while (!stopping.IsCancellationRequested)
        {
            var (enabled, answering) = ConfigTrial.Count(state);
            switch (trial.Decide(_time.GetUtcNow(), enabled, answering))
            {
                case TrialDecision.Keep:
                    Commit(services, running, answering, enabled);
                    return;
                case TrialDecision.RollBack:
                    RollBack(running, $"no device answered within {trial.Grace.TotalSeconds:0} s ({enabled} enabled) while the previous configuration had devices answering");
                    return;
            }

            try
            {
                await Task.Delay(WatchInterval, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Commit(IServiceProvider services, ConfigCandidate running, int answering, int enabled)
    {
        var detail = enabled == 0 ? "applied (no enabled device)" : $"applied: {answering} of {enabled} devices answering";
        lock (_gate)
        {
            _onTrial = false;
        }

        _history.Update(running.Number, ConfigOutcomes.Applied, detail);
        ConfigCandidate? previous;
        lock (_gate)
        {
            previous = _previous;
        }

        if (previous is not null && previous.Number != running.Number)
        {
            _history.Update(previous.Number, ConfigOutcomes.Replaced, null);
        }

        if (running.Source == ConfigSources.Central)
        {
            _history.SetCentralOverlay(running.CentralOverlay);
        }

        LogApplied(_logger, running.Number, running.Version, running.Source, detail);
        Event(services, $"configuration {running.Version} (version {running.Number}, from {running.Source}) {detail}");
        if (running.CommandId is { } commandId)
        {
            Report(services, commandId, CommandStatus.Done, $"applied {running.Version}");
        }
    }

    private void RollBack(ConfigCandidate failed, string reason)
    {
        lock (_gate)
        {
            if (_previous is null || _next is not null)
            {
                return;
            }

            _onTrial = false;
            _history.Update(failed.Number, ConfigOutcomes.RolledBack, reason);
            _previousFailed = failed;
            _rollbackReason = reason;
            var back = _previous with { Source = ConfigSources.Rollback, CommandId = null };
            _next = back;
            _swap.TrySetResult(back);
        }
    }

    /// <summary>The loops of a new configuration could not be built or started: go back to the previous one.</summary>
    public ConfigCandidate? FailedToStart(ConfigCandidate failed, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(failed);
        ArgumentNullException.ThrowIfNull(exception);
        lock (_gate)
        {
            if (_previous is null || failed.Source == ConfigSources.Rollback)
            {
                return null;
            }

            var reason = $"its loops failed to start: {exception.Message}";
            _history.Update(failed.Number, ConfigOutcomes.RolledBack, reason);
            _previousFailed = failed;
            _rollbackReason = reason;
            _running = _previous with { Source = ConfigSources.Rollback, CommandId = null };
            return _running;
        }
    }

    private static TaskCompletionSource<ConfigCandidate> NewSwap() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Event(IServiceProvider services, string text)
    {
        var buffer = services.GetRequiredService<BatchBuffer>();
        var alias = buffer.AliasOf(EventPointId);
        if (!services.GetRequiredService<ReadingQueue>().Writer.TryWrite(new Reading(alias, _time.GetUtcNow().ToUnixTimeMilliseconds(), PointValue.FromText(text), Quality.Good)))
        {
            LogEventLost(_logger, text);
        }
    }

    private void Report(IServiceProvider services, string commandId, CommandStatus status, string detail)
    {
        var outbox = services.GetRequiredService<CommandOutbox>();
        var result = new CommandResult { Id = commandId, Status = status, Detail = detail, TimeUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds() };
        if (!outbox.Add(result))
        {
            LogResultLost(_logger, commandId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The configuration central pushed before ({File}) is not applied at start: {Problem}")]
    private static partial void LogOverlayIgnored(ILogger logger, string file, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration version {Number} ({Version}, from {Source}) {Detail}")]
    private static partial void LogApplied(ILogger logger, int number, string version, string source, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Configuration {Failed} rolled back to {Version}: {Reason}")]
    private static partial void LogRolledBack(ILogger logger, string failed, string version, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The configuration event could not be queued: {Text}")]
    private static partial void LogEventLost(ILogger logger, string text);

    [LoggerMessage(Level = LogLevel.Error, Message = "The final result of command {Id} could not be kept (the disk is full)")]
    private static partial void LogResultLost(ILogger logger, string id);
}
