using City.Central.Assets;
using City.Central.Configuration;
using City.Central.Energy;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Mqtt;
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
    public const string ReasonInternalError = "internal-error";

    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);
    private static readonly IReadOnlySet<string> NothingFailed = new HashSet<string>();
    private static readonly IReadOnlySet<BatchKey> NoBatches = new HashSet<BatchKey>();

    private readonly IngestQueue _queue;
    private readonly IAckPublisher _acks;
    private readonly IMessageIntake _intake;
    private readonly IReadingStore _store;
    private readonly GatewayRegistry _registry;
    private readonly IngestStats _stats;
    private readonly RejectLog _rejectLog;
    private readonly CentralOptions _options;
    private readonly Admission _admission;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestWorker> _logger;
    private readonly List<Reading> _scratch = [];
    private readonly OutOfWindowReadings _outOfWindow = new();
    private readonly OutOfWindowLog _outOfWindowLog;
    private readonly IGatewayBirths? _births;
    private readonly AssetIngest? _assets;
    private readonly EnergyTap? _energy;
    private readonly ICommitListener[] _commitListeners;

    public IngestWorker(
        IngestQueue queue,
        IAckPublisher acks,
        IMessageIntake intake,
        IReadingStore store,
        GatewayRegistry registry,
        IngestStats stats,
        RejectLog rejectLog,
        IOptions<CentralOptions> options,
        TimeProvider time,
        ILogger<IngestWorker> logger,
        IGatewayBirths? births = null,
        AssetIngest? assets = null,
        EnergyTap? energy = null,
        IEnumerable<ICommitListener>? commitListeners = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _queue = queue;
        _acks = acks;
        _intake = intake;
        _store = store;
        _registry = registry;
        _stats = stats;
        _rejectLog = rejectLog;
        _options = options.Value;
        _admission = new Admission(new HashSet<string>(_options.AllowedGateways, StringComparer.Ordinal), _options.AdmitOnBirth);
        _time = time;
        _logger = logger;
        _outOfWindowLog = new OutOfWindowLog(logger, time);
        _births = births;
        _assets = assets;
        _energy = energy;
        _commitListeners = commitListeners?.ToArray() ?? [];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(_logger, _registry.Count, _options.Ingest.MaxBatchesPerCommit, _options.Ingest.QueueCapacity);
        var group = new List<IncomingMessage>(_options.Ingest.MaxBatchesPerCommit);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await ProcessAvailableAsync(group).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Shutdown: stop taking messages from the broker, then commit and acknowledge what is queued.
        await _intake.StopIntakeAsync().ConfigureAwait(false);
        var drained = _queue.Depth;
        await ProcessAvailableAsync(group).ConfigureAwait(false);
        LogDrained(_logger, drained);
    }

    /// <summary>Processes queued messages, group after group, until the queue is empty.</summary>
    private async Task ProcessAvailableAsync(List<IncomingMessage> group)
    {
        while (true)
        {
            group.Clear();
            while (group.Count < _options.Ingest.MaxBatchesPerCommit && _queue.Reader.TryRead(out var message))
            {
                group.Add(message);
            }

            if (group.Count == 0)
            {
                return;
            }

            try
            {
                await ProcessGroupAsync(group).ConfigureAwait(false);
            }
            finally
            {
                _queue.Processed(group.Sum(IngestQueue.SizeOf));
            }
        }
    }

    internal async Task ProcessGroupAsync(IReadOnlyList<IncomingMessage> group)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var context = new GroupContext(now) { Window = TimestampWindow.Around(now, _options.Ingest) };
        foreach (var message in group)
        {
            try
            {
                Handle(message, context);
            }
            // One bad message must never stop the others.
            catch (Exception exception)
            {
                _stats.Reject(ReasonInternalError);
                LogHandleFailed(_logger, message.Topic, exception);
                message.Reset?.Completion.TrySetException(exception);
            }
        }

        var commit = context.BuildCommit();
        IReadOnlySet<string> notCommitted = NothingFailed;
        var commitDuration = TimeSpan.Zero;
        IReadOnlySet<BatchKey> alreadyStored = NoBatches;
        if (!commit.IsEmpty)
        {
            try
            {
                var started = _time.GetTimestamp();
                var result = _store.Commit(commit);
                commitDuration = _time.GetElapsedTime(started);
                notCommitted = result.FailedGateways;
                alreadyStored = result.AlreadyStored;
                CountAlreadyStored(context, commit, result.AlreadyStored);
            }
            // Logged and surfaced through /healthz; the edges resend what gets no ack.
            catch (Exception exception)
            {
                LogCommitFailed(_logger, commit.Batches.Count, exception);
                CompleteResets(context, NothingFailed, exception);
                _energy?.DiscardGroup();

                // Let the queue fill up (backpressure to the broker) rather than spin on a failing store.
                await Task.Delay(TimeSpan.FromSeconds(1), _time, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            _stats.Committed();
        }

        // A gateway whose part was not written gets no ack and keeps its published state: its edge resends.
        var committed = context.Pending.Values.Where(p => !notCommitted.Contains(p.State.Id)).ToList();
        foreach (var gatewayId in notCommitted)
        {
            LogGatewayCommitFailed(_logger, gatewayId, _store.Problem ?? "unknown store error");
        }

        var notice = commit.IsEmpty ? null : CommittedNotice(context, committed, commit.Batches.Count, commitDuration, alreadyStored);
        foreach (var pending in committed)
        {
            _registry.Publish(pending.State);
            _stats.Accepted(pending.AcceptedBatches, pending.AcceptedReadings);
            _stats.Duplicates(pending.DuplicateBatches, pending.DuplicateReadings);
            _stats.Lifecycle(pending.Births, pending.Deaths);
            _stats.OutOfWindow(pending.OutOfWindowFuture, pending.OutOfWindowTooOld, pending.OutOfWindowInvalid);
        }

        RecordBirths(committed, context.NowUnixMs);

        // Sites, lamps and maintenance conditions (assets.db) follow the committed births and readings.
        if (_assets is not null)
        {
            foreach (var pending in committed.Where(p => p.Birth is not null))
            {
                _assets.BirthCommitted(pending.Birth!, context.NowUnixMs);
            }

            _assets.Flush();
        }

        NotifyCommitListeners(notice);
        CompleteResets(context, notCommitted, null);
        if (_energy is not null)
        {
            // Before the acks: once an edge has its ack, the readings are on their way to the energy aggregates.
            await _energy.PublishAsync(committed.Select(p => p.State.Id)).ConfigureAwait(false);
        }

        await PublishAcksAsync(committed).ConfigureAwait(false);

        // After the acks: the gateway is online in the registry now, so what waited for it can be sent.
        foreach (var pending in committed.Where(p => p.Births > 0))
        {
            _births?.BirthCommitted(pending.State.Id);
        }
    }

    /// <summary>
    /// Batches the store already held (another instance, or a commit this memory missed, stored them): acked as
    /// duplicates, as they are already in the ack's committed seqs, and counted as duplicates instead of accepted.
    /// </summary>
    private static void CountAlreadyStored(GroupContext context, CommitSet commit, IReadOnlySet<BatchKey> alreadyStored)
    {
        if (alreadyStored.Count == 0)
        {
            return;
        }

        foreach (var batch in commit.Batches)
        {
            if (!alreadyStored.Contains(BatchKey.Of(batch)) || !context.Pending.TryGetValue(batch.GatewayId, out var pending))
            {
                continue;
            }

            pending.AcceptedBatches--;
            pending.AcceptedReadings -= batch.ReadingCount;
            pending.DuplicateBatches++;
            pending.DuplicateReadings += batch.ReadingCount;
            pending.State.BatchesReceived--;
            pending.State.ReadingsReceived -= batch.ReadingCount;
        }
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
            await _acks.PublishAsync(Topics.Ack(gatewayId), ack.ToByteArray(), timeout.Token).ConfigureAwait(false);
            _stats.AckSent();
        }
        // A lost ack only costs a resend, answered as a duplicate.
        catch (Exception exception)
        {
            LogAckFailed(_logger, gatewayId, exception.Message);
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

    /// <summary>The store's copy of the committed births' sites and lamps (PostgreSQL's sites and assets tables), when it keeps one.</summary>
    private void RecordBirths(List<PendingGateway> committed, long nowUnixMs)
    {
        if (_store is not IBirthRecorder recorder || !committed.Any(p => p.Birth is not null))
        {
            return;
        }

        try
        {
            recorder.RecordBirths([.. committed.Where(p => p.Birth is not null).Select(p => p.Birth!)], nowUnixMs);
        }
        // Reference data for other tools: logged, and written again with the gateway's next birth.
        catch (StoreFaultException exception)
        {
            LogBirthsNotRecorded(_logger, exception.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sites and assets of committed births not written to the store: {Problem}")]
    private static partial void LogBirthsNotRecorded(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ack to {Gateway} not delivered to the broker: {Error}")]
    private static partial void LogAckFailed(ILogger logger, string gateway, string error);
}
