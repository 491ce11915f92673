using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Edge.LocalApi;
using Microsoft.Extensions.Options;

namespace City.Edge.Metrics;

/// <summary>One metric family as Prometheus shows it: its name, counter or gauge, help text and label names.</summary>
internal sealed record FigureFamily(string Name, bool IsCounter, string Help, IReadOnlyList<string> Labels);

/// <summary>
/// One figure: a family's value for some label values, and the <c>$edge/metrics/...</c> point it is forwarded as
/// (<see cref="PointId"/> null: shown on /metrics only).
/// </summary>
internal sealed record Figure(FigureFamily Family, IReadOnlyList<string> LabelValues, double Value, string? PointId, string Unit);

/// <summary>
/// The edge's figures, read from the counters the edge keeps for /v1/status (<see cref="StatusService"/>) and the reading
/// queue: nothing is counted twice. /metrics shows them all (<see cref="EdgeMetricsExporter"/>), <see cref="MetricsForwarder"/>
/// forwards those with a point id to central. The forwarded point ids are fixed at start (<see cref="CataloguePoints"/>):
/// the Birth must name every alias before a batch carries it.
/// </summary>
internal sealed class EdgeFigures(StatusService status, ReadingQueue queue, IOptions<EdgeOptions> options, EdgeSettings settings)
{
    public const string PointPrefix = "$edge/metrics/";
    private const string Device = "$edge";

    private static readonly string[] NoLabels = [];
    private static readonly string[] DeviceLabels = ["device", "protocol"];

