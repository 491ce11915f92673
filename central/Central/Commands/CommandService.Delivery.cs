using System.Collections.Concurrent;
using System.Threading.Channels;
using City.Contract.Mqtt;
using Microsoft.Extensions.Logging;

namespace City.Central.Commands;

/// <summary>
/// Delivery: the gateways with something to send form a set (bounded by the number of gateways); one loop takes the set
/// in rounds and publishes each pending target of an online gateway, at most <see cref="MaxPublishesInFlight"/> at once,
/// so a target is never published twice at the same time. A target past not_after is expired instead of sent.
/// </summary>
internal sealed partial class CommandService
{
    public const int MaxPublishesInFlight = 64;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private const int RetryEveryTicks = 5;

    private readonly ConcurrentDictionary<string, byte> _due = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _failed = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Sends the gateway's pending commands in the next delivery round (if it is online).</summary>
    public void ScheduleDelivery(string gatewayId)
    {
        _due.TryAdd(gatewayId, 0);
        _wake.Writer.TryWrite(true);
    }

    private void RetryFailed()
    {
        foreach (var gateway in _failed.Keys)
        {
            _failed.TryRemove(gateway, out _);
            ScheduleDelivery(gateway);
        }
    }

    private async Task DeliveryLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                try
                {
                    await DeliverRoundAsync(stoppingToken).ConfigureAwait(false);
                }
                // A store problem: logged; the gateways stay due at their next birth or retry.
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogDeliveryFailed(_logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverRoundAsync(CancellationToken stoppingToken)
    {
        var targets = new List<CommandTarget>();
        foreach (var gateway in _due.Keys)
        {
            _due.TryRemove(gateway, out _);
            if (_registry.TryGet(gateway, out var state) && state.Online)
            {
                targets.AddRange(PendingOf(gateway));
                targets.AddRange(SentUnansweredOf(gateway));
            }
        }

        if (targets.Count == 0)
        {
            return;
        }

        // Marked sent in batches (one store transaction each) as the PUBACKs come, not one transaction per publish.
        var sent = new ConcurrentQueue<(CommandTarget Target, long AtUnixMs)>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxPublishesInFlight, CancellationToken = stoppingToken };
        try
        {
            await Parallel.ForEachAsync(targets, options, async (target, cancellationToken) =>
            {
                if (await DeliverAsync(target, cancellationToken).ConfigureAwait(false))
                {
                    sent.Enqueue((target, _time.GetUtcNow().ToUnixTimeMilliseconds()));
                    if (sent.Count >= MaxPublishesInFlight)
                    {
                        MarkSent(sent);
                    }
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            MarkSent(sent);
        }
    }

    /// <summary>Publishes one target; true when the broker took it (its PUBACK came).</summary>
    private async Task<bool> DeliverAsync(CommandTarget target, CancellationToken stoppingToken)
    {
        if (target.NotAfterUnixMs <= _time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            ExpireDue();
            return false;
        }

        bool delivered;
        try
        {
            using var timeout = new CancellationTokenSource(PublishTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
            delivered = await _publisher.PublishCommandAsync(Topics.Command(target.Gateway), target.Payload, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        // Not connected, refused or timed out: stays pending, retried in a few seconds and at the next birth.
        catch (Exception exception)
        {
            _stats.PublishFailure();
            _failed.TryAdd(target.Gateway, 0);
            LogPublishFailed(_logger, target.CommandId, target.Gateway, exception.Message);
            return false;
        }

        if (!delivered)
        {
            // Nobody subscribed to the gateway's cmd topic: it gets the command after its next birth.
            LogNoSubscriber(_logger, target.CommandId, target.Gateway);
        }

        return delivered;
    }

    /// <summary>Marks the targets taken from <paramref name="sent"/> sent, in one transaction.</summary>
    private void MarkSent(ConcurrentQueue<(CommandTarget Target, long AtUnixMs)> sent)
    {
        var changed = new List<CommandTarget>();
        var published = 0;
        lock (_gate)
        {
            while (sent.TryDequeue(out var item))
            {
                published++;
                // A result may have come first (the edge answers fast): a status only moves forward.
                var current = _store.FindTarget(item.Target.CommandId, item.Target.Gateway);
                if (current is { Status: CommandStatuses.Pending })
                {
                    changed.Add(current with { Status = CommandStatuses.Sent, SentAtUnixMs = item.AtUnixMs, UpdatedAtUnixMs = item.AtUnixMs });
                }
            }

            _store.Update(changed, sync: false);
            foreach (var target in changed)
            {
                RemovePending(target.Gateway, target.CommandId);
            }
        }

        // Every publish the broker took counts, also those whose result came before their PUBACK.
        _stats.Send(published);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Command delivery round failed; the gateways are tried again at their next birth")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command {Id} not published to {Gateway}, retrying: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, string id, string gateway, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Id} for {Gateway} stays pending: no subscriber on its cmd topic (sent after its next birth)")]
    private static partial void LogNoSubscriber(ILogger logger, string id, string gateway);
}
