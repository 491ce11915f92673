using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.Edge.Buffer;

/// <summary>A batch as stored in the buffer, ready to publish.</summary>
public sealed record StoredBatch(ulong Seq, BatchKind Kind, long CreatedUnixMs, int ReadingCount, byte[] Payload);

/// <summary>What <see cref="BatchBuffer.Append"/> did. <c>Seqs</c> lists the batches stored, telemetry first, then an event batch if readings were dropped.</summary>
public sealed record AppendResult(IReadOnlyList<ulong> Seqs, long ReadingsStored, long ReadingsDropped, int BatchesEvicted);

/// <summary>Lifetime counters and current content of the buffer.</summary>
public sealed record BufferStats(
    ulong Epoch,
    ulong LastSeq,
    long BatchesWaiting,
    long ReadingsWaiting,
    long BytesUsed,
    long MaxBytes,
    long? OldestCreatedUnixMs,
    long ReadingsBuffered,
    long ReadingsDropped,
    long BatchesAcked,
    long ReadingsAcked,
    long BatchesRejected,
    long ReadingsRejected,
    int InFlight);

/// <summary>
/// The edge's store-and-forward buffer: a LiteDB file (direct connection) holding encoded contract batches, one
/// document per batch, keyed by seq. Every change happens in one LiteDB transaction together with the meta
/// document (next seq, epoch, lifetime counters), so a crash leaves either all of it or none of it. A batch
/// exists from its commit until central acknowledges it (or the size cap evicts it, counted and reported).
/// Thread-safe: every call takes one lock, and LiteDB transactions (bound to a thread) never cross an await.
/// </summary>
public sealed class BatchBuffer : IDisposable
{
    /// <summary>Reserved point: running total of readings dropped by the size cap.</summary>
    public const string DroppedReadingsPointId = "$edge/buffer/dropped-readings";

    /// <summary>Reserved point: running total of batches central rejected.</summary>
    public const string RejectedBatchesPointId = "$edge/central/rejected-batches";

    private const string BatchesCollection = "batches";
    private const string MetaCollection = "meta";
    private const string AliasesCollection = "aliases";
    private const string MetaId = "state";
    private const int EventReserveBytes = 256;

    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _batches;
    private readonly ILiteCollection<BsonDocument> _meta;
    private readonly ILiteCollection<BsonDocument> _aliases;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly HashSet<ulong> _inFlight = [];
    private readonly Dictionary<string, uint> _aliasById = new(StringComparer.Ordinal);
    private readonly HashSet<uint> _eventAliases = [];
    private BufferMeta _state;
    private bool _disposed;

    // The newest telemetry batch, as long as it has never been handed to the forwarder: the next append may
    // replace it by a bigger batch under the same seq (that seq was never published: nobody has seen it).
    // During an outage this turns many small flushes into few large batches: fewer bytes per reading on the wire.
    private GrowingTail? _tail;

    private BatchBuffer(string path, long maxBytes, string gatewayId, TimeProvider time, int maxReadingsPerBatch)
    {
        Path = path;
        MaxBytes = maxBytes;
        MaxReadingsPerBatch = maxReadingsPerBatch;
        GatewayId = gatewayId;
        _time = time;
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        try
        {
            _batches = _db.GetCollection(BatchesCollection);
            _meta = _db.GetCollection(MetaCollection);
            _aliases = _db.GetCollection(AliasesCollection);
            _batches.EnsureIndex("kind");
            _state = Start(gatewayId);
            foreach (var doc in _aliases.FindAll())
            {
                _aliasById[doc["_id"].AsString] = (uint)doc["alias"].AsInt64;
            }
        }
        catch
        {
            _db.Dispose();
            throw;
        }
    }

    /// <summary>Raised (outside the lock) after a commit that added batches.</summary>
    public event Action? BatchesCommitted;

    public string Path { get; }

    public long MaxBytes { get; }

    /// <summary>A batch grows up to this many readings while it waits unsent (see <see cref="Append"/>).</summary>
    public int MaxReadingsPerBatch { get; }

    public string GatewayId { get; }

