using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace City.Central.Commands;

/// <summary>
/// Results: taken from the queue in groups, parsed, applied (a status only moves forward, so a resend changes nothing),
/// stored in one transaction, and only then acknowledged per gateway with an Ack carrying committed_result_seqs. A
/// result for an unknown command, or for one not addressed to the gateway that answered, is counted, ignored and
/// acknowledged (so the edge's outbox lets it go), except with Mqtt:SharedGroup, where an unknown command may be another
/// central's: that central acknowledges it; one that does not parse is counted and cannot be acknowledged.
/// </summary>
internal sealed partial class CommandService
{
    public const string ReasonMalformedResult = "malformed-result";
    public const string ReasonUnknownCommand = "unknown-command";
    public const int MaxResultsPerGroup = 256;

    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);

    private async Task ResultsLoopAsync(CancellationToken stoppingToken)
    {
        var group = new List<ReceivedResult>(MaxResultsPerGroup);
        try
        {
            while (await _results.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                group.Clear();
                while (group.Count < MaxResultsPerGroup && _results.Reader.TryRead(out var result))
                {
                    group.Add(result);
                }

                try
                {
                    await ApplyAsync(group).ConfigureAwait(false);
                }
                // Not stored, so not acknowledged: the edges resend these results.
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogResultsFailed(_logger, group.Count, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Applies a group of received results, stores the changes, then acknowledges them.</summary>
    internal async Task ApplyAsync(IReadOnlyList<ReceivedResult> group)
    {
        var acks = new Dictionary<string, Ack>(StringComparer.Ordinal);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var applied = 0;
        List<CommandTarget> finished;
        lock (_gate)
        {
            var changed = new Dictionary<(string, string), CommandTarget>();
            foreach (var received in group)
            {
                if (received.Payload is null || !BatchCodec.TryParse(CommandResult.Parser, received.Payload, out var result) || result.Id.Length == 0)
                {
                    _stats.MalformedResult();
                    _rejectLog.Rejected(ReasonMalformedResult, received.Gateway, Topics.CommandResult(received.Gateway), received.Payload is null ? "larger than Central:MaxPayloadBytes" : "not a CommandResult with an id");
                    continue;
                }

                var key = (result.Id, received.Gateway);
                var current = changed.GetValueOrDefault(key) ?? _store.FindTarget(result.Id, received.Gateway);
                if (current is not null || !_sharedGroup)
                {
                    if (!acks.TryGetValue(received.Gateway, out var ack))
                    {
                        acks[received.Gateway] = ack = new Ack();
                    }

                    ack.CommittedResultSeqs.Add(result.ResultSeq);
                }

                if (current is null || result.GatewayId != received.Gateway)
                {
                    _stats.UnknownResult();
                    _rejectLog.Rejected(ReasonUnknownCommand, received.Gateway, Topics.CommandResult(received.Gateway),
                        $"result for command '{result.Id}' (gateway_id '{result.GatewayId}'), which central did not send to {received.Gateway}");
                    continue;
                }

                var next = Apply(current, result, now);
                if (next is null)
                {
                    _stats.DuplicateResult();
                    continue;
                }

                changed[key] = next;
                applied++;
                LogResult(_logger, next.CommandId, next.Gateway, next.Status, next.Detail, next.Reason);
            }

            _store.Update(changed.Values);
            foreach (var target in changed.Values)
            {
                RemovePending(target.Gateway, target.CommandId);
            }

            finished = [.. changed.Values.Where(t => CommandStatuses.IsFinal(t.Status))];
        }

        _stats.Result(applied);
        if (finished.Count > 0)
        {
            RaiseFinished(finished);
        }

        await Task.WhenAll(acks.Select(a => PublishResultAckAsync(a.Key, a.Value))).ConfigureAwait(false);
    }

    /// <summary>The target after <paramref name="result"/>, or null when it does not move the status forward.</summary>
    internal static CommandTarget? Apply(CommandTarget current, CommandResult result, long nowUnixMs)
    {
        var status = result.Status switch
        {
            CommandStatus.Accepted => CommandStatuses.Accepted,
            CommandStatus.Done => CommandStatuses.Done,
            CommandStatus.Failed => CommandStatuses.Failed,
            CommandStatus.Rejected => CommandStatuses.Rejected,
            _ => null,
        };
        // "duplicate" says the edge already has this command (a resend): its own outcome is what counts.
        var duplicate = result.Status == CommandStatus.Rejected && result.Reason == CommandRejections.Duplicate;
        if (status is null || duplicate || CommandStatuses.Rank(status) <= CommandStatuses.Rank(current.Status))
        {
            return null;
        }

        var time = result.TimeUnixMs != 0 ? result.TimeUnixMs : nowUnixMs;
        var final = CommandStatuses.IsFinal(status);
        return current with
        {
            Status = status,
            Detail = result.Detail,
            Reason = result.Reason,
            ReadBack = result.HasReadBack ? result.ReadBack : current.ReadBack,
            SentAtUnixMs = current.SentAtUnixMs ?? nowUnixMs,
            AcceptedAtUnixMs = status == CommandStatuses.Accepted ? time : current.AcceptedAtUnixMs,
            FinishedAtUnixMs = final ? time : null,
            UpdatedAtUnixMs = nowUnixMs,
        };
    }

    private async Task PublishResultAckAsync(string gateway, Ack ack)
    {
        try
        {
            using var timeout = new CancellationTokenSource(AckTimeout, _time);
            await _publisher.PublishAsync(Topics.Ack(gateway), ack.ToByteArray(), timeout.Token).ConfigureAwait(false);
            _stats.ResultAck();
        }
        // A lost ack only costs a resend, answered as a duplicate.
        catch (Exception exception)
        {
            LogResultAckFailed(_logger, gateway, exception.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Id} at {Gateway}: {Status} {Detail} {Reason}")]
    private static partial void LogResult(ILogger logger, string id, string gateway, string status, string detail, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} command results could not be stored; not acknowledged, the edges resend them")]
    private static partial void LogResultsFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ack of command results to {Gateway} not delivered to the broker: {Error}")]
    private static partial void LogResultAckFailed(ILogger logger, string gateway, string error);
}
