using System.Runtime.ExceptionServices;
using City.Contract;
using City.Contract.Wire;
using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace City.Edge.Buffer;

/// <summary>
/// The LiteDB store under the buffer, and what happens when it fails. A full disk (ENOSPC) closes the store: readings
/// that arrive meanwhile are counted as dropped, and the store is reopened with a growing delay until a write succeeds.
/// Any other failure is taken for damage: the file is checked, and when the check or the retried write fails again it is
/// moved aside and salvaged (<see cref="BufferRecovery"/>). Both are reported as $edge events, kept in memory until
/// they can be written.
/// </summary>
internal sealed partial class BatchBuffer
{
    /// <summary>Smallest Buffer:MaxBytes: the fixed LiteDB pages, the log and room for a few full batches.</summary>
    public const long MinimumMaxBytes = 1L << 20;

    /// <summary>Reserved text point: the disk under the buffer was full, and when space came back.</summary>
    public const string DiskFullPointId = "$edge/buffer/disk-full";

    /// <summary>Reserved text point: a damaged buffer file was moved aside and salvaged.</summary>
    public const string RecoveredPointId = "$edge/buffer/recovered";

    internal const string BatchesCollection = "batches";
    internal const string MetaCollection = "meta";
    internal const string AliasesCollection = "aliases";

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private readonly List<(string PointId, long At, string Text)> _pendingEvents = [];
    private LiteDatabase? _db;
    private ILiteCollection<BsonDocument> _batches = null!;
    private ILiteCollection<BsonDocument> _meta = null!;
    private ILiteCollection<BsonDocument> _aliases = null!;
    private ILogger _logger = NullLogger.Instance;
    private Exception? _diskFull;
    private DateTimeOffset _diskFullSince;
    private long _droppedWhenDiskFilled;
    private DateTimeOffset _retryAt;
    private TimeSpan _retryDelay = FirstRetryDelay;
    private bool _checkOnReopen;
    private bool _droppedCounterStale;

    // Opened on a full disk: the bumped epoch (and aliases given meanwhile) are only in memory until a write succeeds.
    private bool _epochPending;
    private List<PointInfo>? _unsavedCatalogue;
    private bool _newFilePending;

    /// <summary>True while the disk under the buffer is full: readings are counted as dropped until a retry succeeds.</summary>
    public bool IsDiskFull
    {
        get
        {
            lock (_gate)
            {
                return _diskFull is not null;
            }
        }
    }

    /// <summary>
    /// True once this run's epoch is on disk. Opening writes it, except on a full disk: then it is written with the first
    /// write that succeeds, and this tries one (when the retry delay allows) with the events kept in memory. Nothing may be
    /// published before (central tells sessions apart by epoch: a late will of an older session must never match this one).
    /// </summary>
    public bool EnsureEpochPersisted()
    {
        var seqs = new List<ulong>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_epochPending)
            {
                return true;
            }

