using System.Globalization;
using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.Central.Store;

/// <summary>What one fold or merge pass did.</summary>
internal sealed record FoldOutcome(int BatchesFolded, long ReadingsFolded, int ChunksWritten, int ChunksMerged);

/// <summary>
/// The per-point layout. A batch body holds every point of its gateway, so one point's history used to decompress every
/// batch of the range. The fold moves TELEMETRY batches, oldest received first, into chunks: one document per gateway,
/// point and hour ("slice") holding that point's readings of that hour in the contract's columnar series encoding
/// (zstd), indexed by (gateway, alias, slice). The batch documents are deleted in the same transaction that inserts
/// their chunks, so every reading is either raw or in a chunk, never both and never neither. Chunks of a closed hour
/// are merged into one. A point's history reads its chunks plus the raw batches not folded yet (the last minute or so).
/// </summary>
internal sealed partial class LiteDbReadingStore
{
    internal const string ChunksCollection = "chunks";
    internal const string CompactionCollection = "compaction";
    internal const long SliceMs = 3_600_000;
    private const string FoldPointerId = "$fold";
    private const string MergePointerPrefix = "merge:";

    // History reads take the read side around their chunk + raw reads; a fold or merge commit takes the write side,
    // so a read never sees a batch both folded and raw, nor neither.
    private readonly ReaderWriterLockSlim _layout = new(LockRecursionPolicy.SupportsRecursion);

    // One fold, merge or retention pass at a time.
    private readonly Lock _compaction = new();

    /// <summary>Test hook: runs inside a fold's transaction after its writes, before the commit (a crash there must lose nothing).</summary>
    internal Action? BeforeFoldCommit { get; set; }

    /// <summary>The hour a timestamp falls in (its start, Unix ms).</summary>
    internal static long SliceOf(long unixMs) => Aggregates.BucketOf(unixMs, SliceMs);

    /// <summary>gateway|alias|slice: a point's chunks in time order.</summary>
    private static string ChunkKey(string gatewayId, uint alias, long slice) =>
        gatewayId + "|" + alias.ToString("X8", CultureInfo.InvariantCulture) + "|" + (unchecked((ulong)slice) ^ 0x8000_0000_0000_0000UL).ToString("X16", CultureInfo.InvariantCulture);

    /// <summary>
    /// Folds the TELEMETRY batches received at least <paramref name="settleMs"/> before <paramref name="nowUnixMs"/> into
    /// chunks, in transactions of about <paramref name="readingsPerTransaction"/> readings. The newest batch of all
    /// stays raw (LiteDB derives the next document id from the highest one present, and the fold's pointer must never
    /// see an id again). A batch whose body does not decode stays raw (history skips it as before). A transaction's
    /// readings, grouped by point, and its pages are held until its commit: the largest item on central's heap, which is
    /// capped (README "Memory"); at 1,000,000 readings the heap after a collection reached 172 MB during a fold.
    /// </summary>
    internal FoldOutcome Fold(long nowUnixMs, long settleMs, int readingsPerTransaction = 200_000)
    {
        var total = new FoldOutcome(0, 0, 0, 0);
        lock (_compaction)
        {
            while (true)
            {
                var step = Read("folding batches into chunks", h => FoldStep(h, nowUnixMs - settleMs, readingsPerTransaction));
                total = total with
                {
                    BatchesFolded = total.BatchesFolded + step.Outcome.BatchesFolded,
                    ReadingsFolded = total.ReadingsFolded + step.Outcome.ReadingsFolded,
                    ChunksWritten = total.ChunksWritten + step.Outcome.ChunksWritten,
                };
                if (!step.More)
                {
                    return total;
                }
            }
        }
    }

