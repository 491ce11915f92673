using City.Central.Configuration;
using City.Central.Mqtt;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace City.Central.Ingest;

/// <summary>
/// Drains the ingest queue in groups: validates and deduplicates every message of a group, commits all
/// accepted batches (with seq ranges, counters and latest values) in one store transaction, and only then
/// publishes the acks. A failed commit sends no ack: the edges resend.
/// </summary>
internal sealed partial class IngestWorker : BackgroundService
{
    public const string ReasonWrongTopic = "wrong-topic";
    public const string ReasonOversize = "oversize";
    public const string ReasonUnknownGateway = "unknown-gateway";
    public const string ReasonGatewayMismatch = "gateway-mismatch";
    public const string ReasonInvalidCatalogue = "invalid-catalogue";
    public const string ReasonStaleBirth = "stale-birth";
    public const string ReasonInternalError = "internal-error";

    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);
    private static readonly IReadOnlySet<string> NothingFailed = new HashSet<string>();

    private readonly IngestQueue queue;
    private readonly IBrokerLink broker;
    private readonly IReadingStore store;
    private readonly GatewayRegistry registry;
    private readonly IngestStats stats;
    private readonly RejectLog rejectLog;
    private readonly CentralOptions options;
    private readonly HashSet<string> allowed;
    private readonly TimeProvider time;
    private readonly ILogger<IngestWorker> logger;
    private readonly List<Reading> scratch = [];
    private readonly OutOfWindowReadings outOfWindow = new();
    private readonly OutOfWindowLog outOfWindowLog;

    public IngestWorker(
        IngestQueue queue,
        IBrokerLink broker,
        IReadingStore store,
        GatewayRegistry registry,
        IngestStats stats,
        RejectLog rejectLog,
        IOptions<CentralOptions> options,
        TimeProvider time,
        ILogger<IngestWorker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.queue = queue;
        this.broker = broker;
        this.store = store;
        this.registry = registry;
        this.stats = stats;
        this.rejectLog = rejectLog;
        this.options = options.Value;
        allowed = new HashSet<string>(this.options.AllowedGateways, StringComparer.Ordinal);
        this.time = time;
        this.logger = logger;
        outOfWindowLog = new OutOfWindowLog(logger, time);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, registry.Count, options.Ingest.MaxBatchesPerCommit, options.Ingest.QueueCapacity);
        var group = new List<IncomingMessage>(options.Ingest.MaxBatchesPerCommit);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await ProcessAvailableAsync(group).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Shutdown: stop taking messages from the broker, then commit and acknowledge what is queued.
        await broker.StopIntakeAsync().ConfigureAwait(false);
        var drained = queue.Depth;
        await ProcessAvailableAsync(group).ConfigureAwait(false);
        LogDrained(logger, drained);
    }

    /// <summary>Processes queued messages, group after group, until the queue is empty.</summary>
    private async Task ProcessAvailableAsync(List<IncomingMessage> group)
    {
        while (true)
        {
            group.Clear();
            while (group.Count < options.Ingest.MaxBatchesPerCommit && queue.Reader.TryRead(out var message))
            {
                group.Add(message);
            }

            if (group.Count == 0)
            {
                return;
            }

            await ProcessGroupAsync(group).ConfigureAwait(false);
        }
    }

    internal async Task ProcessGroupAsync(IReadOnlyList<IncomingMessage> group)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var context = new GroupContext(now) { Window = TimestampWindow.Around(now, options.Ingest) };
        foreach (var message in group)
        {
            try
            {
                Handle(message, context);
            }
            // One bad message must never stop the others.
            catch (Exception exception)
            {
                stats.Reject(ReasonInternalError);
                LogHandleFailed(logger, message.Topic, exception);
            }
        }

        var commit = context.BuildCommit();
        IReadOnlySet<string> notCommitted = NothingFailed;
        if (!commit.IsEmpty)
        {
            try
            {
                notCommitted = store.Commit(commit);
            }
            // Logged and surfaced through /healthz; the edges resend what gets no ack.
            catch (Exception exception)
            {
                LogCommitFailed(logger, commit.Batches.Count, exception);

                // Let the queue fill up (backpressure to the broker) rather than spin on a failing store.
                await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            stats.Committed();
        }

        // A gateway whose part was not written gets no ack and keeps its published state: its edge resends.
        var committed = context.Pending.Values.Where(p => !notCommitted.Contains(p.State.Id)).ToList();
        foreach (var gatewayId in notCommitted)
        {
            LogGatewayCommitFailed(logger, gatewayId, store.Problem ?? "unknown store error");
        }

        foreach (var pending in committed)
        {
            registry.Publish(pending.State);
            stats.Accepted(pending.AcceptedBatches, pending.AcceptedReadings);
            stats.Duplicates(pending.DuplicateBatches, pending.DuplicateReadings);
            stats.Lifecycle(pending.Births, pending.Deaths);
            stats.OutOfWindow(pending.OutOfWindowFuture, pending.OutOfWindowTooOld, pending.OutOfWindowInvalid);
        }

        await PublishAcksAsync(committed).ConfigureAwait(false);
    }

    private void Handle(IncomingMessage message, GroupContext context)
    {
        if (!Topics.TryParse(message.Topic, out var gatewayId, out var kind))
        {
            Reject(ReasonWrongTopic, "?", message, "not a contract topic (city/v1/{gateway}/data|birth|death)");
            return;
        }

        switch (kind)
        {
            case TopicKind.Ack:
            case TopicKind.Cmd:
            case TopicKind.CmdResult:
                // Our own output and the reserved command path.
                return;
        }

        if (message.Payload is null || message.Length > options.MaxPayloadBytes)
        {
            Reject(ReasonOversize, gatewayId, message, $"{message.Length} bytes, above Central:MaxPayloadBytes {options.MaxPayloadBytes}");
            return;
        }

        switch (kind)
        {
            case TopicKind.Data:
                HandleData(gatewayId, message, context);
                break;
            case TopicKind.Birth:
                HandleBirth(gatewayId, message, context);
                break;
            case TopicKind.Death:
                HandleDeath(gatewayId, message, context);
                break;
        }
    }

    private void HandleData(string gatewayId, IncomingMessage message, GroupContext context)
    {
        if (!BatchCodec.TryParseEnvelope(message.Payload, out var batch, out var error))
        {
            Reject(error.Reason(), gatewayId, message, "the batch envelope does not decode");
            return;
        }

        if (!string.Equals(batch.GatewayId, gatewayId, StringComparison.Ordinal))
        {
            Reject(ReasonGatewayMismatch, gatewayId, message, $"the batch says gateway '{batch.GatewayId}'");
            return;
        }

        if (!IsAdmitted(gatewayId, context))
        {
            Reject(ReasonUnknownGateway, gatewayId, message, AdmissionHint());
            return;
        }

        var pending = context.Get(gatewayId, registry);
        var state = pending.State;
        state.LastSeenUnixMs = context.NowUnixMs;
        var stream = StreamFor(batch.BufferId, pending, context);
        if (stream.Seqs.Contains(batch.Seq))
        {
            pending.DuplicateBatches++;
            pending.DuplicateReadings += batch.ReadingCount;
            pending.Ack.Committed.Add(batch.Seq);
            return;
        }

        if (!BatchCodec.TryDecodeBody(batch, out var body, out error) || !TryScan(body, pending, context.Window, out var tMin, out var tMax))
        {
            var reason = error == ContractError.None ? ContractError.InconsistentSeries.Reason() : error.Reason();
            Reject(reason, gatewayId, message, $"seq {batch.Seq}: the body is invalid; listed in the ack's rejected_seqs");
            pending.Ack.Reject(batch.Seq, reason);
            return;
        }

        if (tMin > tMax)
        {
            // No reading, or none inside the window: the span is one instant central can vouch for.
            tMin = tMax = batch.ReadingCount == 0 && context.Window.Contains(batch.CreatedUnixMs) ? batch.CreatedUnixMs : context.NowUnixMs;
        }

        if (outOfWindow.Any)
        {
            pending.OutOfWindowFuture += outOfWindow.Future;
            pending.OutOfWindowTooOld += outOfWindow.TooOld;
            pending.OutOfWindowInvalid += outOfWindow.Invalid;
            outOfWindowLog.Flagged(gatewayId, batch.Seq, outOfWindow);
        }

        stream.Seqs.Add(batch.Seq);
        state.BatchesReceived++;
        state.ReadingsReceived += batch.ReadingCount;
        state.MaxBatchSpanMs = Math.Max(state.MaxBatchSpanMs, tMax - tMin);
        pending.Dirty = true;
        context.Batches.Add(new StoredBatch(
            gatewayId,
            batch.Seq,
            batch.Epoch,
            batch.Kind,
            tMin,
            tMax,
            (int)batch.ReadingCount,
            batch.Compression,
            batch.Body.ToByteArray(),
            context.NowUnixMs,
            batch.BufferId)
        {
            OutOfWindowDays = outOfWindow.Any ? outOfWindow.Days() : [],
            OutOfWindowAnyDay = outOfWindow.OnAnyDay,
            BodyCrc32C = batch.HasBodyCrc32C ? batch.BodyCrc32C : Crc32C.Compute(batch.Body.Span),
        });
        pending.AcceptedBatches++;
        pending.AcceptedReadings += batch.ReadingCount;
        pending.Ack.Committed.Add(batch.Seq);
    }

    /// <summary>
    /// Decodes the body once: the time span and the newest reading of each point, both of the readings inside the
    /// window only; the others are tallied in <see cref="outOfWindow"/>.
    /// </summary>
    private bool TryScan(Readings body, PendingGateway pending, in TimestampWindow window, out long tMin, out long tMax)
    {
        tMin = long.MaxValue;
        tMax = long.MinValue;
        outOfWindow.Clear();
        foreach (var series in body.Series)
        {
            scratch.Clear();
            if (!SeriesCodec.TryDecode(series, scratch, out _))
            {
                return false;
            }

            OfferNewest(scratch, pending, window, ref tMin, ref tMax);
        }

        foreach (var scatter in body.Scatter)
        {
            scratch.Clear();
            if (!ScatterCodec.TryDecode(scatter, scratch, out _))
            {
                return false;
            }

            // One reading per point in a scatter block: each is its point's newest.
            foreach (var reading in scratch)
            {
                OfferNewest([reading], pending, window, ref tMin, ref tMax);
            }
        }

        return true;
    }

    /// <summary>
    /// Widens the time span by readings of one point and offers the newest of them as its latest value; readings
    /// outside the window do neither.
    /// </summary>
    private void OfferNewest(List<Reading> readingsOfOnePoint, PendingGateway pending, in TimestampWindow window, ref long tMin, ref long tMax)
    {
        var newestIndex = -1;
        var newestTime = long.MinValue;
        for (var i = 0; i < readingsOfOnePoint.Count; i++)
        {
            var timestamp = readingsOfOnePoint[i].TimestampUnixMs;
            if (timestamp < window.OldestUnixMs || timestamp > window.NewestUnixMs)
            {
                outOfWindow.Add(timestamp, window);
                continue;
            }

            tMin = Math.Min(tMin, timestamp);
            tMax = Math.Max(tMax, timestamp);
            if (timestamp >= newestTime)
            {
                newestTime = timestamp;
                newestIndex = i;
            }
        }

        if (newestIndex >= 0)
        {
            var newest = readingsOfOnePoint[newestIndex];
            pending.OfferLatest(new LatestValue(newest.Alias, newest.TimestampUnixMs, newest.Value, newest.Quality));
        }
    }

    private void HandleBirth(string gatewayId, IncomingMessage message, GroupContext context)
    {
        if (message.Length == 0)
        {
            // A cleared retained birth.
            return;
        }

        if (!BatchCodec.TryParse(Birth.Parser, message.Payload, out var birth))
        {
            Reject(ContractError.Malformed.Reason(), gatewayId, message, "the birth does not decode");
            return;
        }

        if (!Topics.IsValidGatewayId(birth.GatewayId))
        {
            Reject(ContractError.InvalidGatewayId.Reason(), gatewayId, message, $"the birth says gateway '{birth.GatewayId}'");
            return;
        }

        if (!string.Equals(birth.GatewayId, gatewayId, StringComparison.Ordinal))
        {
            Reject(ReasonGatewayMismatch, gatewayId, message, $"the birth says gateway '{birth.GatewayId}'");
            return;
        }

        if (!allowed.Contains(gatewayId) && !options.AdmitOnBirth)
        {
            Reject(ReasonUnknownGateway, gatewayId, message, AdmissionHint());
            return;
        }

        if (!TryReadCatalogue(birth, out var catalogue, out var problem))
        {
            Reject(ReasonInvalidCatalogue, gatewayId, message, problem);
            return;
        }

        if (birth.BufferId.Length > 0 && !BufferIds.IsValid(birth.BufferId))
        {
            Reject(ContractError.InvalidBufferId.Reason(), gatewayId, message, $"the birth says buffer '{birth.BufferId}'");
            return;
        }

        var pending = context.Get(gatewayId, registry);
        var state = pending.State;

        // Epochs count within one buffer: a new buffer's birth is never stale, whatever its epoch. A birth of an
        // earlier buffer takes over again only with a newer epoch (that buffer was started again), not as a resend.
        if (state.Streams.TryGetValue(birth.BufferId, out var known)
            && (birth.Epoch < known.Epoch || (birth.Epoch == known.Epoch && known.Epoch != 0 && !string.Equals(birth.BufferId, state.BufferId, StringComparison.Ordinal))))
        {
            Reject(ReasonStaleBirth, gatewayId, message, $"epoch {birth.Epoch} is not newer than {known.Epoch}, the last of buffer '{birth.BufferId}' (current buffer '{state.BufferId}')");
            return;
        }

        StreamFor(birth.BufferId, pending, context);

        if (!state.Catalogue.SequenceEqual(catalogue))
        {
            state.Catalogue = catalogue;
            pending.CatalogueChanged = true;
        }

        state.SwitchTo(birth.BufferId, birth.Epoch);
        state.HasBirth = true;
        state.Online = true;
        state.SoftwareVersion = birth.SoftwareVersion;
        state.LastSeenUnixMs = context.NowUnixMs;
        pending.Dirty = true;
        pending.Births++;
        LogBirth(logger, gatewayId, birth.Epoch, catalogue.Count, birth.SoftwareVersion);
    }

    private void HandleDeath(string gatewayId, IncomingMessage message, GroupContext context)
    {
        if (message.Length == 0)
        {
            return;
        }

        if (!BatchCodec.TryParse(Death.Parser, message.Payload, out var death))
        {
            Reject(ContractError.Malformed.Reason(), gatewayId, message, "the death does not decode");
            return;
        }

        if (!string.Equals(death.GatewayId, gatewayId, StringComparison.Ordinal))
        {
            Reject(ReasonGatewayMismatch, gatewayId, message, $"the death says gateway '{death.GatewayId}'");
            return;
        }

        if (!context.Pending.ContainsKey(gatewayId) && !registry.TryGet(gatewayId, out _))
        {
            // Nothing to mark offline.
            return;
        }

        var pending = context.Get(gatewayId, registry);
        if (death.Epoch != pending.State.Epoch || !string.Equals(death.BufferId, pending.State.BufferId, StringComparison.Ordinal))
        {
            // The late will of an older session (or of a replaced buffer) must not hide the live one.
            LogStaleDeath(logger, gatewayId, death.BufferId, death.Epoch, pending.State.BufferId, pending.State.Epoch);
            return;
        }

        pending.State.Online = false;
        pending.State.LastSeenUnixMs = context.NowUnixMs;
        pending.Dirty = true;
        pending.Deaths++;
        LogDeath(logger, gatewayId, death.Epoch);
    }

    private static bool TryReadCatalogue(Birth birth, out List<CataloguePoint> catalogue, out string problem)
    {
        catalogue = new List<CataloguePoint>(birth.Points.Count);
        var aliases = new HashSet<uint>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var point in birth.Points)
        {
            if (string.IsNullOrEmpty(point.Id))
            {
                problem = $"alias {point.Alias} has no id";
                return false;
            }

            if (!aliases.Add(point.Alias))
            {
                problem = $"alias {point.Alias} appears twice";
                return false;
            }

            if (!ids.Add(point.Id))
            {
                problem = $"point id '{point.Id}' appears twice";
                return false;
            }

            catalogue.Add(new CataloguePoint(point.Alias, point.Id, point.Unit, point.Type, point.Device, point.Description));
        }

        problem = string.Empty;
        return true;
    }

    private bool IsAdmitted(string gatewayId, GroupContext context)
    {
        if (allowed.Contains(gatewayId))
        {
            return true;
        }

        if (!options.AdmitOnBirth)
        {
            return false;
        }

        return context.Pending.TryGetValue(gatewayId, out var pending)
            ? pending.State.HasBirth
            : registry.TryGet(gatewayId, out var state) && state.HasBirth;
    }

    private string AdmissionHint() => options.AdmitOnBirth
        ? "not in Central:AllowedGateways and no birth seen yet"
        : "not in Central:AllowedGateways (Central:AdmitOnBirth is off)";

    private void Reject(string reason, string source, IncomingMessage message, string detail)
    {
        stats.Reject(reason);
        rejectLog.Rejected(reason, source, message.Topic, detail);
    }

    private async Task PublishAcksAsync(List<PendingGateway> committed)
    {
        var publishes = new List<Task>();
        foreach (var pending in committed)
        {
            foreach (var ack in pending.Ack.Build())
            {
                publishes.Add(PublishAckAsync(pending.State.Id, ack));
            }
        }

        await Task.WhenAll(publishes).ConfigureAwait(false);
    }

    private async Task PublishAckAsync(string gatewayId, Ack ack)
    {
        try
        {
            using var timeout = new CancellationTokenSource(AckTimeout);
            await broker.PublishAsync(Topics.Ack(gatewayId), ack.ToByteArray(), timeout.Token).ConfigureAwait(false);
            stats.AckSent();
        }
        // A lost ack only costs a resend, answered as a duplicate.
        catch (Exception exception)
        {
            LogAckFailed(logger, gatewayId, exception.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest worker started: {Gateways} known gateways, up to {MaxBatches} batches per commit, queue capacity {Capacity}")]
    private static partial void LogStarted(ILogger logger, int gateways, int maxBatches, int capacity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest worker stopped after draining {Count} queued messages")]
    private static partial void LogDrained(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message on {Topic} could not be handled")]
    private static partial void LogHandleFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Store commit of {Batches} batches failed; no acks sent, the edges will resend")]
    private static partial void LogCommitFailed(ILogger logger, int batches, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Store commit of gateway {Gateway}'s part of a group failed ({Problem}); no ack sent to it, its edge will resend, the other gateways were committed")]
    private static partial void LogGatewayCommitFailed(ILogger logger, string gateway, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ack to {Gateway} not delivered to the broker: {Error}")]
    private static partial void LogAckFailed(ILogger logger, string gateway, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Birth of {Gateway}: epoch {Epoch}, {Points} points, software {Software}")]
    private static partial void LogBirth(ILogger logger, string gateway, ulong epoch, int points, string software);

    [LoggerMessage(Level = LogLevel.Information, Message = "Death of {Gateway} (epoch {Epoch}): offline")]
    private static partial void LogDeath(ILogger logger, string gateway, ulong epoch);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Death of {Gateway} ignored: buffer '{BufferId}' epoch {Epoch} is not the current buffer '{CurrentBufferId}' epoch {Current}")]
    private static partial void LogStaleDeath(ILogger logger, string gateway, string bufferId, ulong epoch, string currentBufferId, ulong current);
}