            var state = _state;
            if (TryWrite(() => InTransaction(() =>
            {
                seqs.Clear();
                state = AddPendingEvents(_state, _time.GetUtcNow().ToUnixTimeMilliseconds(), seqs, droppedHere: false);
                _meta.Upsert(state.ToDocument());
            })))
            {
                _state = state;
                PendingEventsWritten();
            }
            else
            {
                seqs.Clear();
            }
        }

        if (seqs.Count > 0)
        {
            BatchesCommitted?.Invoke();
        }

        return !_epochPending;
    }

    /// <summary>The last recovery of a damaged file (at open or while running); null when there was none.</summary>
    public BufferRecoveryReport? Recovery { get; private set; }

    /// <summary>LiteDB's log file next to <paramref name="path"/> (buffer.db -> buffer-log.db).</summary>
    public static string LogPathOf(string path) => System.IO.Path.ChangeExtension(path, null) + "-log" + System.IO.Path.GetExtension(path);

    /// <summary>Store failures and recoveries are logged here (the daemon attaches its logger once the host is built).</summary>
    public void UseLogger(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
    }

    internal static ConnectionString ConnectionFor(string path) => new() { Filename = path, Connection = ConnectionType.Direct };

    /// <summary>Opens the file, or salvages it when it cannot be opened or read. Returns the meta to start from when it salvaged.</summary>
    private BufferMeta? OpenOrRecover()
    {
        try
        {
            AttachStore(OpenChecked(Path, fullCheck: true));
            return null;
        }
        catch (Exception ex) when (IsDamage(ex))
        {
            return RecoverNow(ex, knownMeta: null);
        }
    }

    private BufferMeta RecoverNow(Exception cause, BufferMeta? knownMeta)
    {
        CloseStore();
        var (report, meta) = BufferRecovery.Salvage(Path, GatewayId, knownMeta, $"{cause.GetType().Name}: {cause.Message}", _time.GetUtcNow());
        Recovery = report;
        AttachStore(OpenChecked(Path, fullCheck: false));
        _pendingEvents.Add((RecoveredPointId, _time.GetUtcNow().ToUnixTimeMilliseconds(), report.Describe()));
        _tail = null;
        LogRecovered(_logger, cause, Path, report.MovedTo, report.BatchesSalvaged, report.ReadingsSalvaged, report.UnreadableDocuments);
        return meta;
    }

    /// <summary>Opens and reads every structure the buffer relies on; throws when something cannot be read.</summary>
    private static LiteDatabase OpenChecked(string path, bool fullCheck)
    {
        var fileBytes = File.Exists(path) ? new FileInfo(path).Length : 0;
        var expectMeta = fileBytes > 0;
        var open = Task.Run(() =>
        {
            var db = new LiteDatabase(ConnectionFor(path));
            try
            {
                Check(db, fullCheck, expectMeta);
                return db;
            }
            catch
            {
                db.Dispose();
                throw;
            }
        });
        try
        {
            return OpenHangGuard.Wait(open, fileBytes);
        }
        catch (AggregateException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    private static void Check(LiteDatabase db, bool fullCheck, bool expectMeta)
    {
        if (db.CheckpointSize != 0)
        {
            db.CheckpointSize = 0; // checkpoints are the buffer's own (see CheckpointIfDue)
        }

        var meta = db.GetCollection(MetaCollection).FindById("state");
        if (meta is not null)
        {
            _ = BufferMeta.FromDocument(meta);
        }
        else if (expectMeta)
        {
            // Every buffer gets its meta at its first open: LiteDB took a short or foreign file for a new database.
            throw new InvalidDataException("the file holds no buffer meta");
        }

        foreach (var alias in db.GetCollection(AliasesCollection).FindAll())
        {
            _ = alias["_id"].AsString ?? throw new InvalidDataException("alias without a point id");
            _ = alias["alias"].AsInt64;
        }

        var batches = db.GetCollection(BatchesCollection);
        batches.EnsureIndex("kind");
        if (!fullCheck)
        {
            return;
        }

        var events = 0;
        foreach (var doc in batches.FindAll())
        {
            var payload = doc["payload"].AsBinary;
            if (payload?.Length != doc["size"].AsInt32 || !doc["created"].IsNumber || !BatchCodec.TryParseEnvelope(payload, out var envelope, out _)
                || !BatchCodec.TryDecodeBody(envelope, out var readings, out _) || BatchCodec.Flatten(readings).Count != doc["count"].AsInt32)
            {
                throw new InvalidDataException($"batch {doc["_id"]} is inconsistent");
            }

            events += doc["kind"].AsInt32 == (int)BatchKind.Events ? 1 : 0;
        }

        if (batches.Count(Query.EQ("kind", (int)BatchKind.Events)) != events)
        {
            throw new InvalidDataException("the kind index does not match the batches");
        }
    }

    private void AttachStore(LiteDatabase db)
    {
        _db = db;
        _batches = db.GetCollection(BatchesCollection);
        _meta = db.GetCollection(MetaCollection);
        _aliases = db.GetCollection(AliasesCollection);
        CheckpointIfDue();
    }

    private void CloseStore()
    {
        var db = _db;
        _db = null;
        _batches = _meta = _aliases = null!;
        if (db is null)
        {
            return;
        }

        try
        {
            // Its failed transactions are not left to the GC's finalizer thread (see LiteDbAbandonedTransactions).
            LiteDbAbandonedTransactions.DisposeDiscarded(db);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCloseFailed(_logger, ex, Path);
        }
    }

    /// <summary>
    /// Runs one write against the store (the operation assigns the in-memory state only after its commit). False when it
    /// could not be kept because the disk is full. A failure that is not a full disk reopens the store with a full check
    /// (salvaging it when the check fails); a second failure salvages it whatever the check said.
    /// </summary>
    private bool TryWrite(Action operation)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (!EnsureStore())
            {
                return false;
            }

            var wasFull = _diskFull is not null;
            try
            {
                WriteDeferredStart();
                operation();
            }
            catch (Exception ex) when (IsDamage(ex) || IsDiskFullError(ex))
            {
                CloseStore();
                if (IsDiskFullError(ex) || _diskFull is not null)
                {
                    EnterDiskFull(ex);
                    return false;
                }

                LogStoreFailed(_logger, ex, Path);
                if (attempt >= 2)
                {
                    throw;
                }

                if (attempt == 1)
                {
                    _state = RecoverNow(ex, _state);
                }
                else
                {
                    _checkOnReopen = true;
                }

                continue;
            }

            // Space is back only if the store is still open: a commit whose sync or checkpoint then hit a full disk has
            // closed it and (re)entered the disk-full state.
            if (wasFull && _diskFull is not null && _db is not null)
            {
                var now = _time.GetUtcNow();
                LogDiskSpaceBack(_logger, Path, (now - _diskFullSince).TotalSeconds, _state.ReadingsDropped - _droppedWhenDiskFilled);
                _diskFull = null;
                _retryDelay = FirstRetryDelay;
            }

            return true;
        }
    }

    /// <summary>What a start on a full disk kept in memory (the bumped epoch, aliases given meanwhile) goes first, in its own transaction.</summary>
    private void WriteDeferredStart()
    {
        if (!_epochPending && _unsavedCatalogue is null)
        {
            return;
        }

        var catalogue = _unsavedCatalogue;
        InTransaction(() =>
        {
            if (catalogue is not null)
            {
                UpsertCatalogue(catalogue);
            }

            _meta.Upsert(_state.ToDocument());
        });
        _epochPending = false;
        TryWriteMark(_state);
        _newFilePending = false;
        _unsavedCatalogue = null;
    }

    /// <summary>Reopens a closed store when it is time to; false while the disk is (still) full.</summary>
    private bool EnsureStore()
    {
        if (_db is not null)
        {
            return true;
        }

        var now = _time.GetUtcNow();
        if (_diskFull is not null && now < _retryAt)
        {
            return false;
        }

        try
        {
            // After a failed write LiteDB closes without closing its log stream, whose lock then refuses the reopen:
            // that engine is unreachable now, and collecting it closes the file.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            ReplaceIfLocked(LogPathOf(Path));
            ReplaceIfLocked(Path);
            AttachStore(OpenChecked(Path, fullCheck: _checkOnReopen));
            _checkOnReopen = false;
            if (_diskFull is not null)
            {
                _pendingEvents.Add((DiskFullPointId, now.ToUnixTimeMilliseconds(),
                    $"disk space back after {(now - _diskFullSince).TotalSeconds:F0} s; {_state.ReadingsDropped - _droppedWhenDiskFilled} readings dropped while full"));
            }

            return true;
        }
        catch (Exception ex) when (IsDiskFullError(ex) || (_diskFull is not null && ex is IOException))
        {
            CloseStore();
            if (_newFilePending)
            {
                // A new file cut short by the full disk holds nothing yet, and would look damaged at the next try.
                DeleteLeftover(Path);
            }

            EnterDiskFull(ex);
            return false;
        }
        catch (Exception ex) when (IsDamage(ex))
        {
            _state = RecoverNow(ex, _state);
            _checkOnReopen = false;
            return true;
        }
    }

    /// <summary>
    /// A stream LiteDB left open after a failed write still holds its lock on the file: the file is replaced by a copy
    /// of itself (a new inode, unlocked), and the stale handle keeps only the old one.
    /// </summary>
    private static void ReplaceIfLocked(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return;
        }
        catch (IOException ex) when (!IsDiskFullError(ex))
        {
            // Locked: replaced below.
        }

        var copy = path + ".reopen";
        File.Copy(path, copy, overwrite: true);
        File.Move(copy, path, overwrite: true);
    }

    private void EnterDiskFull(Exception cause)
    {
        var now = _time.GetUtcNow();
        if (_diskFull is null)
        {
            _diskFull = cause;
            _diskFullSince = now;
            _droppedWhenDiskFilled = _state.ReadingsDropped;
            _retryDelay = FirstRetryDelay;
            _pendingEvents.Add((DiskFullPointId, now.ToUnixTimeMilliseconds(), $"disk full under {Path}: readings are dropped (and counted) until space returns ({cause.Message})"));
            LogDiskFull(_logger, cause, Path);
        }
        else
        {
            _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
            LogStillFull(_logger, Path, cause.Message, _retryDelay.TotalMilliseconds);
        }

        _retryAt = now + _retryDelay;
    }

    /// <summary>Readings the buffer could not keep (full disk, or a failure at shutdown): counted, and reported at the next commit.</summary>
    public void CountDropped(long readings)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(readings);
        lock (_gate)
        {
            _state = _state with { ReadingsDropped = _state.ReadingsDropped + readings };
            _droppedCounterStale = true;
        }
    }

    /// <summary>Writes the events kept in memory and, when readings were dropped outside a transaction, the dropped total.</summary>
    private BufferMeta AddPendingEvents(BufferMeta state, long now, List<ulong> seqs, bool droppedHere)
    {
        foreach (var (pointId, at, text) in _pendingEvents)
        {
            if (_aliasById.TryGetValue(pointId, out var alias))
            {
                state = AddEventReading(state, pointId, new Reading(alias, at, PointValue.FromText(text)), now, seqs, supersede: false);
            }
        }

        if ((droppedHere || _droppedCounterStale) && _aliasById.ContainsKey(DroppedReadingsPointId))
        {
            state = AddCounterEvent(state, DroppedReadingsPointId, state.ReadingsDropped, now, seqs);
        }

        return state;
    }

    /// <summary>After a commit of <see cref="AddPendingEvents"/>: what was written leaves memory.</summary>
    private void PendingEventsWritten()
    {
        _pendingEvents.RemoveAll(e => _aliasById.ContainsKey(e.PointId));
        _droppedCounterStale &= !_aliasById.ContainsKey(DroppedReadingsPointId);
    }

    /// <summary>Folds the log into the data file once it passes the budget's threshold (LiteDB's own checkpoint is off).</summary>
    private void CheckpointIfDue()
    {
        var log = new FileInfo(LogPathOf(Path));
        if (log.Exists && log.Length > _budget.CheckpointLogBytes)
        {
            _db!.Checkpoint();
        }
    }

    private static bool IsDiskFullError(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            // ENOSPC on Linux; ERROR_HANDLE_DISK_FULL / ERROR_DISK_FULL on Windows.
            if (e is IOException io && (io.HResult == 28 || (io.HResult & 0xFFFF) is 0x27 or 0x70))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Anything LiteDB throws on a broken file (its own exceptions, or .NET ones from reading garbage).</summary>
    private static bool IsDamage(Exception ex) =>
        ex is not (OutOfMemoryException or BufferOwnershipException or ObjectDisposedException or UnauthorizedAccessException) && !IsDiskFullError(ex)
        && (ex is not IOException || ex is EndOfStreamException || ex is InvalidDataException);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The buffer {Path} went back in time: {Detail}")]
    private static partial void LogRewound(ILogger logger, string path, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The buffer mark {Path} could not be read or written")]
    private static partial void LogMarkFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Disk full under the buffer {Path}: readings are dropped and counted until space returns")]
    private static partial void LogDiskFull(ILogger logger, Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The buffer {Path} still cannot write ({Reason}); next try in {DelayMs} ms")]
    private static partial void LogStillFull(ILogger logger, string path, string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disk space back under the buffer {Path} after {Seconds:F0} s; {Dropped} readings were dropped while it was full")]
    private static partial void LogDiskSpaceBack(ILogger logger, string path, double seconds, long dropped);

    [LoggerMessage(Level = LogLevel.Error, Message = "The buffer {Path} failed; reopening it with a full check")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Damaged buffer {Path} moved to {MovedTo}: salvaged {Batches} batches ({Readings} readings), {Unreadable} records unreadable")]
    private static partial void LogRecovered(ILogger logger, Exception exception, string path, string movedTo, int batches, long readings, int unreadable);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Closing the buffer {Path} with a dropped-readings total of {Dropped} that could not be written to it")]
    private static partial void LogDroppedCountNotWritten(ILogger logger, string path, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing the failed buffer {Path} failed too")]
    private static partial void LogCloseFailed(ILogger logger, Exception exception, string path);
}