    private (FoldOutcome Outcome, bool More) FoldStep(Handles h, long receivedBefore, int readingsPerTransaction)
    {
        var pointer = h.Compaction.FindById(FoldPointerId)?["last"].AsInt64 ?? 0;
        if (NewestBatchId(h) is not { } newestId)
        {
            return (new FoldOutcome(0, 0, 0, 0), false);
        }

        var folded = new List<BsonDocument>();
        var readings = 0L;
        var last = pointer;
        var more = false;
        foreach (var doc in h.Batches.Find(Query.GT("_id", pointer)))
        {
            var id = doc["_id"].AsInt64;
            if (id >= newestId || doc["rx"].AsInt64 > receivedBefore)
            {
                break;
            }

            if (readings >= readingsPerTransaction)
            {
                more = true;
                break;
            }

            last = id;
            if ((BatchKind)doc["kind"].AsInt32 != BatchKind.Events)
            {
                folded.Add(doc);
                readings += doc["n"].AsInt32;
            }
        }

        if (last == pointer)
        {
            return (new FoldOutcome(0, 0, 0, 0), false);
        }

        // Group each batch's readings by point and hour, keeping the received order (batch id, then position).
        var groups = new Dictionary<(string Gateway, uint Alias, long Slice), List<Reading>>();
        var deleted = new List<BsonDocument>();
        var scratch = new List<Reading>();
        foreach (var doc in folded)
        {
            var batch = ReadBatch(doc);
            scratch.Clear();
            if (!batch.TryReadReadings(scratch))
            {
                continue;
            }

            deleted.Add(doc);
            foreach (var reading in scratch)
            {
                var key = (batch.GatewayId, reading.Alias, SliceOf(reading.TimestampUnixMs));
                if (!groups.TryGetValue(key, out var list))
                {
                    list = [];
                    groups.Add(key, list);
                }

                list.Add(batch.IsOutOfWindow(reading.TimestampUnixMs) ? reading with { Quality = Quality.TimestampOutOfWindow } : reading);
            }
        }

        var chunks = groups.Select(g => ToChunk(g.Key.Gateway, g.Key.Alias, g.Key.Slice, g.Value)).ToList();
        WriteLayout(h, () =>
        {
            if (chunks.Count > 0)
            {
                h.Chunks.Insert(chunks);
            }

            foreach (var doc in deleted)
            {
                DeleteBatch(h, doc);
            }

            h.Compaction.Upsert(new BsonDocument { ["_id"] = FoldPointerId, ["last"] = last });
            BeforeFoldCommit?.Invoke();
        });
        return (new FoldOutcome(deleted.Count, deleted.Sum(d => (long)d["n"].AsInt32), chunks.Count, 0), more);
    }

    /// <summary>
    /// Merges each point's chunks of every closed hour (ended at least <paramref name="settleMs"/> before now) into one,
    /// gateway by gateway, one transaction per gateway and hour; a per-gateway pointer remembers how far it got.
    /// </summary>
    internal FoldOutcome MergeClosedSlices(long nowUnixMs, long settleMs)
    {
        var merged = 0;
        var written = 0;
        lock (_compaction)
        {
            var gateways = Read("listing gateways", h => h.Gateways.FindAll().Select(d => d["_id"].AsString).ToList());
            var lastClosed = SliceOf(nowUnixMs - settleMs) - SliceMs;
            foreach (var gatewayId in gateways)
            {
                while (Read("merging chunks of " + gatewayId, h => MergeNextSlice(h, gatewayId, lastClosed)) is { } step)
                {
                    merged += step.Merged;
                    written += step.Written;
                }
            }
        }

        return new FoldOutcome(0, 0, written, merged);
    }

