using City.Central.Store;
using City.Contract.Wire;
using Microsoft.Extensions.Logging;

namespace City.Central.Ingest;

/// <summary>What the commit listeners (live stream, metrics) are told after a successful commit.</summary>
internal sealed partial class IngestWorker
{
    /// <summary>
    /// The committed part of the group, built before the new states are published (so <c>WasOnline</c> is the published
    /// state's); null when nobody listens. EVENTS batches another central had already stored are left out (that central
    /// streams them).
    /// </summary>
    private CommittedGroup? CommittedNotice(GroupContext context, List<PendingGateway> committed, int batches, TimeSpan commitDuration, IReadOnlySet<BatchKey> alreadyStored)
    {
        if (_commitListeners.Length == 0)
        {
            return null;
        }

        var gateways = new List<CommittedGateway>(committed.Count);
        foreach (var pending in committed)
        {
            var id = pending.State.Id;
            var wasOnline = _registry.TryGet(id, out var published) && published.Online;
            gateways.Add(new CommittedGateway(
                pending.State,
                wasOnline,
                (int)pending.Births,
                (int)pending.Deaths,
                pending.ChangedLatest,
                [.. context.Batches.Where(b => b.Kind == BatchKind.Events && string.Equals(b.GatewayId, id, StringComparison.Ordinal) && !alreadyStored.Contains(BatchKey.Of(b)))],
                [.. context.Events.Where(e => string.Equals(e.GatewayId, id, StringComparison.Ordinal))]));
        }

        return new CommittedGroup(commitDuration, batches, context.NowUnixMs, gateways);
    }

    private void NotifyCommitListeners(CommittedGroup? notice)
    {
        if (notice is null)
        {
            return;
        }

        foreach (var listener in _commitListeners)
        {
            try
            {
                listener.Committed(notice);
            }
            // A listener's failure is its own: the group is committed and its acks go out all the same.
            catch (Exception exception)
            {
                LogListenerFailed(_logger, listener.GetType().Name, exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Commit listener {Listener} failed; the group is committed and acknowledged all the same")]
    private static partial void LogListenerFailed(ILogger logger, string listener, Exception exception);
}
