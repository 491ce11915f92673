using System.Collections.Concurrent;
using System.Globalization;
using LiteDB;

namespace City.Central.Store;

/// <summary>
/// What happens when the file fails under the store. LiteDB 5 closes its engine on a damaged page (an
/// "ENSURE" failure such as <c>invalid segment position</c>) and then fails every later call with the same
/// error: one bad page used to stop every later commit. So every failed operation records the problem
/// (health turns degraded, naming the file) and reopens the database; operations that do not touch the
/// damaged page go on working.
/// </summary>
internal sealed partial class LiteDbReadingStore
{
    private static readonly IReadOnlySet<string> NoGateway = new HashSet<string>();

    private static readonly ConcurrentBag<LiteDatabase> EnginesWhoseCloseFailed = [];

    private volatile string? _problem;
    private volatile bool _reopenPending;

    /// <summary>The last store error (file, operation, time, error), kept until the process restarts: a damaged file does not heal.</summary>
    public string? Problem => _problem;

    private sealed record Handles(
        LiteDatabase Database,
        ILiteCollection<BsonDocument> Batches,
        ILiteCollection<BsonDocument> Gateways,
        ILiteCollection<BsonDocument> Catalogues,
        ILiteCollection<BsonDocument> Latest,
        ILiteCollection<BsonDocument> OutOfWindow,
        ILiteCollection<BsonDocument> Events,
        ILiteCollection<BsonDocument> Chunks,
        ILiteCollection<BsonDocument> Hourly,
        ILiteCollection<BsonDocument> Compaction);

    private Handles Open(string file)
    {
        var database = new LiteDatabase(new ConnectionString { Filename = file, Connection = ConnectionType.Direct });
        try
        {
            if (_lockTimeout is { } timeout && database.Timeout != timeout)
            {
                database.Timeout = timeout;
            }

            var batches = database.GetCollection(BatchesCollection, BsonAutoId.Int64);
            batches.EnsureIndex("k", "$.k");
            batches.EnsureIndex("ek", "$.ek");
            var outOfWindow = database.GetCollection(OutOfWindowCollection, BsonAutoId.Int64);
            outOfWindow.EnsureIndex("k", "$.k");
            var events = database.GetCollection(EventsCollection, BsonAutoId.Int64);
            events.EnsureIndex("k", "$.k");
            var chunks = database.GetCollection(ChunksCollection, BsonAutoId.Int64);
            chunks.EnsureIndex("k", "$.k");
            chunks.EnsureIndex("sk", "$.sk");
            var hourly = database.GetCollection(HourlyCollection);
            hourly.EnsureIndex("hk", "$.hk");
            return new Handles(database, batches, database.GetCollection(GatewaysCollection), database.GetCollection(CataloguesCollection), database.GetCollection(LatestCollection), outOfWindow, events,
                chunks, hourly, database.GetCollection(CompactionCollection));
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    public IEnumerable<StoredBatch> FindBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) =>
        Find("k", gatewayId, fromUnixMs, toUnixMs, maxBatchSpanMs).Select(b => b.Batch);

    public IEnumerable<StoredBatch> FindEventBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) =>
        Find("ek", gatewayId, fromUnixMs, toUnixMs, maxBatchSpanMs).Select(b => b.Batch);

    public IEnumerable<CentralEvent> FindCentralEvents(string gatewayId, long fromUnixMs, long toUnixMs) =>
        Read("reading central events of " + gatewayId, h => h.Events
            .Find(Query.Between("k", Key(gatewayId, fromUnixMs), Key(gatewayId, toUnixMs)))
            .Select(doc => new CentralEvent(doc["gw"].AsString, doc["t"].AsInt64, doc["p"].AsString, doc["text"].AsString))
            .ToList());

    private T Read<T>(string operation, Func<Handles, T> read)
    {
        Exception error;
        EnterRead();
        try
        {
            return read(_handles);
        }
        // Recorded, the store reopened, and rethrown naming the file.
        catch (Exception exception)
        {
            error = exception;
        }
        finally
        {
            ExitRead();
        }

        Fault(operation, error);
        throw new StoreFaultException(_filePath, operation, error);
    }

    /// <summary>An index scan (gateway first, then the first timestamp, in order), read lazily under the read lock.</summary>
    private IEnumerable<(long Id, StoredBatch Batch)> Find(string index, string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs)
    {
        var low = Key(gatewayId, SaturatingSubtract(fromUnixMs, Math.Max(0, maxBatchSpanMs)));
        var high = Key(gatewayId, toUnixMs);
        var cursor = new Cursor();
        EnterRead();
        try
        {
            // First the batches whose flagged readings fall on the range's days (their span does not cover those).
            var flagged = cursor.TryFindFlagged(_handles, gatewayId, fromUnixMs, toUnixMs);
            foreach (var id in flagged)
            {
                if (cursor.TryRead(_handles.Batches, id, index, out var batch))
                {
                    yield return (id, batch);
                }
            }

            while (cursor.Error is null && cursor.TryNext(_handles.Batches, Query.Between(index, low, high), fromUnixMs, toUnixMs, flagged, out var batch))
            {
                yield return (cursor.LastId, batch);
            }
        }
        finally
        {
            cursor.Dispose();
            ExitRead();
        }

        if (cursor.Error is not null)
        {
            Fault("reading batches of " + gatewayId, cursor.Error);
            throw new StoreFaultException(_filePath, "reading batches of " + gatewayId, cursor.Error);
        }
    }

