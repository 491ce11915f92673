using City.Central.Auth;
using City.Central.Commands;
using City.Central.Ingest;
using City.Central.Live;
using City.Central.State;
using City.Central.Store;
using Prometheus;

namespace City.Central.Metrics;

/// <summary>Who this central is, for the info metric: its instance id, store kind and version.</summary>
internal sealed record MetricsIdentity(string InstanceId, string StoreKind, string Version);

/// <summary>
/// Central's metrics in a registry of this host's own (never prometheus-net's static default: tests run several centrals
/// in one process). Counters and gauges are read from the counters central keeps anyway (<see cref="IngestStats"/>,
/// the queue, the registry, the command store, the live hub) when /metrics is scraped, so ingest pays nothing for them;
/// only the commit duration is observed as it happens (<see cref="ICommitListener"/>).
/// </summary>
internal sealed class CentralMetrics : ICommitListener
{
    private static readonly double[] CommitBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly string[] Generations = ["0", "1", "2"];

    private readonly IngestStats _stats;
    private readonly IngestQueue _queue;
    private readonly GatewayRegistry _registry;
    private readonly CommandStore _commands;
    private readonly CommandStats _commandStats;
    private readonly LiveHub _hub;
    private readonly IReadingStore _store;
    private readonly ApiRefusals _apiRefusals;
    private readonly Histogram _commitSeconds;
    private readonly Gauge _info;
    private readonly Counter _readings;
    private readonly Counter _batches;
    private readonly Counter _duplicateBatches;
    private readonly Counter _duplicateReadings;
    private readonly Counter _rejected;
    private readonly Counter _outOfWindow;
    private readonly Counter _commits;
    private readonly Counter _acks;
    private readonly Counter _births;
    private readonly Counter _deaths;
    private readonly Gauge _queueDepth;
    private readonly Gauge _queueCapacity;
    private readonly Gauge _queueBytes;
    private readonly Gauge _queueMaxBytes;
    private readonly Gauge _gateways;
    private readonly Gauge _gatewaysOnline;
    private readonly Gauge _storeHealthy;
    private readonly Gauge _commandsByStatus;
    private readonly Counter _commandsIssued;
    private readonly Counter _commandPublishFailures;
    private readonly Counter _brokerRefused;
    private readonly Counter _apiRefused;
    private readonly Gauge _streamClients;
    private readonly Counter _streamMessages;
    private readonly Counter _streamDropped;
    private readonly Counter _streamLost;
    private readonly Counter _streamResumes;
    private readonly Gauge _resident;
    private readonly Gauge _gcHeap;
    private readonly Gauge _gcCommitted;
    private readonly Gauge _gcHeapLimit;
    private readonly Counter _allocated;
    private readonly Counter _collections;

    public CentralMetrics(
        IngestStats stats,
        IngestQueue queue,
        GatewayRegistry registry,
        CommandStore commands,
        CommandStats commandStats,
        LiveHub hub,
        IReadingStore store,
        ApiRefusals apiRefusals,
        MetricsIdentity identity,
        int queueCapacity)
    {
        _stats = stats;
        _queue = queue;
        _registry = registry;
        _commands = commands;
        _commandStats = commandStats;
        _hub = hub;
        _store = store;
        _apiRefusals = apiRefusals;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _info = factory.CreateGauge("central_info", "Always 1: this central's instance id, store kind and version as labels.", "instance", "store", "version");
        _readings = factory.CreateCounter("central_ingest_readings_total", "Readings stored (of batches accepted the first time); rate() gives readings per second.");
        _batches = factory.CreateCounter("central_ingest_batches_total", "Batches stored (accepted the first time).");
        _duplicateBatches = factory.CreateCounter("central_ingest_duplicate_batches_total", "Batches received again and acknowledged without storing them.");
        _duplicateReadings = factory.CreateCounter("central_ingest_duplicate_readings_total", "Readings of the duplicate batches.");
        _rejected = factory.CreateCounter("central_ingest_rejected_total", "Messages (or batches) rejected, by reason.", "reason");
        _outOfWindow = factory.CreateCounter("central_ingest_out_of_window_readings_total", "Readings stored but flagged for their timestamps, by reason.", "reason");
        _commits = factory.CreateCounter("central_ingest_commits_total", "Group commits to the store.");
        _commitSeconds = factory.CreateHistogram("central_ingest_commit_duration_seconds", "Time the store took to commit one group (successful commits).", new HistogramConfiguration { Buckets = CommitBuckets });
        _acks = factory.CreateCounter("central_ingest_acks_sent_total", "Acks published to gateways.");
        _births = factory.CreateCounter("central_ingest_births_total", "Births accepted.");
        _deaths = factory.CreateCounter("central_ingest_deaths_total", "Deaths accepted.");
        _queueDepth = factory.CreateGauge("central_ingest_queue_depth", "Messages received from the broker and waiting for the ingest worker.");
        _queueCapacity = factory.CreateGauge("central_ingest_queue_capacity", "The ingest queue's capacity (Central:Ingest:QueueCapacity).");
        _queueBytes = factory.CreateGauge("central_ingest_queue_bytes", "Payload bytes in the ingest queue and the group being committed.");
        _queueMaxBytes = factory.CreateGauge("central_ingest_queue_max_bytes", "The ingest queue's budget in payload bytes (Central:Ingest:QueueBytes).");
        _gateways = factory.CreateGauge("central_gateways", "Gateways known to this central.");
        _gatewaysOnline = factory.CreateGauge("central_gateways_online", "Gateways online (their last birth not followed by a death or a reset).");
        _storeHealthy = factory.CreateGauge("central_store_healthy", "1 while the store commits, 0 after a commit that wrote nothing.");
        _commandsByStatus = factory.CreateGauge("central_commands", "Command targets (one per command and gateway) in each status.", "status");
        _commandsIssued = factory.CreateCounter("central_commands_issued_total", "Command targets issued (one per command and gateway).");
        _commandPublishFailures = factory.CreateCounter("central_command_publish_failures_total", "Command publishes that failed (retried).");
        _brokerRefused = factory.CreateCounter("central_broker_refused_total", "Connections, publishes and subscriptions the embedded broker refused, by reason.", "reason");
        _apiRefused = factory.CreateCounter("central_api_refused_total", "API requests refused (401 unauthenticated, 403 forbidden), by reason.", "reason");
        _streamClients = factory.CreateGauge("central_stream_clients", "Clients connected to GET /api/v1/stream.");
        _streamMessages = factory.CreateCounter("central_stream_messages_total", "Messages the live stream published (before the clients' filters).");
        _streamDropped = factory.CreateCounter("central_stream_dropped_clients_total", "Stream clients dropped because their buffer was full (Central:Stream:ClientBuffer).");
        _streamLost = factory.CreateCounter("central_stream_lost_notices_total", "Commits and command changes the live stream left out because it fell behind (each followed by a reset).");
        _streamResumes = factory.CreateCounter("central_stream_resumes_total", "Reconnections with Last-Event-ID: resumed from the buffer, or reset (too old or unknown).", "result");
        _resident = factory.CreateGauge("central_process_resident_bytes", "The process's resident memory (RSS).");
        _gcHeap = factory.CreateGauge("central_process_gc_heap_bytes", "The managed heap after the last garbage collection.");
        _gcCommitted = factory.CreateGauge("central_process_gc_committed_bytes", "Memory the garbage collector has committed.");
        _gcHeapLimit = factory.CreateGauge("central_process_gc_heap_limit_bytes", "The garbage collector's heap hard limit (0: none; DOTNET_GCHeapHardLimit, see Memory in the README).");
        _allocated = factory.CreateCounter("central_process_allocated_bytes_total", "Bytes allocated on the managed heap since the start.");
        _collections = factory.CreateCounter("central_process_gc_collections_total", "Garbage collections since the start, by generation.", "generation");
        _queueCapacity.Set(queueCapacity);
        _queueMaxBytes.Set(queue.MaxBytes);
        _info.WithLabels(identity.InstanceId, identity.StoreKind, identity.Version).Set(1);
        Registry.AddBeforeCollectCallback(Refresh);
    }

