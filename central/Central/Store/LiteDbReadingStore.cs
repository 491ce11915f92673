using System.Globalization;
using City.Central.State;
using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.Central.Store;

/// <summary>
/// LiteDB (direct connection) store: one document per accepted batch with its body as received,
/// indexed by gateway + first timestamp; one small document per gateway (counters, epoch, seq ranges),
/// its catalogue and its latest values in two more collections; central's own events (a new buffer) in one more.
/// </summary>
internal sealed class LiteDbReadingStore : IReadingStore
{
    public const string FileName = "central.db";

    private const string BatchesCollection = "batches";
    private const string GatewaysCollection = "gateways";
    private const string CataloguesCollection = "catalogues";
    private const string LatestCollection = "latest";
    private const string EventsCollection = "events";

    private readonly LiteDatabase database;
    private readonly ILiteCollection<BsonDocument> batches;
    private readonly ILiteCollection<BsonDocument> gateways;
    private readonly ILiteCollection<BsonDocument> catalogues;
    private readonly ILiteCollection<BsonDocument> latest;
    private readonly ILiteCollection<BsonDocument> events;
    private readonly string logFilePath;
    private readonly bool syncCommits;
    private volatile bool healthy = true;

    public LiteDbReadingStore(string dataPath, bool syncCommits)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataPath);
        Directory.CreateDirectory(dataPath);
        var path = Path.Combine(dataPath, FileName);
        logFilePath = Path.Combine(dataPath, Path.GetFileNameWithoutExtension(FileName) + "-log" + Path.GetExtension(FileName));
        this.syncCommits = syncCommits;
        database = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        batches = database.GetCollection(BatchesCollection, BsonAutoId.Int64);
        gateways = database.GetCollection(GatewaysCollection);
        catalogues = database.GetCollection(CataloguesCollection);
        latest = database.GetCollection(LatestCollection);
        events = database.GetCollection(EventsCollection, BsonAutoId.Int64);
        batches.EnsureIndex("k", "$.k");
        events.EnsureIndex("k", "$.k");
        batches.EnsureIndex("ek", "$.ek");
    }

    public bool IsHealthy => healthy;

    public IReadOnlyList<GatewayState> LoadGateways()
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

    public void Commit(CommitSet commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.IsEmpty)
        {
            return;
        }

        try
        {
            // LiteDB transactions belong to the calling thread: everything below runs synchronously.
            database.BeginTrans();
            try
            {
                if (commit.Batches.Count > 0)
                {
                    batches.Insert(commit.Batches.Select(ToDocument));
                }

                if (commit.Events.Count > 0)
                {
                    events.Insert(commit.Events.Select(ToDocument));
                }

                foreach (var change in commit.Gateways)
                {
                    gateways.Upsert(ToDocument(change.State));
                    if (change.CatalogueChanged)
                    {
                        catalogues.Upsert(new BsonDocument
                        {
                            ["_id"] = change.State.Id,
                            ["p"] = new BsonArray(change.State.Catalogue.Select(ToDocument)),
                        });
                    }

                    if (change.LatestChanged)
                    {
                        latest.Upsert(new BsonDocument
                        {
                            ["_id"] = change.State.Id,
                            ["v"] = new BsonArray(change.State.Latest.Values.Select(ToDocument)),
                        });
                    }
                }

                database.Commit();
            }
            catch
            {
                database.Rollback();
                throw;
            }

            if (syncCommits)
            {
                SyncLog();
            }

            healthy = true;
        }
        catch
        {
            healthy = false;
            throw;
        }
    }

    public IEnumerable<StoredBatch> FindBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) =>
        Find("k", gatewayId, fromUnixMs, toUnixMs, maxBatchSpanMs);

    public IEnumerable<StoredBatch> FindEventBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) =>
        Find("ek", gatewayId, fromUnixMs, toUnixMs, maxBatchSpanMs);

    public IEnumerable<CentralEvent> FindCentralEvents(string gatewayId, long fromUnixMs, long toUnixMs)
    {
        foreach (var doc in events.Find(Query.Between("k", Key(gatewayId, fromUnixMs), Key(gatewayId, toUnixMs))))
        {
            yield return new CentralEvent(doc["gw"].AsString, doc["t"].AsInt64, doc["p"].AsString, doc["text"].AsString);
        }
    }

    public void Dispose() => database.Dispose();

    private IEnumerable<StoredBatch> Find(string index, string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs)
    {
        var low = Key(gatewayId, SaturatingSubtract(fromUnixMs, Math.Max(0, maxBatchSpanMs)));
        var high = Key(gatewayId, toUnixMs);

        // An index scan: gateway first, then the first timestamp, in order.
        foreach (var doc in batches.Find(Query.Between(index, low, high)))
        {
            if (doc["t1"].AsInt64 >= fromUnixMs && doc["t0"].AsInt64 <= toUnixMs)
            {
                yield return ReadBatch(doc);
            }
        }
    }

    /// <summary>
    /// LiteDB 5 writes a commit's pages to its log file without fsync; an ack promises more than the
    /// page cache, so the log file is flushed to disk before the acks go out.
    /// </summary>
    private void SyncLog()
    {
        if (!File.Exists(logFilePath))
        {
            return;
        }

        using var handle = File.OpenHandle(logFilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        RandomAccess.FlushToDisk(handle);
    }

    /// <summary>gateway|first timestamp, the timestamp as 16 hex digits whose order is the numbers' order.</summary>
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
        if (batch.BufferId.Length > 0)
        {
            doc["buf"] = batch.BufferId;
        }

        // Only EVENTS batches carry this key, so its index lists them without touching the telemetry.
        if (batch.Kind == BatchKind.Events)
        {
            doc["ek"] = doc["k"];
        }

        return doc;
    }

    private static StoredBatch ReadBatch(BsonDocument doc) => new(
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