    public static readonly FigureFamily Info = new("edge_info", false, "The edge's gateway id and software version (always 1)", ["gateway", "version"]);
    public static readonly FigureFamily StartTime = new("edge_start_time_seconds", false, "When this edge process started (unix seconds)", NoLabels);
    public static readonly FigureFamily DevicePolls = new("edge_device_polls_total", true, "Poll cycles of each device since the start, ok or failed", DeviceLabels);
    public static readonly FigureFamily DevicePollErrors = new("edge_device_poll_errors_total", true,
        "Failed poll cycles of each device since the start, by kind (timeout, link, exception, decode, backed-off, bus-power, other)", ["device", "protocol", "kind"]);
    public static readonly FigureFamily DeviceUp = new("edge_device_up", false, "1 when the device's last poll succeeded, else 0", DeviceLabels);
    public static readonly FigureFamily QueueReadings = new("edge_reading_queue_readings", false, "Readings taken but not yet written to the buffer", NoLabels);
    public static readonly FigureFamily BufferReadings = new("edge_buffer_readings", false, "Readings in the buffer waiting for central's ack", NoLabels);
    public static readonly FigureFamily BufferBatches = new("edge_buffer_batches", false, "Batches in the buffer waiting for central's ack", NoLabels);
    public static readonly FigureFamily BufferBytes = new("edge_buffer_bytes", false, "Payload bytes of the batches in the buffer", NoLabels);
    public static readonly FigureFamily BufferMaxBytes = new("edge_buffer_max_bytes", false, "The buffer's disk budget (Edge:Buffer:MaxBytes)", NoLabels);
    public static readonly FigureFamily OldestUnsent = new("edge_buffer_oldest_unsent_age_seconds", false, "Age of the oldest batch not yet acknowledged (0: none)", NoLabels);
    public static readonly FigureFamily ReadingsBuffered = new("edge_buffer_readings_buffered_total", true, "Readings written to the buffer over its life", NoLabels);
    public static readonly FigureFamily ReadingsDropped = new("edge_buffer_readings_dropped_total", true, "Readings dropped (size cap, full disk) over the buffer's life", NoLabels);
    public static readonly FigureFamily DiskFull = new("edge_buffer_disk_full", false, "1 while the disk under the buffer is full", NoLabels);
    public static readonly FigureFamily Connected = new("edge_central_connected", false, "1 while the MQTT session with central is up", NoLabels);
    public static readonly FigureFamily Connections = new("edge_central_connections_total", true, "MQTT sessions with central that came up since the start (reconnections + 1)", NoLabels);
    public static readonly FigureFamily InFlight = new("edge_forwarder_in_flight_batches", false, "Batches published and awaiting central's ack", NoLabels);
    public static readonly FigureFamily Window = new("edge_forwarder_window_batches", false, "The most batches in flight at once (Edge:Central:MaxInFlightBatches)", NoLabels);
    public static readonly FigureFamily BatchesAcked = new("edge_forwarder_acked_batches_total", true, "Batches central acknowledged over the buffer's life", NoLabels);
    public static readonly FigureFamily ReadingsAcked = new("edge_forwarder_acked_readings_total", true, "Readings central acknowledged over the buffer's life", NoLabels);
    public static readonly FigureFamily BatchesRejected = new("edge_forwarder_rejected_batches_total", true, "Batches central rejected over the buffer's life", NoLabels);
    public static readonly FigureFamily IgnoredAckSeqs = new("edge_forwarder_ignored_ack_seqs_total", true,
        "Seqs of acks not settled since the start: forged (never published in this session) or repeated", ["reason"]);
    public static readonly FigureFamily ForeignMessages = new("edge_forwarder_foreign_messages_total", true, "Messages that were not a readable ack on the gateway's own topic", NoLabels);
    public static readonly FigureFamily Commands = new("edge_commands_total", true, "Remote commands since the start: received, and by result", ["result"]);
    public static readonly FigureFamily CommandRejections = new("edge_commands_rejected_by_reason_total", true, "Remote commands rejected since the start, by reason", ["reason"]);
    public static readonly FigureFamily CommandOutbox = new("edge_command_results_waiting", false, "Command results waiting for central's ack", NoLabels);
    public static readonly FigureFamily LightingAssignments = new("edge_lighting_assignments", false, "Assignments of the lighting set the edge runs", NoLabels);
    public static readonly FigureFamily LightingOverrides = new("edge_lighting_overrides", false, "Lighting overrides in force", NoLabels);
    public static readonly FigureFamily LightingCommands = new("edge_lighting_commands_total", true,
        "DALI level commands of the lighting scheduler since the start: sent, failed, reapplied (to gear that lost its level)", ["result"]);
    public static readonly FigureFamily GcHeap = new("edge_process_gc_heap_bytes", false, "The managed heap after the last garbage collection", NoLabels);
    public static readonly FigureFamily GcCommitted = new("edge_process_gc_committed_bytes", false, "Memory the garbage collector has committed", NoLabels);
    public static readonly FigureFamily Allocated = new("edge_process_allocated_bytes_total", true, "Bytes allocated on the managed heap since the start", NoLabels);
    public static readonly FigureFamily Collections = new("edge_process_gc_collections_total", true, "Garbage collections since the start, by generation", ["generation"]);

    /// <summary>The command results counted (received, then each outcome), as labels and point names.</summary>
    private static readonly string[] CommandResults = ["received", "accepted", "done", "failed", "rejected", "dropped", "results-lost"];

    private static readonly string[] LightingResults = ["sent", "failed", "reapplied"];

    public static IReadOnlyList<FigureFamily> Families { get; } =
    [
        Info, StartTime, DevicePolls, DevicePollErrors, DeviceUp, QueueReadings, BufferReadings, BufferBatches, BufferBytes, BufferMaxBytes, OldestUnsent,
        ReadingsBuffered, ReadingsDropped, DiskFull, Connected, Connections, InFlight, Window, BatchesAcked, ReadingsAcked, BatchesRejected, IgnoredAckSeqs,
        ForeignMessages, Commands, CommandRejections, CommandOutbox, LightingAssignments, LightingOverrides, LightingCommands,
        GcHeap, GcCommitted, Allocated, Collections,
    ];

    private static readonly string[][] Generations = [["0"], ["1"], ["2"]];

