using City.Central.Configuration;
using City.Central.Ingest;
using City.Central.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace City.Central.Commands;

/// <summary>What <see cref="CommandService.Issue"/> did: stored a new command, or found the one with that client id.</summary>
internal sealed record IssueOutcome(CommandRecord Command, bool Created);

/// <summary>
/// Central's commands: issues them (signed once per gateway, stored with the issuer), sends them to the gateways that are
/// online and, for the others, at their next birth (<see cref="IGatewayBirths"/>) unless they expired first, sweeps the
/// expired ones on a timer, and applies the gateways' results, acknowledging each result_seq after it is stored.
/// Every status change goes through one lock and is stored before anything is answered or acknowledged.
/// </summary>
internal sealed partial class CommandService : BackgroundService, IGatewayBirths
{
    private readonly CommandStore _store;
    private readonly CommandSigner _signer;
    private readonly ICommandPublisher _publisher;
    private readonly CommandResultQueue _results;
    private readonly GatewayRegistry _registry;
    private readonly CommandStats _stats;
    private readonly RejectLog _rejectLog;
    private readonly TimeProvider _time;
    private readonly ILogger<CommandService> _logger;
    private readonly Lock _gate = new();

    // Several centrals (Mqtt:SharedGroup): each keeps the commands it issued (commands.db is per instance) and every one
    // receives every result; a result of a command this central does not know belongs to another central, which
    // acknowledges it once stored, so it is left unacknowledged here instead of being let go.
    private readonly bool _sharedGroup;

    // The pending targets per gateway (command id → not_after), under _gate: what a birth sends and the sweep expires,
    // without a store query per gateway. Loaded from the store at construction.
    private readonly Dictionary<string, Dictionary<string, long>> _pending = new(StringComparer.Ordinal);

    public CommandService(
        CommandStore store,
        CommandSigner signer,
        ICommandPublisher publisher,
        CommandResultQueue results,
        GatewayRegistry registry,
        CommandStats stats,
        RejectLog rejectLog,
        TimeProvider time,
        ILogger<CommandService> logger,
        IOptions<CentralOptions>? options = null)
    {
        _store = store;
        _sharedGroup = options?.Value.Mqtt.SharedGroup is not null;
        _signer = signer;
        _publisher = publisher;
        _results = results;
        _registry = registry;
        _stats = stats;
        _rejectLog = rejectLog;
        _time = time;
        _logger = logger;
        foreach (var target in store.TargetsInStatus(CommandStatuses.Pending))
        {
            AddPending(target);
        }
    }