    /// <summary>This run's epoch, bumped and persisted when the buffer was opened.</summary>
    public ulong Epoch => _state.Epoch;

    /// <summary>The seq the next batch will get.</summary>
    public ulong NextSeq
    {
        get
        {
            lock (_gate)
            {
                return _state.NextSeq;
            }
        }
    }

    /// <summary>
    /// Marks the start of a connection: what is buffered from here on is live data. The batch still growing is
    /// closed, so that backlog readings never ride in a live batch. Returns the first live seq.
    /// </summary>
    public ulong StartLiveSection()
    {
        lock (_gate)
        {
            _tail = null;
            return _state.NextSeq;
        }
    }

    /// <summary>
    /// Opens (or creates) the buffer file and bumps the epoch. Throws <see cref="BufferOwnershipException"/> when the
    /// file belongs to another gateway id: its batches carry that id and central would refuse them.
    /// </summary>
    public static BatchBuffer Open(string path, long maxBytes, string gatewayId, TimeProvider? time = null, int maxReadingsPerBatch = 5000)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxReadingsPerBatch, 1);
        return new BatchBuffer(path, maxBytes, gatewayId, time ?? TimeProvider.System, maxReadingsPerBatch);
    }

    /// <summary>
    /// Gives every point an alias (kept if it already has one, never reused) and stores its catalogue entry.
    /// The reserved $edge points are always part of it. Returns point id -> alias.
    /// </summary>
    public IReadOnlyDictionary<string, uint> SyncCatalogue(IEnumerable<PointInfo> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var all = ReservedPoints().Concat(points).ToList();
            var state = _state;
            var changed = false;
            InTransaction(() =>
            {
                foreach (var point in all)
                {
                    var existing = _aliases.FindById(point.Id);
                    uint alias;
                    if (existing is null)
                    {
                        alias = checked((uint)state.NextAlias);
                        state = state with { NextAlias = state.NextAlias + 1 };
                    }
                    else
                    {
                        alias = (uint)existing["alias"].AsInt64;
                    }

                    var doc = new BsonDocument
                    {
                        ["_id"] = point.Id,
                        ["alias"] = (long)alias,
                        ["unit"] = point.Unit,
                        ["type"] = (int)point.Type,
                        ["device"] = point.Device,
                        ["description"] = point.Description,
                    };
                    if (existing is null || !SameCatalogueEntry(existing, doc))
                    {
                        _aliases.Upsert(doc);
                        changed = true;
                    }

                    point.Alias = alias;
                }

                if (changed)
                {
                    _meta.Upsert(state.ToDocument());
                }

            });

            _state = state;
            foreach (var point in all)
            {
                _aliasById[point.Id] = point.Alias;
            }

            return new Dictionary<string, uint>(_aliasById, StringComparer.Ordinal);
        }
    }

    /// <summary>Every point that ever had an alias, with its last known description (for the Birth).</summary>
    public IReadOnlyList<PointInfo> Catalogue()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _aliases.FindAll()
                .Select(doc => new PointInfo
                {
                    Id = doc["_id"].AsString,
                    Alias = (uint)doc["alias"].AsInt64,
                    Unit = doc["unit"].AsString ?? string.Empty,
                    Type = (PointType)doc["type"].AsInt32,
                    Device = doc["device"].AsString ?? string.Empty,
                    Description = doc["description"].AsString ?? string.Empty,
                })
                .OrderBy(p => p.Alias)
                .ToList();
        }
    }

    /// <summary>
    /// Declares the points whose readings are device events (a lamp failed, an alarm trap): from now on
    /// <see cref="Append"/> puts their readings in EVENTS batches, which are sent before any telemetry and never evicted
    /// by the size cap. Not persisted: the daemon declares them at every start, after <see cref="SyncCatalogue"/>.
    /// </summary>
    public void DeclareEventPoints(IEnumerable<string> pointIds)
    {
        ArgumentNullException.ThrowIfNull(pointIds);
        lock (_gate)
        {
            foreach (var id in pointIds)
            {
                _eventAliases.Add(_aliasById.TryGetValue(id, out var alias)
                    ? alias
                    : throw new KeyNotFoundException($"Event point '{id}' has no alias; call SyncCatalogue first."));
            }
        }
    }

    public uint AliasOf(string pointId)
    {
        lock (_gate)
        {
            return _aliasById.TryGetValue(pointId, out var alias)
                ? alias
                : throw new KeyNotFoundException($"Point '{pointId}' has no alias; call SyncCatalogue first.");
        }
    }

    /// <summary>
    /// Encodes each group of readings as one telemetry batch with a new seq and commits them all in one transaction
    /// (group commit). When the size cap would be exceeded, the oldest telemetry batches not in flight are evicted in
    /// that same transaction, their readings counted as dropped, and an EVENTS batch with the running dropped total
    /// is added. Only after this method returns do the readings count as buffered.
    /// While the newest telemetry batch has not been handed to the forwarder (link down, window full), a group is
    /// merged into it instead: the old batch is replaced, in the same transaction, by a bigger one under the same
    /// seq (never published yet), up to <see cref="MaxReadingsPerBatch"/> readings. Seqs stay without gaps.
    /// </summary>
    public AppendResult Append(IReadOnlyList<IReadOnlyList<Reading>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var seqs = new List<ulong>();
        long stored = 0;
        long dropped = 0;
        var evicted = 0;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var state = _state;
            var tail = _tail;
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            InTransaction(() =>
            {
                foreach (var group in groups)
                {
                    var (readings, events) = SplitEvents(group);
                    if (events.Count > 0)
                    {
                        state = AddEventBatch(state, events, now, seqs, ref stored, ref dropped, ref evicted);
                    }

                    if (readings.Count == 0)
                    {
                        continue;
                    }

                    // Grow the unsent tail batch, under its own seq, instead of adding a small one next to it.
                    var content = readings;
                    var created = now;
                    ulong seq;
                    if (tail is not null && tail.Readings.Count + readings.Count <= MaxReadingsPerBatch && TryDelete(tail.Seq, out var tailCount, out var tailSize))
                    {
                        state = state.Removed(tailSize, tailCount);
                        seq = tail.Seq;
                        seqs.Remove(seq);
                        content = [.. tail.Readings, .. readings];
                        created = tail.CreatedUnixMs;
                    }
                    else
                    {
                        seq = state.NextSeq;
                        state = state with { NextSeq = seq + 1 };
                    }

                    tail = null;
                    var payload = BatchCodec.EncodeToBytes(new BatchHeader(GatewayId, state.Epoch, seq, created, BatchKind.Telemetry), content);
                    if (state.BytesUsed + payload.Length > MaxBytes)
                    {
                        var (batches, readingsEvicted, newState) = Evict(state, payload.Length + EventReserveBytes);
                        state = newState;
                        evicted += batches;
                        dropped += readingsEvicted;
                    }

                    if (state.BytesUsed + payload.Length + (dropped > 0 ? EventReserveBytes : 0) > MaxBytes)
                    {
                        // Even an empty buffer (apart from events and batches in flight) cannot take it.
                        dropped += content.Count;
                        state = state with { ReadingsDropped = state.ReadingsDropped + content.Count };
                        continue;
                    }

                    Insert(seq, BatchKind.Telemetry, created, content.Count, payload, tag: null);
                    state = state.Added(payload.Length, content.Count) with { ReadingsBuffered = state.ReadingsBuffered + readings.Count };
                    seqs.Add(seq);
                    stored += readings.Count;
                    tail = new GrowingTail(seq, created, content as List<Reading> ?? [.. content]);
                }

                if (dropped > 0)
                {
                    state = AddCounterEvent(state, DroppedReadingsPointId, state.ReadingsDropped, now, seqs);
                }

                _meta.Upsert(state.ToDocument());
            });

            _state = state;
            _tail = tail;
        }

        if (seqs.Count > 0)
        {
            BatchesCommitted?.Invoke();
        }

        return new AppendResult(seqs, stored, dropped, evicted);
    }

    /// <summary>
    /// Up to <paramref name="max"/> batches not in flight, in sending order: EVENTS oldest first, then live batches
    /// (seq >= <paramref name="liveFromSeq"/>, i.e. committed since the link came up) oldest first, then the backlog
    /// oldest first. The batches returned are marked in flight until acknowledged or released.
    /// </summary>
    public IReadOnlyList<StoredBatch> TakePending(int max, ulong liveFromSeq)
    {
        var result = new List<StoredBatch>();
        if (max <= 0)
        {
            return result;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var skip = _inFlight.Count;
            foreach (var doc in _batches.Query().Where("kind = @0", (int)BatchKind.Events).OrderBy("_id").Limit(max + skip).ToEnumerable())
            {
                if (!TryTake(doc, result, max))
                {
                    break;
                }
            }

            if (result.Count < max)
            {
                var live = (long)Math.Min(liveFromSeq, long.MaxValue);
                foreach (var doc in _batches.Query().Where("_id >= @0", live).OrderBy("_id").Limit(max - result.Count + skip + EventsCount()).ToEnumerable())
                {
                    if (!TryTake(doc, result, max))
                    {
                        break;
                    }
                }
            }

            if (result.Count < max)
            {
                var live = (long)Math.Min(liveFromSeq, long.MaxValue);
                foreach (var doc in _batches.Query().Where("_id < @0", live).OrderBy("_id").Limit(max - result.Count + skip + EventsCount()).ToEnumerable())
                {
                    if (!TryTake(doc, result, max))
                    {
                        break;
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Puts a batch in flight back to pending (its publish failed or the link dropped).</summary>
    public void Release(ulong seq)
    {
        lock (_gate)
        {
            _inFlight.Remove(seq);
        }
    }

    /// <summary>Every batch in flight goes back to pending (the link dropped).</summary>
    public void ReleaseAll()
    {
        lock (_gate)
        {
            _inFlight.Clear();
        }
    }

    /// <summary>
    /// Applies an ack: committed batches are deleted (counted as acked), rejected ones deleted and counted as rejected,
    /// with an EVENTS batch carrying the running rejected total. One transaction. Unknown seqs are ignored
    /// (a duplicate ack, or a batch already gone).
    /// </summary>
    public (int Acked, long ReadingsAcked, int Rejected) Acknowledge(IReadOnlyCollection<ulong> committed, IReadOnlyCollection<ulong>? rejected = null)
    {
        ArgumentNullException.ThrowIfNull(committed);
        rejected ??= [];
        var acked = 0;
        long readingsAcked = 0;
        var rejectedCount = 0;
        var newSeqs = new List<ulong>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var state = _state;
            InTransaction(() =>
            {
                foreach (var seq in committed)
                {
                    if (TryDelete(seq, out var count, out var size))
                    {
                        acked++;
                        readingsAcked += count;
                        state = state.Removed(size, count) with { BatchesAcked = state.BatchesAcked + 1, ReadingsAcked = state.ReadingsAcked + count };
                    }
                }

                foreach (var seq in rejected)
                {
                    if (TryDelete(seq, out var count, out var size))
                    {
                        rejectedCount++;
                        state = state.Removed(size, count) with { BatchesRejected = state.BatchesRejected + 1, ReadingsRejected = state.ReadingsRejected + count };
                    }
                }

                if (rejectedCount > 0)
                {
                    state = AddCounterEvent(state, RejectedBatchesPointId, state.BatchesRejected, _time.GetUtcNow().ToUnixTimeMilliseconds(), newSeqs);
                }

                if (acked + rejectedCount > 0)
                {
                    _meta.Upsert(state.ToDocument());
                }

            });

            _state = state;
            foreach (var seq in committed)
            {
                _inFlight.Remove(seq);
            }

            foreach (var seq in rejected)
            {
                _inFlight.Remove(seq);
            }
        }

        if (newSeqs.Count > 0)
        {
            BatchesCommitted?.Invoke();
        }

        return (acked, readingsAcked, rejectedCount);
    }

    public BufferStats GetStats()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var s = _state;
            long? oldest = null;
            var first = _batches.Query().OrderBy("_id").Select("{created}").Limit(1).FirstOrDefault();
            if (first is not null && first.TryGetValue("created", out var created))
            {
                oldest = created.AsInt64;
            }

            return new BufferStats(s.Epoch, s.NextSeq - 1, s.BatchCount, s.PendingReadings, s.BytesUsed, MaxBytes, oldest,
                s.ReadingsBuffered, s.ReadingsDropped, s.BatchesAcked, s.ReadingsAcked, s.BatchesRejected, s.ReadingsRejected, _inFlight.Count);
        }
    }

    /// <summary>Decodes a stored batch's readings (tests and diagnostics).</summary>
    /// <summary>Runs <paramref name="work"/> in one LiteDB transaction whose commit is on disk when this returns.</summary>
    private void InTransaction(Action work) => InTransaction(() =>
    {
        work();
        return true;
    });

    private T InTransaction<T>(Func<T> work)
    {
        _db.BeginTrans();
        T result;
        try
        {
            result = work();
            _db.Commit();
        }
        catch
        {
            _db.Rollback();
            throw;
        }

        SyncLogToDisk();
        return result;
    }

    /// <summary>
    /// LiteDB 5 writes a commit to its log file without fsync. A batch must be on disk before its seq can be
    /// published: after a power cut a seq already sent must never be handed out again (central would take the
    /// new batch for a duplicate).
    /// </summary>
    private void SyncLogToDisk()
    {
        var logFile = System.IO.Path.ChangeExtension(Path, null) + "-log" + System.IO.Path.GetExtension(Path);
        if (!File.Exists(logFile))
        {
            return;
        }

        using var handle = File.OpenHandle(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        RandomAccess.FlushToDisk(handle);
    }

    public static List<Reading> DecodeReadings(StoredBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!BatchCodec.TryParseEnvelope(batch.Payload, out var envelope, out var error) || !BatchCodec.TryDecodeBody(envelope, out var readings, out error))
        {
            throw new InvalidDataException($"batch {batch.Seq}: {error.Reason()}");
        }

        return BatchCodec.Flatten(readings);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _db.Dispose();
        }
    }

    private static IEnumerable<PointInfo> ReservedPoints() =>
    [
        new PointInfo { Id = DroppedReadingsPointId, Unit = "readings", Type = PointType.Number, Device = "$edge", Description = "Readings dropped by the buffer size cap (running total)" },
        new PointInfo { Id = RejectedBatchesPointId, Unit = "batches", Type = PointType.Number, Device = "$edge", Description = "Batches central rejected (running total)" },
    ];

    private static bool SameCatalogueEntry(BsonDocument a, BsonDocument b) =>
        a["unit"] == b["unit"] && a["type"] == b["type"] && a["device"] == b["device"] && a["description"] == b["description"];

    private BufferMeta Start(string gatewayId)
    {
        return InTransaction(() =>
        {
            var doc = _meta.FindById(MetaId);
            var state = doc is null ? BufferMeta.New(gatewayId) : BufferMeta.FromDocument(doc);
            if (!string.Equals(state.GatewayId, gatewayId, StringComparison.Ordinal))
            {
                throw new BufferOwnershipException(
                    $"The buffer file '{Path}' belongs to gateway '{state.GatewayId}', not '{gatewayId}': its batches carry that id. Move the file away (or send it with the old id) before changing Edge:GatewayId.");
            }

            state = state with { Epoch = state.Epoch + 1 };
            _meta.Upsert(state.ToDocument());
            return state;
        });
    }

    private int EventsCount() => _batches.Count(Query.EQ("kind", (int)BatchKind.Events));

    private bool TryTake(BsonDocument doc, List<StoredBatch> result, int max)
    {
        if (result.Count >= max)
        {
            return false;
        }

        var seq = (ulong)doc["_id"].AsInt64;
        if (_inFlight.Contains(seq) || result.Exists(b => b.Seq == seq))
        {
            return true;
        }

        _inFlight.Add(seq);
        if (_tail?.Seq == seq)
        {
            _tail = null;
        }

        result.Add(new StoredBatch(seq, (BatchKind)doc["kind"].AsInt32, doc["created"].AsInt64, doc["count"].AsInt32, doc["payload"].AsBinary));
        return true;
    }

    private void Insert(ulong seq, BatchKind kind, long created, int count, byte[] payload, string? tag)
    {
        var doc = new BsonDocument
        {
            ["_id"] = (long)seq,
            ["kind"] = (int)kind,
            ["created"] = created,
            ["count"] = count,
            ["size"] = payload.Length,
            ["payload"] = payload,
        };
        if (tag is not null)
        {
            doc["tag"] = tag;
        }

        _batches.Insert(doc);
    }

    private bool TryDelete(ulong seq, out int count, out int size)
    {
        count = 0;
        size = 0;
        var doc = _batches.FindById((long)seq);
        if (doc is null)
        {
            return false;
        }

        count = doc["count"].AsInt32;
        size = doc["size"].AsInt32;
        return _batches.Delete((long)seq);
    }

    /// <summary>Deletes the oldest telemetry batches not in flight until <paramref name="needed"/> more bytes fit.</summary>
    private (int Batches, long Readings, BufferMeta State) Evict(BufferMeta state, long needed)
    {
        var batches = 0;
        long readings = 0;
        long afterId = long.MinValue;
        while (state.BytesUsed + needed > MaxBytes)
        {
            var candidates = _batches.Query()
                .Where("_id > @0", afterId)
                .OrderBy("_id")
                .Select("{_id, kind, count, size}")
                .Limit(64)
                .ToList();
            if (candidates.Count == 0)
            {
                break;
            }

            foreach (var doc in candidates)
            {
                var id = doc["_id"].AsInt64;
                afterId = id;
                if (doc["kind"].AsInt32 != (int)BatchKind.Telemetry || _inFlight.Contains((ulong)id))
                {
                    continue;
                }

                var count = doc["count"].AsInt32;
                _batches.Delete(id);
                state = state.Removed(doc["size"].AsInt32, count) with { ReadingsDropped = state.ReadingsDropped + count };
                batches++;
                readings += count;
                if (state.BytesUsed + needed <= MaxBytes)
                {
                    break;
                }
            }
        }

        return (batches, readings, state);
    }

    private (IReadOnlyList<Reading> Telemetry, List<Reading> Events) SplitEvents(IReadOnlyList<Reading> readings)
    {
        if (_eventAliases.Count == 0 || !readings.Any(r => _eventAliases.Contains(r.Alias)))
        {
            return (readings, []);
        }

        var telemetry = new List<Reading>(readings.Count);
        var events = new List<Reading>();
        foreach (var reading in readings)
        {
            (_eventAliases.Contains(reading.Alias) ? events : telemetry).Add(reading);
        }

        return (telemetry, events);
    }

    /// <summary>
    /// Adds one EVENTS batch with device events. Telemetry is evicted to make room; only when even that is not enough
    /// are the events dropped, and counted like any dropped reading.
    /// </summary>
    private BufferMeta AddEventBatch(BufferMeta state, List<Reading> events, long now, List<ulong> seqs, ref long stored, ref long dropped, ref int evicted)
    {
        var seq = state.NextSeq;
        var payload = BatchCodec.EncodeToBytes(new BatchHeader(GatewayId, state.Epoch, seq, now, BatchKind.Events), events);
        if (state.BytesUsed + payload.Length + EventReserveBytes > MaxBytes)
        {
            var (batches, readingsEvicted, newState) = Evict(state, payload.Length + EventReserveBytes);
            state = newState;
            evicted += batches;
            dropped += readingsEvicted;
        }

        if (state.BytesUsed + payload.Length + EventReserveBytes > MaxBytes)
        {
            dropped += events.Count;
            return state with { ReadingsDropped = state.ReadingsDropped + events.Count };
        }

        Insert(seq, BatchKind.Events, now, events.Count, payload, tag: null);
        seqs.Add(seq);
        stored += events.Count;
        return state.Added(payload.Length, events.Count) with { NextSeq = seq + 1, ReadingsBuffered = state.ReadingsBuffered + events.Count };
    }

    /// <summary>
    /// Adds an EVENTS batch with one reading of a reserved counter point. An older pending event of the same counter is
    /// superseded (it holds a smaller running total) and removed, so events never pile up against the size cap.
    /// </summary>
    private BufferMeta AddCounterEvent(BufferMeta state, string pointId, long total, long now, List<ulong> seqs)
    {
        foreach (var old in _batches.Query().Where("kind = @0", (int)BatchKind.Events).Select("{_id, count, size, tag}").ToList())
        {
            if (old["tag"] != pointId)
            {
                continue;
            }

            var id = old["_id"].AsInt64;
            if (!_inFlight.Contains((ulong)id) && _batches.Delete(id))
            {
                state = state.Removed(old["size"].AsInt32, old["count"].AsInt32);
            }
        }

        var seq = state.NextSeq;
        state = state with { NextSeq = seq + 1 };
        var reading = new Reading(_aliasById[pointId], now, PointValue.FromNumber(total));
        var payload = BatchCodec.EncodeToBytes(new BatchHeader(GatewayId, state.Epoch, seq, now, BatchKind.Events), [reading]);
        Insert(seq, BatchKind.Events, now, 1, payload, pointId);
        seqs.Add(seq);
        return state.Added(payload.Length, 1);
    }
}