    /// <summary>Merges the gateway's next slice at or after its pointer, up to <paramref name="lastClosed"/>; null when none is left.</summary>
    private (int Merged, int Written)? MergeNextSlice(Handles h, string gatewayId, long lastClosed)
    {
        var pointerId = MergePointerPrefix + gatewayId;
        var from = h.Compaction.FindById(pointerId)?["s"].AsInt64 ?? long.MinValue;
        if (from > lastClosed)
        {
            return null;
        }

        var first = h.Chunks.Find(Query.Between("sk", Key(gatewayId, from), Key(gatewayId, lastClosed)), limit: 1).FirstOrDefault();
        if (first is null)
        {
            WriteLayout(h, () => h.Compaction.Upsert(new BsonDocument { ["_id"] = pointerId, ["s"] = lastClosed + SliceMs }));
            return null;
        }

        var slice = first["s"].AsInt64;
        var byAlias = h.Chunks.Find(Query.EQ("sk", Key(gatewayId, slice)))
            .GroupBy(d => (uint)d["a"].AsInt64)
            .Where(g => g.Count() > 1)
            .Select(g => (Alias: g.Key, Docs: g.OrderBy(d => d["_id"].AsInt64).ToList()))
            .ToList();
        var replacements = new List<BsonDocument>();
        var old = new List<BsonDocument>();
        foreach (var (alias, docs) in byAlias)
        {
            var readings = new List<Reading>();
            var whole = true;
            foreach (var doc in docs)
            {
                whole &= TryReadChunk(doc, readings);
            }

            // A chunk that no longer decodes is left as it is, with its siblings.
            if (whole)
            {
                replacements.Add(ToChunk(gatewayId, alias, slice, [.. readings.OrderBy(r => r.TimestampUnixMs)]));
                old.AddRange(docs);
            }
        }

        WriteLayout(h, () =>
        {
            if (replacements.Count > 0)
            {
                h.Chunks.Insert(replacements);
            }

            foreach (var doc in old)
            {
                h.Chunks.Delete(doc["_id"]);
            }

            h.Compaction.Upsert(new BsonDocument { ["_id"] = pointerId, ["s"] = slice + SliceMs });
        });
        return (old.Count, replacements.Count);
    }

    /// <summary>
    /// One point's readings in [start, to] in (timestamp, received) order: its chunks, then the raw batches not folded
    /// yet (all received after every folded one), read together under the layout lock.
    /// </summary>
    private (List<Reading> Readings, bool Complete) ReadSeries(SeriesKey series, long startUnixMs, long toUnixMs, int needed)
    {
        var all = new List<Reading>();
        var complete = true;

        // Always the store's gate first, then the layout (as a fold does).
        EnterRead();
        _layout.EnterReadLock();
        try
        {
            var maxSpan = Read("reading gateway " + series.GatewayId, h => h.Gateways.FindById(series.GatewayId)?["span"].AsInt64 ?? 0);
            var raw = new List<(long Id, StoredBatch Batch)>();
            foreach (var found in Find("k", series.GatewayId, startUnixMs, toUnixMs, maxSpan))
            {
                if (found.Batch.Kind != BatchKind.Events)
                {
                    raw.Add(found);
                }
            }

            var rawReadings = new List<Reading>();
            var scratch = new List<Reading>();
            foreach (var (_, stored) in raw.OrderBy(r => r.Id))
            {
                scratch.Clear();
                if (stored.TryReadReadings(scratch, series.Alias))
                {
                    rawReadings.AddRange(scratch
                        .Where(r => r.TimestampUnixMs >= startUnixMs && r.TimestampUnixMs <= toUnixMs)
                        .Select(r => stored.IsOutOfWindow(r.TimestampUnixMs) ? r with { Quality = Quality.TimestampOutOfWindow } : r));
                }
            }

            var chunks = Read("reading chunks of " + series.GatewayId, h => h.Chunks
                .Find(Query.Between("k", ChunkKey(series.GatewayId, series.Alias, SliceOf(startUnixMs)), ChunkKey(series.GatewayId, series.Alias, SliceOf(toUnixMs))))
                .Select(d => (Slice: d["s"].AsInt64, Id: d["_id"].AsInt64, Doc: d))
                .OrderBy(d => d.Slice).ThenBy(d => d.Id)
                .ToList());

            // Slice by slice, chunks first (received earlier), then the raw readings of that slice; stop once enough
            // readings after start are known and the slice is whole.
            var afterStart = 0;
            var c = 0;
            var rawBySlice = rawReadings.GroupBy(r => SliceOf(r.TimestampUnixMs)).ToDictionary(g => g.Key, g => g.ToList());
            var slices = chunks.Select(d => d.Slice).Concat(rawBySlice.Keys).Distinct().Order().ToList();
            foreach (var slice in slices)
            {
                if (afterStart >= needed)
                {
                    complete = false;
                    break;
                }

                var part = new List<Reading>();
                for (; c < chunks.Count && chunks[c].Slice == slice; c++)
                {
                    TryReadChunk(chunks[c].Doc, part);
                }

                if (rawBySlice.TryGetValue(slice, out var rawPart))
                {
                    part.AddRange(rawPart);
                }

                foreach (var reading in part.Where(r => r.TimestampUnixMs >= startUnixMs && r.TimestampUnixMs <= toUnixMs).OrderBy(r => r.TimestampUnixMs))
                {
                    all.Add(reading);
                    afterStart += reading.TimestampUnixMs > startUnixMs ? 1 : 0;
                }
            }
        }
        finally
        {
            _layout.ExitReadLock();
            ExitRead();
        }

        return (all, complete);
    }

