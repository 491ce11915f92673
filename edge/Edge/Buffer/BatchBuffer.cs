using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.Edge.Buffer;

/// <summary>
/// The edge's store-and-forward buffer: a LiteDB file (direct connection) holding encoded contract batches, one
/// document per batch, keyed by seq. Every change happens in one LiteDB transaction together with the meta
/// document (next seq, epoch, lifetime counters), so a crash leaves either all of it or none of it. A batch
/// exists from its commit until central acknowledges it (or the size cap evicts it, counted and reported).
/// Thread-safe: every call takes one lock, and LiteDB transactions (bound to a thread) never cross an await.
/// </summary>
internal sealed partial class BatchBuffer : IDisposable
{
    /// <summary>Reserved point: running total of readings dropped by the size cap.</summary>
    public const string DroppedReadingsPointId = "$edge/buffer/dropped-readings";

    /// <summary>Reserved point: running total of batches central rejected.</summary>
    public const string RejectedBatchesPointId = "$edge/central/rejected-batches";

    private const string MetaId = "state";
    private const int EventReserveBytes = 256;

    private readonly BufferDiskBudget _budget;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly HashSet<ulong> _inFlight = [];
    private readonly Dictionary<string, uint> _aliasById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PointInfo> _catalogue = new(StringComparer.Ordinal);
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
        _budget = BufferDiskBudget.For(maxBytes);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _state = BufferMeta.New(gatewayId); // until the file's meta is read below
        var dataExisted = File.Exists(path) && new FileInfo(path).Length > 0;
        var logExisted = File.Exists(LogPathOf(path));
        BufferMeta? salvaged;
        try
        {
            salvaged = OpenOrRecover();
        }
        catch (Exception ex) when (IsDiskFullError(ex) && !dataExisted)
        {
            // A new buffer on a full disk: there is nothing to read, and the file is created when space returns.
            CloseStore();
            DeleteLeftover(path);
            if (!logExisted)
            {
                DeleteLeftover(LogPathOf(path));
            }

            _newFilePending = true;
            StartWithoutStore(BufferMeta.New(gatewayId) with { Epoch = 1 }, ex);
            return;
        }