    /// <summary>Moves through a query's documents and catches what the file throws, since an iterator cannot.</summary>
    private sealed class Cursor : IDisposable
    {
        private IEnumerator<BsonDocument>? _documents;

        public Exception? Error { get; private set; }

        /// <summary>The document id of the batch <see cref="TryNext"/> returned last.</summary>
        public long LastId { get; private set; }

        public SortedSet<long> TryFindFlagged(Handles h, string gatewayId, long fromUnixMs, long toUnixMs) =>
            Guarded(() => FindOutOfWindowBatchIds(h, gatewayId, fromUnixMs, toUnixMs), []);

        public bool TryRead(ILiteCollection<BsonDocument> batches, long id, string index, out StoredBatch batch)
        {
            batch = Guarded(() => batches.FindById(id) is { } doc && doc.ContainsKey(index) ? ReadBatch(doc) : null, null)!;
            return batch is not null;
        }

        public bool TryNext(ILiteCollection<BsonDocument> batches, BsonExpression query, long fromUnixMs, long toUnixMs, SortedSet<long> skip, out StoredBatch batch)
        {
            batch = Guarded(() =>
            {
                _documents ??= batches.Find(query).GetEnumerator();
                while (_documents.MoveNext())
                {
                    var doc = _documents.Current;
                    if (doc["t1"].AsInt64 >= fromUnixMs && doc["t0"].AsInt64 <= toUnixMs && (skip.Count == 0 || !skip.Contains(doc["_id"].AsInt64)))
                    {
                        LastId = doc["_id"].AsInt64;
                        return ReadBatch(doc);
                    }
                }

                return null;
            }, null)!;
            return batch is not null;
        }

        /// <summary>Runs one step of the read; what the file throws is kept in <see cref="Error"/> (an iterator cannot catch it).</summary>
        private T Guarded<T>(Func<T> step, T fallback)
        {
            try
            {
                return step();
            }
            // Handed to the store, which records it, reopens and rethrows it naming the file.
            catch (Exception exception)
            {
                Error = exception;
                return fallback;
            }
        }

        public void Dispose() => _documents?.Dispose();
    }

    private void EnterRead() => _gate.EnterReadLock();

    private void ExitRead()
    {
        _gate.ExitReadLock();
        if (_reopenPending && !_gate.IsReadLockHeld)
        {
            Reopen();
        }
    }

    /// <summary>Records the problem and reopens the database, now or once this thread's outer read finishes.</summary>
    private void Fault(string operation, Exception error)
    {
        _problem = string.Create(CultureInfo.InvariantCulture, $"{_filePath}: {operation} failed at {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}: {error.GetType().Name}: {error.Message} (check it with `central store verify`)");
        _reopenPending = true;
        if (!_gate.IsReadLockHeld)
        {
            Reopen();
        }
    }

    private void Reopen()
    {
        _gate.EnterWriteLock();
        try
        {
            if (!_reopenPending)
            {
                return;
            }

            _reopenPending = false;
            try
            {
                // Its failed transactions are not left to the GC's finalizer thread (see LiteDbAbandonedTransactions).
                LiteDbAbandonedTransactions.DisposeDiscarded(_handles.Database);
            }
            // A closed engine may fail to close again; the new instance is what matters.
            catch (Exception exception)
            {
                // Kept reachable as well: whatever else of it has a finalizer never runs it.
                EnginesWhoseCloseFailed.Add(_handles.Database);
                _problem += $"; closing it failed too: {exception.Message}";
            }

            try
            {
                _handles = Open(_filePath);
            }
            // Kept as the problem; the next operation fails and tries again.
            catch (Exception exception)
            {
                _problem += $"; reopening it failed: {exception.GetType().Name}: {exception.Message}";
                _reopenPending = true;
            }
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    private void RollbackAfter(LiteDatabase database, Exception cause)
    {
        try
        {
            database.Rollback();
        }
        // The engine may already be closed by the cause; the reopen discards the transaction anyway.
        catch (Exception exception)
        {
            _problem = $"{_filePath}: rollback after '{cause.Message}' failed: {exception.Message}";
        }
    }
}

/// <summary>A store operation failed on the file; the message names the file and the operation.</summary>
internal sealed class StoreFaultException(string file, string operation, Exception inner)
    : Exception($"{file}: {operation} failed: {inner.GetType().Name}: {inner.Message}", inner)
{
    public string File { get; } = file;
}
