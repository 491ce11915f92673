using System.Text;
using System.Text.Json;
using City.Central.Commands;
using City.Protocols.Talq;
using Microsoft.Extensions.Logging;

namespace City.Central.Lighting;

/// <summary>
/// Pushing and confirming: a gateway's set is rebuilt after each change that touches it and pushed when its version
/// differs from the one central last wanted; a DONE result or a birth reporting that version makes it applied; a
/// REJECTED or FAILED result makes it rejected (reason and detail kept); a push that expired unsent leaves it pending, and
/// the gateway's next birth pushes it again, as does a birth reporting another version while no push is on its way.
/// </summary>
internal sealed partial class LightingService
{
    /// <summary>The largest set JSON pushed (command bodies may be 64 KiB; the rest is the envelope).</summary>
    public const int MaxSetBytes = 60 * 1024;

    public const string ReasonTooLarge = "too-large";

    public void BirthCommitted(string gatewayId)
    {
        _births.TryAdd(gatewayId, 0);
        _wake.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // What changed while central was down or failed to push: every gateway with an assignment or a status.
        lock (_gate)
        {
            ReconcileAll([.. _assignments.Keys.Union(_statuses.Keys).Order(StringComparer.Ordinal)], issuer: null);
        }

        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                foreach (var gateway in _births.Keys)
                {
                    _births.TryRemove(gateway, out _);
                    try
                    {
                        CheckBirth(gateway);
                    }
                    // A store problem: logged; the gateway's next birth checks again.
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        LogBirthCheckFailed(_logger, gateway, exception);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The birth's lighting_version against the version central wants (under the lock).</summary>
    internal void CheckBirth(string gateway)
    {
        lock (_gate)
        {
            if (!_registry.TryGet(gateway, out var state) || !_statuses.TryGetValue(gateway, out var status))
            {
                return;
            }

            var reported = state.LightingVersion;
            if (reported.Length > 0 && reported == status.Version)
            {
                if (status.State != LightingStates.Applied || status.AppliedVersion != reported)
                {
                    Save(status with { State = LightingStates.Applied, Reason = string.Empty, Detail = $"its birth reports {reported}", AppliedVersion = reported });
                }

                return;
            }

            status = status with { AppliedVersion = reported };
            if (status.State == LightingStates.Rejected || IsLive(status))
            {
                // Rejected: pushing it again changes nothing. Live: the command service sends it after this birth.
                Save(status);
                return;
            }

            LogRepush(_logger, gateway, reported.Length == 0 ? "none" : reported, status.Version);
            Push(gateway, status, status.Issuer);
        }
    }

    /// <summary>Rebuilds each gateway's set and pushes those whose version changed; returns the gateways pushed to.</summary>
    private List<string> ReconcileAll(IReadOnlyList<string> gateways, string? issuer)
    {
        var pushed = new List<string>();
        foreach (var gateway in gateways)
        {
            var status = _statuses.GetValueOrDefault(gateway);
            if (!_assignments.ContainsKey(gateway) && status is null)
            {
                continue;
            }

            var set = BuildSet(gateway);
            if (status is not null && status.Version == set.Version)
            {
                continue;
            }

            Push(gateway, status, issuer ?? status?.Issuer ?? "central", set);
            pushed.Add(gateway);
        }

        return pushed;
    }

    private LightingSet BuildSet(string gateway) =>
        LightingSetBuilder.Build(_assignments.GetValueOrDefault(gateway) ?? GatewayAssignment.Empty, _calendars, _programs, _time.GetUtcNow());

    /// <summary>Issues a lighting_config command with the gateway's set (rebuilt now unless given) and marks it pending.</summary>
    private void Push(string gateway, LightingStatus? status, string issuer, LightingSet? set = null)
    {
        set ??= BuildSet(gateway);
        var json = TalqJson.Serialize(set);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var next = (status ?? new LightingStatus { Gateway = gateway }) with
        {
            Version = set.Version,
            Issuer = issuer,
            UpdatedAtUnixMs = now,
            Reason = string.Empty,
        };
        var bytes = Encoding.UTF8.GetByteCount(json);
        if (bytes > MaxSetBytes)
        {
            Save(next with
            {
                State = LightingStates.Rejected,
                Reason = ReasonTooLarge,
                Detail = $"the set is {bytes} bytes of JSON, more than the {MaxSetBytes} a command carries; assign fewer calendars or programs",
                CommandId = null,
            });
            return;
        }

        var id = Guid.NewGuid().ToString("D");
        Save(next with { State = LightingStates.Pending, Detail = $"pushed {set.Version}", CommandId = id });
        var action = new CommandAction { Kind = ActionKinds.LightingConfig, Version = set.Version, SetJson = json };
        try
        {
            _commands.Issue(new CommandRequest(id, [gateway], action, PushExpirySeconds), issuer);
            LogPushed(_logger, gateway, set.Version, id, issuer, bytes);
        }
        // Not stored, so not sent: pending without a command; its next birth (or central's next start) pushes again.
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogPushFailed(_logger, gateway, set.Version, exception);
            Save(next with { State = LightingStates.Pending, Detail = $"not pushed ({exception.Message}); pushed again at its next birth", CommandId = null });
        }
    }

    /// <summary>A push still on its way: its command is pending, sent or accepted, and not past not_after.</summary>
    private bool IsLive(LightingStatus status) =>
        status.CommandId is { } id
        && _commands.Target(id, status.Gateway) is { } target
        && !CommandStatuses.IsFinal(target.Status)
        && target.NotAfterUnixMs > _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The command service's final statuses of lighting_config commands: applied, rejected or pending again.</summary>
    private void OnTargetsFinished(IReadOnlyList<CommandTarget> targets)
    {
        lock (_gate)
        {
            foreach (var target in targets)
            {
                if (!_statuses.TryGetValue(target.Gateway, out var status)
                    || (target.CommandId != status.CommandId && target.Status != CommandStatuses.Done)
                    || _commands.Find(target.CommandId) is not { Action.Kind: ActionKinds.LightingConfig } command)
                {
                    continue;
                }

                var version = command.Action.Version ?? string.Empty;
                var next = target.Status switch
                {
                    CommandStatuses.Done when version == status.Version =>
                        status with { State = LightingStates.Applied, Reason = string.Empty, Detail = target.Detail, AppliedVersion = version },
                    CommandStatuses.Done => status with { AppliedVersion = version },
                    CommandStatuses.Rejected or CommandStatuses.Failed => status with
                    {
                        State = LightingStates.Rejected,
                        Reason = target.Reason.Length > 0 ? target.Reason : target.Status,
                        Detail = target.Detail,
                    },
                    _ => status with
                    {
                        State = LightingStates.Pending,
                        Detail = "the push expired before the gateway was online; pushed again at its next birth",
                    },
                };
                Save(next with { UpdatedAtUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds() });
                LogConfirmed(_logger, target.Gateway, version, target.Status, next.State, target.Reason, target.Detail);
            }
        }
    }

    private void Save(LightingStatus status)
    {
        _store.Put(LightingStore.Statuses, status.Gateway, JsonSerializer.Serialize(status, Json));
        _statuses[status.Gateway] = status;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Lighting set {Version} pushed to {Gateway} (command {Id}, by '{Issuer}', {Bytes} bytes)")]
    private static partial void LogPushed(ILogger logger, string gateway, string version, string id, string issuer, int bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lighting set {Version} could not be pushed to {Gateway}; pushed again at its next birth")]
    private static partial void LogPushFailed(ILogger logger, string gateway, string version, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lighting: {Gateway} runs {Reported}, central wants {Version}: pushed again")]
    private static partial void LogRepush(ILogger logger, string gateway, string reported, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lighting set {Version} at {Gateway}: command {Status} -> {State} {Reason} {Detail}")]
    private static partial void LogConfirmed(ILogger logger, string gateway, string version, string status, string state, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lighting: the birth of {Gateway} could not be checked")]
    private static partial void LogBirthCheckFailed(ILogger logger, string gateway, Exception exception);
}