        try
        {
            try
            {
                _state = StartRun(gatewayId, salvaged);
            }
            catch (Exception ex) when (IsDamage(ex))
            {
                // It opened and read, but cannot be written (a damaged free list, say): salvage it all the same.
                _state = RecoverNow(ex, knownMeta: null);
                _state = StartRun(gatewayId, _state);
            }
        }
        catch
        {
            CloseStore();
            throw;
        }
    }

    /// <summary>Raised (outside the lock) after a commit that added batches.</summary>
    public event Action? BatchesCommitted;

    public string Path { get; }

    /// <summary>Bound on the buffer's files on disk (data file plus LiteDB's log), Buffer:MaxBytes.</summary>
    public long MaxBytes { get; }

    /// <summary>What the batches' payloads may use of <see cref="MaxBytes"/> (see <see cref="BufferDiskBudget"/>).</summary>
    public long PayloadBudgetBytes => _budget.PayloadBytes;

    /// <summary>A batch grows up to this many readings while it waits unsent (see <see cref="Append"/>).</summary>
    public int MaxReadingsPerBatch { get; }

    public string GatewayId { get; }

    /// <summary>This run's epoch, bumped and persisted when the buffer was opened.</summary>
    public ulong Epoch => _state.Epoch;

    /// <summary>The buffer's identity (random, created with the file, kept for its life): seq and epoch count within it.</summary>
    public string BufferId => _state.BufferId;

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
            var written = TryWrite(() => InTransaction(() =>
            {
                // A retry after a recovery starts over from the state as it is now.
                (state, tail, stored, dropped, evicted) = (_state, _tail, 0, 0, 0);
                seqs.Clear();
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
                    var payload = BatchCodec.EncodeToBytes(Header(state, seq, created, BatchKind.Telemetry), content);
                    if (state.BytesUsed + payload.Length > _budget.PayloadBytes)
                    {
                        var (batches, readingsEvicted, newState) = Evict(state, payload.Length + EventReserveBytes);
                        state = newState;
                        evicted += batches;
                        dropped += readingsEvicted;
                    }

                    if (state.BytesUsed + payload.Length + (dropped > 0 ? EventReserveBytes : 0) > _budget.PayloadBytes)
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

                state = AddPendingEvents(state, now, seqs, droppedHere: dropped > 0);
                _meta.Upsert(state.ToDocument());
            }));

            if (!written)
            {
                // The disk is full: nothing of this append is kept, and all of it is counted.
                var lost = groups.Sum(g => (long)g.Count);
                _state = _state with { ReadingsDropped = _state.ReadingsDropped + lost };
                _droppedCounterStale = true;
                return new AppendResult([], 0, lost, 0);
            }

            _state = state;
            _tail = tail;
            PendingEventsWritten();
        }

        if (seqs.Count > 0)
        {
            BatchesCommitted?.Invoke();
        }

        return new AppendResult(seqs, stored, dropped, evicted);
    }

    public BufferStats GetStats()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var s = _state;
            long? oldest = null;
            try
            {
                var first = _db is null ? null : _batches.Query().OrderBy("_id").Select("{created}").Limit(1).FirstOrDefault();
                if (first is not null && first.TryGetValue("created", out var created))
                {
                    oldest = created.AsInt64;
                }
            }
            catch (Exception ex) when (IsDamage(ex) || IsDiskFullError(ex))
            {
                // Status must answer: the next write finds the failure again and recovers.
                LogStoreFailed(_logger, ex, Path);
            }

            return new BufferStats(s.BufferId, s.Epoch, s.NextSeq - 1, s.BatchCount, s.PendingReadings, s.BytesUsed, MaxBytes, oldest,
                s.ReadingsBuffered, s.ReadingsDropped, s.BatchesAcked, s.ReadingsAcked, s.BatchesRejected, s.ReadingsRejected, _inFlight.Count);
        }
    }

    /// <summary>Runs <paramref name="work"/> in one LiteDB transaction whose commit is on disk when this returns.</summary>
    private void InTransaction(Action work) => InTransaction(() =>
    {
        work();
        return true;
    });

    private T InTransaction<T>(Func<T> work)
    {
        var db = _db ?? throw new InvalidOperationException("the buffer's store is closed");
        db.BeginTrans();
        T result;
        try
        {
            result = work();
            db.Commit();
        }
        catch (Exception ex)
        {
            try
            {
                db.Rollback();
            }
            catch (Exception rollback) when (rollback is not OutOfMemoryException)
            {
                throw new AggregateException(ex, rollback);
            }

            throw;
        }

        // Committed: a failure from here on leaves the commit standing; the store is closed and reopened later.
        try
        {
            SyncLogToDisk();
            CheckpointIfDue();
        }
        catch (Exception ex) when (IsDamage(ex) || IsDiskFullError(ex))
        {
            CloseStore();
            if (IsDiskFullError(ex))
            {
                EnterDiskFull(ex);
            }
            else
            {
                LogStoreFailed(_logger, ex, Path);
                _checkOnReopen = true;
            }
        }

        return result;
    }

    /// <summary>
    /// LiteDB 5 writes a commit to its log file without fsync. A batch must be on disk before its seq can be
    /// published: after a power cut a seq already sent must never be handed out again (central would take the
    /// new batch for a duplicate).
    /// </summary>
    private void SyncLogToDisk()
    {
        var logFile = LogPathOf(Path);
        if (!File.Exists(logFile))
        {
            return;
        }

        using var handle = File.OpenHandle(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        RandomAccess.FlushToDisk(handle);
    }

    /// <summary>Decodes a stored batch's readings (tests and diagnostics).</summary>
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
            if (_pendingEvents.Count > 0 || _droppedCounterStale)
            {
                // Last chance to write what is only in memory (a disk that was full may have space again).
                _retryAt = DateTimeOffset.MinValue;
                var state = _state;
                if (TryWrite(() => InTransaction(() =>
                {
                    state = AddPendingEvents(_state, _time.GetUtcNow().ToUnixTimeMilliseconds(), [], droppedHere: false);
                    _meta.Upsert(state.ToDocument());
                })))
                {
                    _state = state;
                }
                else
                {
                    LogDroppedCountNotWritten(_logger, Path, _state.ReadingsDropped);
                }
            }

            if (!_epochPending && _db is not null)
            {
                TryWriteMark(_state);
            }

            if (_db is not null)
            {
                try
                {
                    _db.Checkpoint();
                }
                catch (Exception ex) when (IsDamage(ex) || IsDiskFullError(ex))
                {
                    LogCloseFailed(_logger, ex, Path);
                }
            }

            CloseStore();
        }
    }

    /// <summary>
    /// Reads the meta and the alias table, bumps the epoch and writes it. On a full disk the bumped epoch is kept in memory
    /// (<see cref="EnsureEpochPersisted"/>): the buffer runs in its disk-full state and writes it with its first write.
    /// </summary>
    private BufferMeta StartRun(string gatewayId, BufferMeta? salvaged)
    {
        var doc = _meta.FindById(MetaId);
        var state = salvaged ?? (doc is null ? BufferMeta.New(gatewayId) : BufferMeta.FromDocument(doc));
        if (!string.Equals(state.GatewayId, gatewayId, StringComparison.Ordinal))
        {
            throw new BufferOwnershipException(
                $"The buffer file '{Path}' belongs to gateway '{state.GatewayId}', not '{gatewayId}': its batches carry that id. Move the file away (or send it with the old id) before changing Edge:GatewayId.");
        }

        _aliasById.Clear();
        _catalogue.Clear();
        foreach (var stored in _aliases.FindAll())
        {
            var entry = CatalogueEntry(stored);
            _aliasById[entry.Id] = entry.Alias;
            _catalogue[entry.Id] = entry;
        }

        state = state with { Epoch = state.Epoch + 1 };
        if (state.BufferId.Length == 0)
        {
            // A file written before buffer ids existed: its batches keep no id (central's legacy stream), new ones get this.
            state = state with { BufferId = BufferIds.New() };
        }

        state = NewIdentityIfRewound(state);
        try
        {
            InTransaction(() => _meta.Upsert(state.ToDocument()));
        }
        catch (Exception ex) when (IsDiskFullError(ex))
        {
            CloseStore();
            StartWithoutStore(state, ex);
            return state;
        }

        TryWriteMark(state);
        return state;
    }

    /// <summary>
    /// A buffer file older than its mark (a restored backup, an old copy) would hand out again seqs that central already
    /// holds with other content: its new batches get a new buffer id, so central stores them as a new stream.
    /// </summary>
    private BufferMeta NewIdentityIfRewound(BufferMeta bumped)
    {
        BufferMark? mark;
        try
        {
            mark = BufferMark.TryRead(Path);
        }
        catch (IOException ex)
        {
            LogMarkFailed(_logger, ex, BufferMark.PathOf(Path));
            return bumped;
        }

        var storedEpoch = bumped.Epoch - 1;
        if (mark is null || !mark.IsAheadOf(bumped.BufferId, storedEpoch, bumped.NextSeq))
        {
            return bumped;
        }

        var rewound = bumped with { BufferId = BufferIds.New() };
        var text = $"buffer file went back in time (epoch {storedEpoch}, next seq {bumped.NextSeq}; had reached epoch {mark.Epoch}, next seq {mark.NextSeq}): restored backup or old copy; new buffer id {rewound.BufferId} (was {bumped.BufferId})";
        _pendingEvents.Add((RecoveredPointId, _time.GetUtcNow().ToUnixTimeMilliseconds(), text));
        LogRewound(_logger, Path, text);
        return rewound;
    }

    /// <summary>Records how far the buffer got (only values already on disk); a failure costs only the rewind check.</summary>
    private void TryWriteMark(BufferMeta persisted)
    {
        try
        {
            new BufferMark(persisted.BufferId, persisted.Epoch, persisted.NextSeq).Write(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogMarkFailed(_logger, ex, BufferMark.PathOf(Path));
        }
    }

    /// <summary>Runs on <paramref name="state"/> in memory, its epoch not yet written, in the disk-full state.</summary>
    private void StartWithoutStore(BufferMeta state, Exception cause)
    {
        _state = state;
        _epochPending = true;
        EnterDiskFull(cause);
    }

    private static void DeleteLeftover(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private BatchHeader Header(BufferMeta state, ulong seq, long created, BatchKind kind) =>
        new(GatewayId, state.Epoch, seq, created, kind, state.BufferId);

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
}
