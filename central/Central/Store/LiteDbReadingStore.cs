using System.Globalization;
using City.Central.Model;
using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.Central.Store;

/// <summary>
/// LiteDB (direct connection) store: one document per accepted batch with its body as received,
/// indexed by gateway + first timestamp; one small document per gateway (counters, epoch, seq ranges),
/// its catalogue and its latest values in two more collections; central's own events (a new buffer) in one more.
/// </summary>
internal sealed partial class LiteDbReadingStore : IReadingStore
{
    public const string FileName = "central.db";

    internal const string BatchesCollection = "batches";
    internal const string GatewaysCollection = "gateways";
    internal const string CataloguesCollection = "catalogues";
    internal const string LatestCollection = "latest";
    internal const string OutOfWindowCollection = "outofwindow";
    internal const string EventsCollection = "events";

    /// <summary>The key suffix of a batch whose flagged readings fall on too many days to list: read for every range.</summary>
    private const string AnyDaySuffix = "|*";

    private readonly string _filePath;
    private readonly string _logFilePath;
    private readonly bool _syncCommits;
    private readonly TimeSpan? _lockTimeout;

    // Operations hold the read side; reopening after a fault takes the write side (see the Faults part).
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.SupportsRecursion);
    private Handles _handles;
    private volatile bool _healthy = true;

    public LiteDbReadingStore(string dataPath, bool syncCommits)
        : this(dataPath, syncCommits, lockTimeout: null)
    {
    }

    /// <summary>With LiteDB's lock timeout (a minute unless given): tests shorten the wait a faulted transaction causes.</summary>
    internal LiteDbReadingStore(string dataPath, bool syncCommits, TimeSpan? lockTimeout)
    {
        _lockTimeout = lockTimeout;
        ArgumentException.ThrowIfNullOrEmpty(dataPath);
        Directory.CreateDirectory(dataPath);
        _filePath = Path.Combine(dataPath, FileName);
        _logFilePath = Path.Combine(dataPath, Path.GetFileNameWithoutExtension(FileName) + "-log" + Path.GetExtension(FileName));
        _syncCommits = syncCommits;
        try
        {
            _handles = Open(_filePath);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new StoreFaultException(_filePath, "opening", exception);
        }
    }

    public string FilePath => _filePath;

    public bool IsHealthy => _healthy;


    public IReadOnlyList<GatewayState> LoadGateways() => Read("loading the gateways", h => ReadGateways(h.Gateways, h.Catalogues, h.Latest));

    /// <summary>Every gateway document with its catalogue and latest values (also used by the verifier).</summary>
    internal static List<GatewayState> ReadGateways(ILiteCollection<BsonDocument> gateways, ILiteCollection<BsonDocument> catalogues, ILiteCollection<BsonDocument> latest)
    {
        var result = new List<GatewayState>();
        foreach (var doc in gateways.FindAll())
        {
            var state = new GatewayState(doc["_id"].AsString)
            {
                Online = doc["on"].AsBoolean,
                HasBirth = doc["birth"].AsBoolean,
                LastSeenUnixMs = doc["seen"].AsInt64,
                ReadingsReceived = doc["rr"].AsInt64,
                BatchesReceived = doc["br"].AsInt64,
                MaxBatchSpanMs = doc["span"].AsInt64,
                SoftwareVersion = doc["sw"].AsString ?? string.Empty,
            };
            ReadStreams(doc, state);
            var catalogue = catalogues.FindById(state.Id);
            if (catalogue is not null)
            {
                state.Catalogue = [.. catalogue["p"].AsArray.Select(p => ReadPoint(p.AsDocument))];
            }

            var values = latest.FindById(state.Id);
            if (values is not null)
            {
                var map = new Dictionary<uint, LatestValue>();
                foreach (var v in values["v"].AsArray)
                {
                    var value = ReadLatest(v.AsDocument);
                    map[value.Alias] = value;
                }

                state.Latest = map;
            }

            result.Add(state);
        }

        return result;
    }

    public CommitResult Commit(CommitSet commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.IsEmpty)
        {
            return CommitResult.Empty;
        }

        var alreadyStored = new HashSet<BatchKey>();
        if (TryCommit(commit, alreadyStored, out var error))
        {
            _healthy = true;
            return new CommitResult(NoGateway, alreadyStored);
        }

        // The store has been reopened. Each gateway's part on its own: a damaged page costs only the
        // gateways whose data touches it.
        var parts = commit.SplitByGateway();
        if (parts.Count < 2)
        {
            _healthy = false;
            throw new StoreFaultException(_filePath, "commit", error);
        }

        var failed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (gatewayId, part) in parts)
        {
            if (!TryCommit(part, alreadyStored, out var partError))
            {
                failed.Add(gatewayId);
                error = partError;
            }
        }

        _healthy = failed.Count < parts.Count;
        return _healthy ? new CommitResult(failed, alreadyStored) : throw new StoreFaultException(_filePath, "commit", error);
    }

    /// <summary>One transaction; the batches it skipped as already stored are added to <paramref name="alreadyStored"/> once it committed.</summary>
    private bool TryCommit(CommitSet commit, HashSet<BatchKey> alreadyStored, out Exception error)
    {
        EnterRead();
        try
        {
            var h = _handles;

            // LiteDB transactions belong to the calling thread: everything below runs synchronously.
            h.Database.BeginTrans();
            HashSet<BatchKey> skipped;
            try
            {
                skipped = Write(h, commit);
                h.Database.Commit();
            }
            catch (Exception exception)
            {
                RollbackAfter(h.Database, exception);
                throw;
            }

            if (_syncCommits)
            {
                SyncLog();
            }

            alreadyStored.UnionWith(skipped);
            error = null!;
            return true;
        }
        // Recorded as the store's problem (health), the store reopened; the caller reports the failure.
        catch (Exception exception)
        {
            error = exception;
        }
        finally
        {
            ExitRead();
        }

        Fault("commit", error);
        return false;
    }

    /// <summary>Writes the set inside the open transaction; returns the batches skipped as already stored.</summary>
    private static HashSet<BatchKey> Write(Handles h, CommitSet commit)
    {
        var dedupe = new StoredDedupe(h.Gateways, commit.Gateways.Where(g => g.SeqsCleared).Select(g => g.State.Id));
        var fresh = dedupe.SkipStored(commit.Batches);
        if (fresh.Count > 0)
        {
            var documents = fresh.Select(ToDocument).ToList();
            h.Batches.Insert(documents);
            IndexOutOfWindow(h, fresh, documents);
        }

        if (commit.Events.Count > 0)
        {
            h.Events.Insert(commit.Events.Select(ToDocument));
        }

        foreach (var change in commit.Gateways)
        {
            h.Gateways.Upsert(dedupe.Merge(ToDocument(change.State), change));
            if (change.CatalogueChanged)
            {
                h.Catalogues.Upsert(new BsonDocument
                {
                    ["_id"] = change.State.Id,
                    ["p"] = new BsonArray(change.State.Catalogue.Select(ToDocument)),
                });
            }

            if (change.LatestChanged)
            {
                h.Latest.Upsert(new BsonDocument
                {
                    ["_id"] = change.State.Id,
                    ["v"] = new BsonArray(change.State.Latest.Values.Select(ToDocument)),
                });
            }
        }

        return dedupe.Skipped;
    }

    public void Dispose()
    {
        LiteDbAbandonedTransactions.DisposeDiscarded(_handles.Database);
        _gate.Dispose();
        _layout.Dispose();
    }

    /// <summary>
    /// LiteDB 5 writes a commit's pages to its log file without fsync; an ack promises more than the
    /// page cache, so the log file is flushed to disk before the acks go out.
    /// </summary>
    private void SyncLog()
    {
        if (!File.Exists(_logFilePath))
        {
            return;
        }

        using var handle = File.OpenHandle(_logFilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        RandomAccess.FlushToDisk(handle);
    }

    /// <summary>Ids of the gateway's batches holding flagged readings on a day of [from, to], or on any day.</summary>
    private static SortedSet<long> FindOutOfWindowBatchIds(Handles h, string gatewayId, long fromUnixMs, long toUnixMs)
    {
        var ids = new SortedSet<long>();
        var low = Key(gatewayId, StoredBatch.DayOf(fromUnixMs));
        var high = Key(gatewayId, StoredBatch.DayOf(toUnixMs));
        foreach (var doc in h.OutOfWindow.Find(Query.Or(Query.Between("k", low, high), Query.EQ("k", gatewayId + AnyDaySuffix))))
        {
            ids.Add(doc["b"].AsInt64);
        }

        return ids;
    }

    /// <summary>One small document per day of a batch's flagged readings (or one "any day"), pointing at the batch.</summary>
    private static void IndexOutOfWindow(Handles h, List<StoredBatch> stored, List<BsonDocument> documents)
    {
        for (var i = 0; i < stored.Count; i++)
        {
            var batch = stored[i];
            if (batch.OutOfWindowDays.Count == 0 && !batch.OutOfWindowAnyDay)
            {
                continue;
            }

            var id = documents[i]["_id"].AsInt64;
            var keys = batch.OutOfWindowAnyDay
                ? [batch.GatewayId + AnyDaySuffix]
                : batch.OutOfWindowDays.Select(day => Key(batch.GatewayId, day));
            h.OutOfWindow.Insert(keys.Select(k => new BsonDocument { ["k"] = k, ["b"] = id }));
        }
    }

    /// <summary>gateway|first timestamp (or day), as 16 hex digits whose order is the numbers' order.</summary>
    private static string Key(string gatewayId, long unixMs) =>
        gatewayId + "|" + (unchecked((ulong)unixMs) ^ 0x8000_0000_0000_0000UL).ToString("X16", CultureInfo.InvariantCulture);

    private static long SaturatingSubtract(long value, long amount) => value < long.MinValue + amount ? long.MinValue : value - amount;

    private static BsonDocument ToDocument(StoredBatch batch)
    {
        var doc = new BsonDocument
        {
            ["k"] = Key(batch.GatewayId, batch.TMinUnixMs),
            ["gw"] = batch.GatewayId,
            ["seq"] = unchecked((long)batch.Seq),
            ["ep"] = unchecked((long)batch.Epoch),
            ["kind"] = (int)batch.Kind,
            ["t0"] = batch.TMinUnixMs,
            ["t1"] = batch.TMaxUnixMs,
            ["n"] = batch.ReadingCount,
            ["c"] = (int)batch.Compression,
            ["rx"] = batch.ReceivedUnixMs,
            ["body"] = batch.Body,
        };

        // Only EVENTS batches carry this key, so its index lists them without touching the telemetry.
        if (batch.Kind == BatchKind.Events)
        {
            doc["ek"] = doc["k"];
        }

        if (batch.BufferId.Length > 0)
        {
            doc["buf"] = batch.BufferId;
        }

        if (batch.BodyCrc32C is { } crc)
        {
            doc["crc"] = (long)crc;
        }

        if (batch.HasOutOfWindowReadings)
        {
            doc["ow"] = batch.OutOfWindowAnyDay ? new BsonArray() : new BsonArray(batch.OutOfWindowDays.Select(d => new BsonValue(d)));
        }

        return doc;
    }

    internal static StoredBatch ReadBatch(BsonDocument doc)
    {
        var batch = new StoredBatch(
            doc["gw"].AsString,
            unchecked((ulong)doc["seq"].AsInt64),
            unchecked((ulong)doc["ep"].AsInt64),
            (BatchKind)doc["kind"].AsInt32,
            doc["t0"].AsInt64,
            doc["t1"].AsInt64,
            doc["n"].AsInt32,
            (Compression)doc["c"].AsInt32,
            doc["body"].AsBinary,
            doc["rx"].AsInt64,
            doc["buf"].IsString ? doc["buf"].AsString : string.Empty);

        if (doc["crc"].IsInt64)
        {
            batch = batch with { BodyCrc32C = unchecked((uint)doc["crc"].AsInt64) };
        }

        // "ow": the days of the flagged readings, an empty array for "any day".
        var days = doc["ow"];
        return days.IsArray
            ? batch with { OutOfWindowDays = [.. days.AsArray.Select(d => d.AsInt64)], OutOfWindowAnyDay = days.AsArray.Count == 0 }
            : batch;
    }

    private static BsonDocument ToDocument(CentralEvent centralEvent) => new()
    {
        ["k"] = Key(centralEvent.GatewayId, centralEvent.TimestampUnixMs),
        ["gw"] = centralEvent.GatewayId,
        ["t"] = centralEvent.TimestampUnixMs,
        ["p"] = centralEvent.Point,
        ["text"] = centralEvent.Text,
    };

    private static BsonArray ToDocument(SeqRanges seqs) => new(seqs.Ranges.Select(r =>
        (BsonValue)new BsonArray(new BsonValue(unchecked((long)r.From)), new BsonValue(unchecked((long)r.To)))));

    private static SeqRanges ReadSeqRanges(BsonValue ranges) =>
        SeqRanges.From(ranges.AsArray.Select(r => (unchecked((ulong)r.AsArray[0].AsInt64), unchecked((ulong)r.AsArray[1].AsInt64))));

    /// <summary>
    /// The dedupe state: "buf" (current buffer id) and "streams" (per buffer id: epoch and seq ranges). A document
    /// written before buffer ids has only "ep" and "seqs": the legacy stream. "seqs" keeps the legacy stream's ranges.
    /// </summary>
    private static void ReadStreams(BsonDocument doc, GatewayState state)
    {
        var streams = new Dictionary<string, BufferStream>(StringComparer.Ordinal);
        if (doc["streams"].IsArray)
        {
            foreach (var stream in doc["streams"].AsArray)
            {
                streams[stream["id"].AsString] = new BufferStream { Epoch = unchecked((ulong)stream["ep"].AsInt64), Seqs = ReadSeqRanges(stream["seqs"]) };
            }

            state.Restore(doc["buf"].AsString, streams);
            return;
        }

        streams[string.Empty] = new BufferStream { Epoch = unchecked((ulong)doc["ep"].AsInt64), Seqs = ReadSeqRanges(doc["seqs"]) };
        state.Restore(string.Empty, streams);
    }

    private static BsonDocument ToDocument(GatewayState state) => new()
    {
        ["_id"] = state.Id,
        ["ep"] = unchecked((long)state.Epoch),
        ["on"] = state.Online,
        ["birth"] = state.HasBirth,
        ["seen"] = state.LastSeenUnixMs,
        ["rr"] = state.ReadingsReceived,
        ["br"] = state.BatchesReceived,
        ["span"] = state.MaxBatchSpanMs,
        ["sw"] = state.SoftwareVersion,
        ["seqs"] = ToDocument(state.Streams.TryGetValue(string.Empty, out var legacy) ? legacy.Seqs : new SeqRanges()),
        ["buf"] = state.BufferId,
        ["streams"] = new BsonArray(state.Streams.Select(s => (BsonValue)new BsonDocument
        {
            ["id"] = s.Key,
            ["ep"] = unchecked((long)s.Value.Epoch),
            ["seqs"] = ToDocument(s.Value.Seqs),
        })),
    };

    private static BsonDocument ToDocument(CataloguePoint point) => new()
    {
        ["a"] = unchecked((long)point.Alias),
        ["id"] = point.Id,
        ["u"] = point.Unit,
        ["ty"] = (int)point.Type,
        ["d"] = point.Device,
        ["desc"] = point.Description,
    };

    private static CataloguePoint ReadPoint(BsonDocument doc) => new(
        (uint)doc["a"].AsInt64,
        doc["id"].AsString,
        doc["u"].AsString,
        (PointType)doc["ty"].AsInt32,
        doc["d"].AsString,
        doc["desc"].AsString);

    private static BsonDocument ToDocument(LatestValue value)
    {
        var doc = new BsonDocument
        {
            ["a"] = unchecked((long)value.Alias),
            ["t"] = value.TimestampUnixMs,
            ["ty"] = (int)value.Value.Type,
            ["q"] = (int)value.Quality,
        };
        if (value.Value.Type == PointType.Text)
        {
            doc["s"] = value.Value.Text ?? string.Empty;
        }
        else
        {
            doc["n"] = value.Value.Number;
        }

        return doc;
    }

    private static LatestValue ReadLatest(BsonDocument doc)
    {
        var type = (PointType)doc["ty"].AsInt32;
        var value = type switch
        {
            PointType.Text => PointValue.FromText(doc["s"].AsString),
            PointType.Boolean => PointValue.FromBoolean(doc["n"].AsDouble != 0),
            _ => PointValue.FromNumber(doc["n"].AsDouble),
        };
        return new LatestValue((uint)doc["a"].AsInt64, doc["t"].AsInt64, value, (Quality)doc["q"].AsInt32);
    }
}