    public CollectorRegistry Registry { get; }

    public void Committed(CommittedGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        _commitSeconds.Observe(group.CommitDuration.TotalSeconds);
    }

    /// <summary>Reads the figures central keeps into the collectors, just before a scrape.</summary>
    private void Refresh()
    {
        _readings.IncTo(_stats.ReadingsAccepted);
        _batches.IncTo(_stats.BatchesAccepted);
        _duplicateBatches.IncTo(_stats.DuplicateBatches);
        _duplicateReadings.IncTo(_stats.DuplicateReadings);
        _commits.IncTo(_stats.Commits);
        _acks.IncTo(_stats.AcksSent);
        _births.IncTo(_stats.BirthsAccepted);
        _deaths.IncTo(_stats.DeathsAccepted);
        Labelled(_rejected, _stats.Rejected());
        Labelled(_outOfWindow, _stats.TimestampsOutOfWindow());
        Labelled(_brokerRefused, _stats.Refused());
        Labelled(_apiRefused, _apiRefusals.Counts());
        _queueDepth.Set(_queue.Depth);
        _queueBytes.Set(_queue.Bytes);
        var gateways = _registry.All();
        _gateways.Set(gateways.Count);
        _gatewaysOnline.Set(gateways.Count(g => g.Online));
        _storeHealthy.Set(_store.IsHealthy ? 1 : 0);
        foreach (var (status, count) in _commands.CountByStatus())
        {
            _commandsByStatus.WithLabels(status).Set(count);
        }

        _commandsIssued.IncTo(_commandStats.Issued);
        _commandPublishFailures.IncTo(_commandStats.PublishFailures);
        _streamClients.Set(_hub.Subscribers);
        _streamMessages.IncTo(_hub.Published);
        _streamDropped.IncTo(_hub.DroppedSlowClients);
        _streamLost.IncTo(_hub.LostNotices);
        _streamResumes.WithLabels("resumed").IncTo(_hub.Resumed);
        _streamResumes.WithLabels("reset").IncTo(_hub.ResumeResets);
        RefreshProcess();
    }

    private void RefreshProcess()
    {
        var memory = GC.GetGCMemoryInfo();
        _resident.Set(Environment.WorkingSet);
        _gcHeap.Set(memory.HeapSizeBytes);
        _gcCommitted.Set(memory.TotalCommittedBytes);
        _gcHeapLimit.Set(HeapHardLimit());
        _allocated.IncTo(GC.GetTotalAllocatedBytes());
        for (var generation = 0; generation <= 2; generation++)
        {
            _collections.WithLabels(Generations[generation]).IncTo(GC.CollectionCount(generation));
        }
    }

    /// <summary>The GC's heap hard limit in bytes, 0 without one (its key names differ between runtime versions).</summary>
    internal static double HeapHardLimit()
    {
        foreach (var (key, value) in GC.GetConfigurationVariables())
        {
            if (key.EndsWith("HeapHardLimit", StringComparison.Ordinal))
            {
                return Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static void Labelled(Counter counter, IReadOnlyDictionary<string, long> counts)
    {
        foreach (var (label, count) in counts)
        {
            counter.WithLabels(label).IncTo(count);
        }
    }
}
