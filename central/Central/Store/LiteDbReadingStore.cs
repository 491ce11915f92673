using System.Globalization;
using City.Central.State;
using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.Central.Store;

/// <summary>
/// LiteDB (direct connection) store: one document per accepted batch with its body as received,
/// indexed by gateway + first timestamp; one small document per gateway (counters, epoch, seq ranges),
/// its catalogue and its latest values in two more collections.
/// </summary>
internal sealed class LiteDbReadingStore : IReadingStore
{
    public const string FileName = "central.db";

    private const string BatchesCollection = "batches";
    private const string GatewaysCollection = "gateways";
    private const string CataloguesCollection = "catalogues";
    private const string LatestCollection = "latest";
    private const string OutOfWindowCollection = "outofwindow";

    /// <summary>The key suffix of a batch whose flagged readings fall on too many days to list: read for every range.</summary>
    private const string AnyDaySuffix = "|*";

    private readonly LiteDatabase database;
    private readonly ILiteCollection<BsonDocument> batches;
    private readonly ILiteCollection<BsonDocument> gateways;
    private readonly ILiteCollection<BsonDocument> catalogues;
    private readonly ILiteCollection<BsonDocument> latest;
    private readonly ILiteCollection<BsonDocument> outOfWindow;
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
        outOfWindow = database.GetCollection(OutOfWindowCollection, BsonAutoId.Int64);
        batches.EnsureIndex("k", "$.k");
        batches.EnsureIndex("ek", "$.ek");
        outOfWindow.EnsureIndex("k", "$.k");
    }

    public bool IsHealthy => healthy;

    public IReadOnlyList<GatewayState> LoadGateways()
    {
        var result = new List<GatewayState>();
        foreach (var doc in gateways.FindAll())
        {
            var state = new GatewayState(doc["_id"].AsString)
            {
                Epoch = unchecked((ulong)doc["ep"].AsInt64),
                Online = doc["on"].AsBoolean,
                HasBirth = doc["birth"].AsBoolean,
                LastSeenUnixMs = doc["seen"].AsInt64,
                ReadingsReceived = doc["rr"].AsInt64,
                BatchesReceived = doc["br"].AsInt64,
                MaxBatchSpanMs = doc["span"].AsInt64,
                SoftwareVersion = doc["sw"].AsString ?? string.Empty,
                CommittedSeqs = SeqRanges.From(doc["seqs"].AsArray.Select(r => (unchecked((ulong)r.AsArray[0].AsInt64), unchecked((ulong)r.AsArray[1].AsInt64)))),
            };
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
                    var documents = commit.Batches.Select(ToDocument).ToList();
                    batches.Insert(documents);
                    IndexOutOfWindow(commit.Batches, documents);
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

    public void Dispose() => database.Dispose();

    private IEnumerable<StoredBatch> Find(string index, string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs)
    {
        // First the batches whose flagged readings fall on the range's days (their span does not cover those).
        var flagged = FindOutOfWindowBatchIds(gatewayId, fromUnixMs, toUnixMs);
        foreach (var id in flagged)
        {
            var doc = batches.FindById(id);
            if (doc is not null && doc.ContainsKey(index))
            {
                yield return ReadBatch(doc);
            }
        }

        var low = Key(gatewayId, SaturatingSubtract(fromUnixMs, Math.Max(0, maxBatchSpanMs)));
        var high = Key(gatewayId, toUnixMs);

        // An index scan: gateway first, then the first timestamp, in order.
        foreach (var doc in batches.Find(Query.Between(index, low, high)))
        {
            if (doc["t1"].AsInt64 >= fromUnixMs && doc["t0"].AsInt64 <= toUnixMs && (flagged.Count == 0 || !flagged.Contains(doc["_id"].AsInt64)))
            {
                yield return ReadBatch(doc);
            }
        }
    }

    /// <summary>Ids of the gateway's batches holding flagged readings on a day of [from, to], or on any day.</summary>
    private SortedSet<long> FindOutOfWindowBatchIds(string gatewayId, long fromUnixMs, long toUnixMs)
    {
        var ids = new SortedSet<long>();
        var low = Key(gatewayId, StoredBatch.DayOf(fromUnixMs));
        var high = Key(gatewayId, StoredBatch.DayOf(toUnixMs));
        foreach (var doc in outOfWindow.Find(Query.Or(Query.Between("k", low, high), Query.EQ("k", gatewayId + AnyDaySuffix))))
        {
            ids.Add(doc["b"].AsInt64);
        }

        return ids;
    }

    /// <summary>One small document per day of a batch's flagged readings (or one "any day"), pointing at the batch.</summary>
    private void IndexOutOfWindow(List<StoredBatch> stored, List<BsonDocument> documents)
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
            outOfWindow.Insert(keys.Select(k => new BsonDocument { ["k"] = k, ["b"] = id }));
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

        if (batch.HasOutOfWindowReadings)
        {
            doc["ow"] = batch.OutOfWindowAnyDay ? new BsonArray() : new BsonArray(batch.OutOfWindowDays.Select(d => new BsonValue(d)));
        }

        return doc;
    }

    private static StoredBatch ReadBatch(BsonDocument doc)
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
            doc["rx"].AsInt64);

        // "ow": the days of the flagged readings, an empty array for "any day".
        var days = doc["ow"];
        return days.IsArray
            ? batch with { OutOfWindowDays = [.. days.AsArray.Select(d => d.AsInt64)], OutOfWindowAnyDay = days.AsArray.Count == 0 }
            : batch;
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
        ["seqs"] = new BsonArray(state.CommittedSeqs.Ranges.Select(r =>
            (BsonValue)new BsonArray(new BsonValue(unchecked((long)r.From)), new BsonValue(unchecked((long)r.To))))),
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