    /// <summary>The points forwarded to central: a catalogue entry each (type number, device <c>$edge</c>), after the devices' points.</summary>
    public static IReadOnlyList<PointInfo> CataloguePoints(EdgeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Shape(settings.Devices.Select(d => (d.Name, d.Protocol)).ToList(), settings.DaliLines.Count > 0)
            .Where(f => f.PointId is not null)
            .Select(f => new PointInfo { Id = f.PointId!, Unit = f.Unit, Type = PointType.Number, Device = Device, Description = Describe(f) })
            .ToList();
    }

    /// <summary>Every figure now, the process's own (memory, allocations, collections: /metrics only) last.</summary>
    public IReadOnlyList<Figure> Sample()
    {
        var figures = new List<Figure>(Sample(status.GetStatus(), queue.Reader.Count, options.Value.Central.MaxInFlightBatches, settings.DaliLines.Count > 0));
        var memory = GC.GetGCMemoryInfo();
        figures.Add(new(GcHeap, NoLabels, memory.HeapSizeBytes, null, "bytes"));
        figures.Add(new(GcCommitted, NoLabels, memory.TotalCommittedBytes, null, "bytes"));
        figures.Add(new(Allocated, NoLabels, GC.GetTotalAllocatedBytes(), null, "bytes"));
        for (var generation = 0; generation < Generations.Length; generation++)
        {
            figures.Add(new(Collections, Generations[generation], GC.CollectionCount(generation), null, "collections"));
        }

        return figures;
    }

    /// <summary>The figures of a status document (pure: the catalogue and the tests use it too).</summary>
    public static IReadOnlyList<Figure> Sample(StatusDocument doc, int queued, int window, bool lighting)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var figures = new List<Figure>
        {
            new(Info, [doc.GatewayId, doc.Version], 1, null, string.Empty),
            new(StartTime, NoLabels, doc.StartedAt.ToUnixTimeMilliseconds() / 1000.0, null, "s"),
        };

        foreach (var device in doc.Devices)
        {
            string[] labels = [device.Name, device.Protocol];
            figures.Add(new(DevicePolls, labels, device.PollsOk + device.PollsFailed, DevicePoint(device.Name, "polls"), "polls"));
            foreach (var kind in PollErrorKinds.All)
            {
                var count = device.ErrorsByKind?.GetValueOrDefault(kind) ?? 0;
                figures.Add(new(DevicePollErrors, [device.Name, device.Protocol, kind], count, DevicePoint(device.Name, "poll-errors/" + kind), "polls"));
            }

            figures.Add(new(DeviceUp, labels, device.LastPollOk ? 1 : 0, DevicePoint(device.Name, "up"), string.Empty));
        }

        var buffer = doc.Buffer;
        var central = doc.Central;
        figures.AddRange(
        [
            new(QueueReadings, NoLabels, queued, PointPrefix + "queue/readings", "readings"),
            new(BufferReadings, NoLabels, buffer.ReadingsWaiting, PointPrefix + "buffer/readings", "readings"),
            new(BufferBatches, NoLabels, buffer.BatchesWaiting, PointPrefix + "buffer/batches", "batches"),
            new(BufferBytes, NoLabels, buffer.BytesUsed, PointPrefix + "buffer/bytes", "bytes"),
            new(BufferMaxBytes, NoLabels, buffer.MaxBytes, null, "bytes"),
            new(OldestUnsent, NoLabels, buffer.OldestWaitingAgeSeconds, PointPrefix + "buffer/oldest-unsent-age", "s"),
            new(ReadingsBuffered, NoLabels, buffer.ReadingsBuffered, PointPrefix + "buffer/readings-buffered", "readings"),
            new(ReadingsDropped, NoLabels, buffer.ReadingsDropped, PointPrefix + "buffer/readings-dropped", "readings"),
            new(DiskFull, NoLabels, buffer.DiskFull ? 1 : 0, PointPrefix + "buffer/disk-full", string.Empty),
            new(Connected, NoLabels, central.Connected ? 1 : 0, PointPrefix + "central/connected", string.Empty),
            new(Connections, NoLabels, central.Connections, PointPrefix + "central/connections", "sessions"),
            new(InFlight, NoLabels, central.InFlightBatches, PointPrefix + "central/in-flight-batches", "batches"),
            new(Window, NoLabels, window, null, "batches"),
            new(BatchesAcked, NoLabels, central.BatchesAcked, PointPrefix + "central/acked-batches", "batches"),
            new(ReadingsAcked, NoLabels, central.ReadingsAcked, PointPrefix + "central/acked-readings", "readings"),
            new(BatchesRejected, NoLabels, central.BatchesRejected, PointPrefix + "central/rejected-batches", "batches"),
            new(IgnoredAckSeqs, ["forged"], central.ForgedAckSeqs, PointPrefix + "central/forged-ack-seqs", "seqs"),
            new(IgnoredAckSeqs, ["repeated"], central.RepeatedAckSeqs, PointPrefix + "central/repeated-ack-seqs", "seqs"),
            new(ForeignMessages, NoLabels, central.ForeignMessages, PointPrefix + "central/foreign-messages", "messages"),
        ]);