    private static BsonDocument ToChunk(string gatewayId, uint alias, long slice, List<Reading> readings)
    {
        var encoded = BatchCodec.Encode(new BatchHeader(gatewayId, 0, 0, 0), readings);
        return new BsonDocument
        {
            ["k"] = ChunkKey(gatewayId, alias, slice),
            ["sk"] = Key(gatewayId, slice),
            ["gw"] = gatewayId,
            ["a"] = (long)alias,
            ["s"] = slice,
            ["t0"] = readings.Min(r => r.TimestampUnixMs),
            ["t1"] = readings.Max(r => r.TimestampUnixMs),
            ["n"] = readings.Count,
            ["c"] = (int)encoded.Compression,
            ["body"] = encoded.Body.ToByteArray(),
            ["crc"] = (long)encoded.BodyCrc32C,
        };
    }

    /// <summary>Appends a chunk's readings; false (nothing appended) if its body no longer decodes.</summary>
    internal static bool TryReadChunk(BsonDocument doc, List<Reading> destination) =>
        BatchCodec.TryDecodeBody((Compression)doc["c"].AsInt32, doc["body"].AsBinary, doc["n"].AsInt32, out var body, out _)
        && BatchCodec.TryAppendReadings(body, destination, out _);

    /// <summary>The highest batch document id, or null when there is no batch.</summary>
    private static long? NewestBatchId(Handles h) =>
        h.Batches.Query().OrderByDescending("_id").Select("_id").Limit(1).ToDocuments().FirstOrDefault()?["_id"].AsInt64;

    /// <summary>Deletes a batch document and the out-of-window index entries that point at it.</summary>
    private static void DeleteBatch(Handles h, BsonDocument doc)
    {
        var id = doc["_id"].AsInt64;
        var days = doc["ow"];
        if (days.IsArray)
        {
            var gatewayId = doc["gw"].AsString;
            var keys = days.AsArray.Count == 0 ? [gatewayId + AnyDaySuffix] : days.AsArray.Select(d => Key(gatewayId, d.AsInt64));
            foreach (var key in keys)
            {
                h.OutOfWindow.DeleteMany(Query.And(Query.EQ("k", key), Query.EQ("b", id)));
            }
        }

        h.Batches.Delete(id);
    }

    /// <summary>Runs writes in one transaction under the layout's write lock (history reads wait for it).</summary>
    private void WriteLayout(Handles h, Action writes)
    {
        _layout.EnterWriteLock();
        try
        {
            h.Database.BeginTrans();
            try
            {
                writes();
                h.Database.Commit();
            }
            catch (Exception exception)
            {
                RollbackAfter(h.Database, exception);
                throw;
            }
        }
        finally
        {
            _layout.ExitWriteLock();
        }
    }
}
