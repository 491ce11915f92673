using City.Central.Store;
using Microsoft.Extensions.Logging;

namespace City.Central.Ingest;

/// <summary>An admin's reset of a gateway, applied in a group like a message and committed with it.</summary>
internal sealed partial class IngestWorker
{
    private void ApplyReset(GatewayReset reset, GroupContext context)
    {
        if (context.Current(reset.GatewayId, _registry) is null)
        {
            reset.Completion.TrySetResult(null);
            return;
        }

        var pending = context.Get(reset.GatewayId, _registry);
        var state = pending.State;
        var result = new GatewayResetResult(state.Id, state.Epoch, state.BufferId, state.Catalogue.Count);
        state.ResetRegistration();
        pending.ClearLatest();
        pending.Dirty = true;
        pending.CatalogueChanged = true;
        pending.SeqsCleared = true;
        var text = $"gateway {state.Id} reset by '{reset.RequestedBy}': epoch {result.PreviousEpoch} of buffer '{result.PreviousBufferId}', "
            + $"{result.CataloguePoints} catalogue points, latest values and committed seqs cleared; stored readings kept";
        context.Events.Add(new CentralEvent(state.Id, context.NowUnixMs, GatewayReset.EventPoint, text));
        context.Resets.Add((reset, result));
        LogReset(_logger, state.Id, reset.RequestedBy, result.PreviousEpoch, result.PreviousBufferId, result.CataloguePoints);
    }

    /// <summary>Ends the group's resets: done when their gateway's part was committed, else with the store's error.</summary>
    private static void CompleteResets(GroupContext context, IReadOnlySet<string> notCommitted, Exception? failure)
    {
        foreach (var (reset, result) in context.Resets)
        {
            if (failure is null && !notCommitted.Contains(reset.GatewayId))
            {
                reset.Completion.TrySetResult(result);
            }
            else
            {
                reset.Completion.TrySetException(failure ?? new InvalidOperationException($"the store could not write the reset of gateway {reset.GatewayId}"));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway {Gateway} reset by token '{RequestedBy}': epoch {Epoch} of buffer '{BufferId}', {Points} catalogue points, latest values and committed seqs cleared; stored readings kept; its next birth is accepted whatever its epoch")]
    private static partial void LogReset(ILogger logger, string gateway, string requestedBy, ulong epoch, string bufferId, int points);
}