    /// <summary>
    /// Stores a new command for every gateway of the request (status pending) and schedules its delivery; a request
    /// whose client id is already stored answers that command and creates nothing.
    /// </summary>
    public IssueOutcome Issue(CommandRequest request, string issuer)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Id is { } clientId && _store.Find(clientId) is { } known)
        {
            return new IssueOutcome(known, Created: false);
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var command = new CommandRecord(
            request.Id ?? Guid.NewGuid().ToString("D"),
            issuer,
            now,
            now + (request.ExpiresInSeconds * 1000L),
            request.Action,
            request.Gateways);

        // Signed once per gateway, outside the lock: a resend is the same bytes.
        var targets = command.Gateways.Select(gateway => new CommandTarget
        {
            CommandId = command.Id,
            Gateway = gateway,
            Status = CommandStatuses.Pending,
            IssuedAtUnixMs = command.IssuedAtUnixMs,
            NotAfterUnixMs = command.NotAfterUnixMs,
            UpdatedAtUnixMs = now,
            Payload = _signer.Payload(command, gateway),
        }).ToList();

        lock (_gate)
        {
            // The same client id posted twice at once: the second finds the first here.
            if (_store.Find(command.Id) is { } raced)
            {
                return new IssueOutcome(raced, Created: false);
            }

            _store.Insert(command, targets);
            foreach (var target in targets)
            {
                AddPending(target);
            }
        }

        _stats.Issue(targets.Count);
        LogIssued(_logger, command.Id, command.Action.Kind, issuer, command.Gateways.Count, command.Gateways[0], request.ExpiresInSeconds);
        foreach (var gateway in command.Gateways)
        {
            ScheduleDelivery(gateway);
        }

        return new IssueOutcome(command, Created: true);
    }

    /// <summary>
    /// Raised, outside the service's lock, with the targets that reached a final status (done, failed, rejected, expired)
    /// once they are stored: the lighting service follows its pushes by it. A handler must not block for long.
    /// </summary>
    public event Action<IReadOnlyList<CommandTarget>>? TargetsFinished;

    public CommandRecord? Find(string id) => _store.Find(id);

    public List<CommandTarget> Targets(string id) => _store.Targets(id);

    public CommandTarget? Target(string id, string gateway) => _store.FindTarget(id, gateway);

    public List<CommandRecord> List(string? gateway, long fromUnixMs, string? after, int limit) => _store.List(gateway, fromUnixMs, after, limit);

    public void BirthCommitted(string gatewayId) => ScheduleDelivery(gatewayId);

    /// <summary>Marks every pending target past its not_after expired (never sent); returns how many.</summary>
    internal int ExpireDue()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var expired = new List<CommandTarget>();
        lock (_gate)
        {
            var due = _pending.SelectMany(g => g.Value.Where(c => c.Value <= now).Select(c => (Gateway: g.Key, Id: c.Key))).ToList();
            foreach (var (gateway, id) in due)
            {
                if (_store.FindTarget(id, gateway) is { Status: CommandStatuses.Pending } target)
                {
                    expired.Add(target with { Status = CommandStatuses.Expired, FinishedAtUnixMs = now, UpdatedAtUnixMs = now, Detail = "not_after passed before it could be sent" });
                }
            }

            _store.Update(expired);
            foreach (var (gateway, id) in due)
            {
                RemovePending(gateway, id);
            }
        }

        if (expired.Count > 0)
        {
            _stats.Expire(expired.Count);
            foreach (var target in expired)
            {
                LogExpired(_logger, target.CommandId, target.Gateway);
            }

            RaiseFinished(expired);
        }

        return expired.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // What waited when central stopped: sent to the gateways that are (or come) online.
        List<string> waiting;
        lock (_gate)
        {
            waiting = [.. _pending.Keys];
        }

        foreach (var gateway in waiting)
        {
            ScheduleDelivery(gateway);
        }

        await Task.WhenAll(
            DeliveryLoopAsync(stoppingToken),
            ResultsLoopAsync(stoppingToken),
            SweepLoopAsync(stoppingToken)).ConfigureAwait(false);
    }

    private void RaiseFinished(IReadOnlyList<CommandTarget> targets)
    {
        try
        {
            TargetsFinished?.Invoke(targets);
        }
        // A listener's problem is its own: the statuses are stored and the results are acknowledged all the same.
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogListenerFailed(_logger, targets.Count, exception);
        }
    }

    private void AddPending(CommandTarget target)
    {
        if (!_pending.TryGetValue(target.Gateway, out var commands))
        {
            _pending[target.Gateway] = commands = new Dictionary<string, long>(StringComparer.Ordinal);
        }

        commands[target.CommandId] = target.NotAfterUnixMs;
    }

    private void RemovePending(string gateway, string id)
    {
        if (_pending.TryGetValue(gateway, out var commands) && commands.Remove(id) && commands.Count == 0)
        {
            _pending.Remove(gateway);
        }
    }

    /// <summary>The gateway's pending targets as stored (under the lock).</summary>
    private List<CommandTarget> PendingOf(string gateway)
    {
        lock (_gate)
        {
            return _pending.TryGetValue(gateway, out var commands)
                ? [.. commands.Keys.Select(id => _store.FindTarget(id, gateway)).OfType<CommandTarget>().Where(t => t.Status == CommandStatuses.Pending).OrderBy(t => t.IssuedAtUnixMs)]
                : [];
        }
    }

    /// <summary>
    /// The gateway's targets the broker took but the gateway never answered, still valid: a gateway's session starts clean,
    /// so a command queued for a link that dropped is gone; it is sent again after the gateway's next birth (the edge runs
    /// an id once and answers a repeat "duplicate", which changes nothing here).
    /// </summary>
    private List<CommandTarget> SentUnansweredOf(string gateway)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            return [.. _store.TargetsOf(gateway, CommandStatuses.Sent).Where(t => t.NotAfterUnixMs > now)];
        }
    }

    /// <summary>Every second: expires what is past not_after; every few seconds retries publishes that failed.</summary>
    private async Task SweepLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, _time);
        var ticks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    ExpireDue();
                    if (++ticks % RetryEveryTicks == 0)
                    {
                        RetryFailed();
                    }
                }
                // A store problem: logged, tried again at the next tick.
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogSweepFailed(_logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Id} ({Action}) issued by '{Issuer}' for {Gateways} gateways (first {Gateway}), expires in {Seconds} s")]
    private static partial void LogIssued(ILogger logger, string id, string action, string issuer, int gateways, string gateway, int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Id} expired before it could be sent to {Gateway}")]
    private static partial void LogExpired(ILogger logger, string id, string gateway);

    [LoggerMessage(Level = LogLevel.Error, Message = "A listener of {Count} finished command targets failed")]
    private static partial void LogListenerFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command sweep failed; trying again at the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