        var commands = doc.Commands;
        long[] counts = [commands.Received, commands.Accepted, commands.Done, commands.Failed, commands.Rejected, commands.Dropped, commands.ResultsLost];
        for (var i = 0; i < CommandResults.Length; i++)
        {
            figures.Add(new(Commands, [CommandResults[i]], counts[i], PointPrefix + "commands/" + CommandResults[i], "commands"));
        }

        foreach (var (reason, count) in commands.RejectedByReason.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            figures.Add(new(CommandRejections, [reason], count, null, "commands"));
        }

        figures.Add(new(CommandOutbox, NoLabels, commands.OutboxDepth, PointPrefix + "commands/results-waiting", "results"));
        if (lighting && doc.Lighting is { } l)
        {
            figures.Add(new(LightingAssignments, NoLabels, l.Assignments, PointPrefix + "lighting/assignments", "assignments"));
            figures.Add(new(LightingOverrides, NoLabels, l.Overrides, PointPrefix + "lighting/overrides", "overrides"));
            long[] sent = [l.CommandsSent, l.CommandsFailed, l.LevelsReapplied];
            for (var i = 0; i < LightingResults.Length; i++)
            {
                figures.Add(new(LightingCommands, [LightingResults[i]], sent[i], PointPrefix + "lighting/commands-" + LightingResults[i], "commands"));
            }
        }

        return figures;
    }

    /// <summary><c>$edge/metrics/device/{device}/{what}</c>.</summary>
    public static string DevicePoint(string device, string what) => $"{PointPrefix}device/{device}/{what}";

    /// <summary>The figures of an edge with these devices and nothing counted yet: the shape the catalogue is made of.</summary>
    private static IReadOnlyList<Figure> Shape(IReadOnlyList<(string Name, string Protocol)> devices, bool lighting)
    {
        var empty = new StatusDocument(string.Empty, 0, string.Empty, DateTimeOffset.UnixEpoch,
            new CentralStatusDocument(string.Empty, false, null, null, 0, 0, 0, 0, false, 0, 0, 0),
            devices.Select(d => new DeviceStatusDocument(d.Name, d.Protocol, string.Empty, 0, true, null, false, null, 0, 0)).ToList(),
            new BufferStatusDocument(string.Empty, 0, 0, 0, 0, 0, 0, 0, 0, string.Empty, false),
            new CommandsStatusDocument(false, null, 0, 0, 0, 0, 0, new Dictionary<string, long>(), 0, 0, 0),
            new LightingStatusDocument(null, 0, 0, 0, 0, 0, DateTimeOffset.UnixEpoch, false));
        return Sample(empty, 0, 0, lighting);
    }

    private static string Describe(Figure figure) =>
        figure.LabelValues.Count == 0 ? figure.Family.Help : $"{figure.Family.Help} ({string.Join(", ", figure.Family.Labels.Zip(figure.LabelValues, (n, v) => $"{n} {v}"))})";
}
