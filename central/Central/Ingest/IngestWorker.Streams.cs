using City.Central.Model;
using City.Central.Store;
using Microsoft.Extensions.Logging;

namespace City.Central.Ingest;

/// <summary>Buffer identity: dedupe per (gateway, buffer id), and the event when a gateway starts a new buffer.</summary>
internal sealed partial class IngestWorker
{
    /// <summary>The point of central's event "gateway G started a new buffer", served by /api/v1/events.</summary>
    public const string NewBufferEventPoint = "$central/new-buffer";

    /// <summary>
    /// The stream of a batch or birth. A buffer id central has not seen for this gateway is a new buffer (a replaced,
    /// deleted or reinstalled buffer file): its seqs start again, so it gets a stream of its own and becomes the
    /// current one. If the gateway had a stream before, an event names it with its last seq.
    /// </summary>
    private BufferStream StreamFor(string bufferId, PendingGateway pending, GroupContext context)
    {
        var state = pending.State;
        if (state.Streams.TryGetValue(bufferId, out var known))
        {
            return known;
        }

        var hadStream = state.HasBirth || state.Streams.Values.Any(s => s.Seqs.Count > 0);
        var previousId = state.BufferId;
        var previousLastSeq = state.Streams[previousId].LastSeq;
        state.SwitchTo(bufferId, epoch: 0);
        pending.Dirty = true;
        if (hadStream)
        {
            var previous = previousId.Length == 0 ? "(legacy, no id)" : previousId;
            context.Events.Add(new CentralEvent(
                state.Id,
                context.NowUnixMs,
                NewBufferEventPoint,
                $"gateway {state.Id} started a new buffer {bufferId}; previous buffer {previous}, last seq {previousLastSeq}"));
            LogNewBuffer(_logger, state.Id, bufferId, previous, previousLastSeq);
        }

        return state.Streams[bufferId];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway {Gateway} started a new buffer {BufferId} (previous buffer {Previous}, last seq {LastSeq}): its seqs are a new stream")]
    private static partial void LogNewBuffer(ILogger logger, string gateway, string bufferId, string previous, ulong lastSeq);
}