/// <summary>The buffer file was written by another gateway.</summary>
public sealed class BufferOwnershipException(string message) : Exception(message);

/// <summary>The meta document: identity, sequence counters and lifetime totals, always written with the batches.</summary>
/// <summary>The newest telemetry batch while it may still grow: never handed out since it was written.</summary>
internal sealed record GrowingTail(ulong Seq, long CreatedUnixMs, List<Reading> Readings);

internal sealed record BufferMeta(
    string GatewayId,
    ulong Epoch,
    ulong NextSeq,
    long NextAlias,
    long BatchCount,
    long PendingReadings,
    long BytesUsed,
    long ReadingsBuffered,
    long ReadingsDropped,
    long BatchesAcked,
    long ReadingsAcked,
    long BatchesRejected,
    long ReadingsRejected)
{
    public static BufferMeta New(string gatewayId) => new(gatewayId, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public BufferMeta Added(int bytes, int readings) =>
        this with { BatchCount = BatchCount + 1, PendingReadings = PendingReadings + readings, BytesUsed = BytesUsed + bytes };

    public BufferMeta Removed(int bytes, int readings) =>
        this with { BatchCount = BatchCount - 1, PendingReadings = PendingReadings - readings, BytesUsed = BytesUsed - bytes };

    public BsonDocument ToDocument() => new()
    {
        ["_id"] = "state",
        ["gatewayId"] = GatewayId,
        ["epoch"] = (long)Epoch,
        ["nextSeq"] = (long)NextSeq,
        ["nextAlias"] = NextAlias,
        ["batchCount"] = BatchCount,
        ["pendingReadings"] = PendingReadings,
        ["bytesUsed"] = BytesUsed,
        ["readingsBuffered"] = ReadingsBuffered,
        ["readingsDropped"] = ReadingsDropped,
        ["batchesAcked"] = BatchesAcked,
        ["readingsAcked"] = ReadingsAcked,
        ["batchesRejected"] = BatchesRejected,
        ["readingsRejected"] = ReadingsRejected,
    };

    public static BufferMeta FromDocument(BsonDocument doc) => new(
        doc["gatewayId"].AsString,
        (ulong)doc["epoch"].AsInt64,
        (ulong)doc["nextSeq"].AsInt64,
        doc["nextAlias"].AsInt64,
        doc["batchCount"].AsInt64,
        doc["pendingReadings"].AsInt64,
        doc["bytesUsed"].AsInt64,
        doc["readingsBuffered"].AsInt64,
        doc["readingsDropped"].AsInt64,
        doc["batchesAcked"].AsInt64,
        doc["readingsAcked"].AsInt64,
        doc["batchesRejected"].AsInt64,
        doc["readingsRejected"].AsInt64);
}
