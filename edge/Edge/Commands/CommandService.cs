using System.Threading.Channels;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Dali;
using City.Edge.Devices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace City.Edge.Commands;

/// <summary>
/// The remote commands from central: the session hands each received command to <see cref="Offer"/> (a bounded inbox); here
/// it is checked (<see cref="CommandChecks"/>), its id claimed in the buffer file (a resend never executes twice, also
/// across a restart), answered ACCEPTED at once, executed (<see cref="CommandExecutor"/>) and answered DONE or FAILED.
/// Each result goes into the persistent outbox (<see cref="CommandOutbox"/>) before it is published.
/// </summary>
internal sealed partial class CommandService(
    CommandChecks checks,
    CommandExecutor executor,
    CommandOutbox outbox,
    CommandLog log,
    BatchBuffer buffer,
    TimeProvider time,
    ILogger<CommandService> logger,
    DaliLineRegistry? lines = null) : BackgroundService
{
    /// <summary>How long an id is remembered at least: the longest validity central gives a command.</summary>
    public static readonly TimeSpan MaxValidity = TimeSpan.FromSeconds(86_400);

    private const int InboxCapacity = 256;
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);
    private static readonly TimeSpan RejectionLogInterval = TimeSpan.FromMinutes(1);

    private readonly Channel<SignedCommand> _inbox = Channel.CreateBounded<SignedCommand>(new BoundedChannelOptions(InboxCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly LogRateLimit _rejectionLog = new(RejectionLogInterval);
    private readonly LogRateLimit _inboxFullLog = new(RejectionLogInterval);
    private readonly List<Task> _running = [];
    private readonly Lock _runningGate = new();

    /// <summary>A command received from central (from the session's receive handler: never blocks; a full inbox drops it, counted).</summary>
    public void Offer(SignedCommand command)
    {
        log.CountReceived();
        if (!_inbox.Writer.TryWrite(command))
        {
            log.CountDropped();
            if (_inboxFullLog.ShouldLog(time.GetUtcNow(), out var suppressed))
            {
                LogInboxFull(logger, InboxCapacity, suppressed);
            }
        }
    }

    /// <summary>Checks and starts one command; returns the execution (completed at once for a refused command). Tests call it directly.</summary>
    public Task HandleAsync(SignedCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var receivedAt = time.GetUtcNow();
        var refusal = checks.Verify(command, receivedAt, out var body);
        var action = CommandChecks.Describe(body);
        if (refusal is null)
        {
            // Remembered until it can no longer pass the time check, and at least as long as central's longest validity.
            // Saturated: a not_after near long.MaxValue must not wrap round into a keep-until in the past (the id forgotten at once).
            var keepFrom = Math.Max(body.NotAfterUnixMs, (receivedAt + MaxValidity).ToUnixTimeMilliseconds());
            var twiceSkewMs = (long)(2 * checks.ClockSkew.TotalMilliseconds);
            var keepUntil = keepFrom > long.MaxValue - twiceSkewMs ? long.MaxValue : keepFrom + twiceSkewMs;
            switch (buffer.ClaimCommandId(body.Id, keepUntil))
            {
                case CommandIdClaim.Duplicate:
                    refusal = new CommandRefusal(CommandRejections.Duplicate, $"command {body.Id} was received before: it is executed once");
                    break;
                case CommandIdClaim.NotRecorded:
                    Report(body, action, receivedAt, CommandStatus.Failed, "the edge cannot record the command's id (the disk under its buffer is full): not executed", null, null);
                    return Task.CompletedTask;
            }
        }

        refusal ??= checks.CheckTarget(body, lines);
        if (refusal is not null)
        {
            Reject(body, action, receivedAt, refusal);
            return Task.CompletedTask;
        }

        Report(body, action, receivedAt, CommandStatus.Accepted, action, null, null);
        var execution = RunCommandAsync(body, action, receivedAt, cancellationToken);
        lock (_runningGate)
        {
            _running.Add(execution);
        }

        return execution;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextPrune = DateTimeOffset.MinValue;
        try
        {
            while (true)
            {
                var now = time.GetUtcNow();
                if (now >= nextPrune)
                {
                    var pruned = buffer.PruneCommandIds(now.ToUnixTimeMilliseconds());
                    if (pruned > 0)
                    {
                        LogPruned(logger, pruned);
                    }

                    nextPrune = now + PruneInterval;
                }

                SignedCommand command;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    wait.CancelAfter(nextPrune - now);
                    try
                    {
                        command = await _inbox.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        continue;
                    }
                }

                try
                {
                    _ = HandleAsync(command, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    // The buffer file failed under the id check (it recovers by itself): this command is lost, the next ones are not.
                    LogHandleFailed(logger, ex);
                }

                ForgetFinished();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Task[] running;
            lock (_runningGate)
            {
                running = [.. _running];
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    private async Task RunCommandAsync(CommandBody body, string action, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        await Task.Yield();
        CommandOutcome outcome;
        try
        {
            outcome = await executor.ExecuteAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = new CommandOutcome(false, "the edge stopped before the command finished");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogExecutionFailed(logger, ex, body.Id, action);
            outcome = new CommandOutcome(false, ex.Message);
        }

        if (outcome.Deferred)
        {
            LogDeferred(logger, body.Id, body.Issuer, action, outcome.Detail);
            return;
        }

        Report(body, action, receivedAt, outcome.Done ? CommandStatus.Done : CommandStatus.Failed, outcome.Detail, outcome.ReadBack, null);
        LogExecuted(logger, body.Id, body.Issuer, action, outcome.Done ? "done" : "failed", outcome.Detail);
    }

    private void Reject(CommandBody body, string action, DateTimeOffset receivedAt, CommandRefusal refusal)
    {
        if (_rejectionLog.ShouldLog(time.GetUtcNow(), out var suppressed))
        {
            LogRejected(logger, body.Id, body.Issuer, action, refusal.Reason, refusal.Detail, suppressed);
        }

        Report(body, action, receivedAt, CommandStatus.Rejected, refusal.Detail, null, refusal.Reason);
    }

    private void Report(CommandBody body, string action, DateTimeOffset receivedAt, CommandStatus status, string detail, string? readBack, string? reason)
    {
        var now = time.GetUtcNow();
        var id = string.IsNullOrEmpty(body.Id) ? "(no id)" : body.Id;
        log.Record(id, body.Issuer, action, receivedAt, StatusName(status), detail, reason, readBack, now);
        var result = new CommandResult
        {
            Id = body.Id,
            Status = status,
            Detail = detail,
            TimeUnixMs = now.ToUnixTimeMilliseconds(),
            Reason = reason ?? string.Empty,
        };
        if (readBack is not null)
        {
            result.ReadBack = readBack;
        }

        if (!outbox.Add(result))
        {
            log.CountResultLost();
            LogResultLost(logger, status.ToString(), id);
        }
    }

    private void ForgetFinished()
    {
        lock (_runningGate)
        {
            _running.RemoveAll(t => t.IsCompleted);
        }
    }

    private static string StatusName(CommandStatus status) => status switch
    {
        CommandStatus.Accepted => CommandStatuses.Accepted,
        CommandStatus.Done => CommandStatuses.Done,
        CommandStatus.Failed => CommandStatuses.Failed,
        _ => CommandStatuses.Rejected,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "The command inbox is full ({Capacity}): a command from central was dropped (central sends it again while it is pending; {Suppressed} more dropped since the last such message)")]
    private static partial void LogInboxFull(ILogger logger, int capacity, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected command {Id} from {Issuer} ({Action}): {Reason}: {Detail} ({Suppressed} more rejections since the last such message)")]
    private static partial void LogRejected(ILogger logger, string id, string issuer, string action, string reason, string detail, long suppressed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Id} from {Issuer} ({Action}): {Status}: {Detail}")]
    private static partial void LogExecuted(ILogger logger, string id, string issuer, string action, string status, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Id} from {Issuer} ({Action}) runs on: {Detail}; its result follows")]
    private static partial void LogDeferred(ILogger logger, string id, string issuer, string action, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Checking a command from central failed: it is not executed")]
    private static partial void LogHandleFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command {Id} ({Action}) failed unexpectedly")]
    private static partial void LogExecutionFailed(ILogger logger, Exception exception, string id, string action);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Status} result of command {Id} could not be kept in the outbox (the disk under the buffer is full): central will not hear of it")]
    private static partial void LogResultLost(ILogger logger, string status, string id);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forgot {Count} command ids past their expiry")]
    private static partial void LogPruned(ILogger logger, int count);
}
