using System.Buffers.Binary;
using System.Diagnostics;
using LiteDB;

namespace City.Central.Store;

/// <summary>What <see cref="StoreVerifier"/> found: healthy, or the problems (the first ones; each names a page or a collection).</summary>
internal sealed record StoreReport(string File, bool IsHealthy, IReadOnlyList<string> Problems, long Pages, long Documents, TimeSpan Elapsed);

/// <summary>
/// Checks central.db without changing it: (1) every 8 KiB page of the file carries its own page number and
/// a known page type (LiteDB 5's page header), so random bytes over any page start are found; (2) the file
/// opens read-only (header page, collections, the write-ahead log); (3) every document of every collection
/// is read and decoded as the store reads it (gateways with catalogues and latest values, every batch with
/// its body bytes), which walks each collection's data pages and primary index; (4) the k and ek indexes
/// are walked key by key and must list as many entries as there are batches. Not covered: bytes changed
/// inside a stored body whose page structure is intact (LiteDB keeps no page checksums).
/// </summary>
internal static class StoreVerifier
{
    public const int PageSize = 8192;
    private const int MaxProblems = 20;
    private const byte HighestPageType = 4; // LiteDB 5: Empty, Header, Collection, Index, Data

    public static StoreReport Verify(string file, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        var watch = Stopwatch.StartNew();
        var problems = new List<string>();
        if (!File.Exists(file))
        {
            return new StoreReport(file, false, [$"{file} does not exist."], 0, 0, watch.Elapsed);
        }

        var pages = CheckPageHeaders(file, problems, cancellationToken);
        var documents = 0L;
        if (problems.Count == 0)
        {
            documents = CheckDocuments(file, problems, cancellationToken);
        }

        return new StoreReport(file, problems.Count == 0, problems, pages, documents, watch.Elapsed);
    }

    private static long CheckPageHeaders(string file, List<string> problems, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.SequentialScan);
        if (stream.Length % PageSize != 0)
        {
            problems.Add($"size {stream.Length} is not a whole number of {PageSize}-byte pages (truncated or extended).");
        }

        var page = new byte[PageSize];
        var number = 0L;
        while (stream.ReadAtLeast(page, PageSize, throwOnEndOfStream: false) == PageSize)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // An all-zero page was allocated but never written (a checkpoint cut short): the document pass judges it.
            if (page.AsSpan().ContainsAnyExcept((byte)0))
            {
                var id = BinaryPrimitives.ReadUInt32LittleEndian(page);
                var type = page[4];
                if (id != number || type > HighestPageType)
                {
                    Add(problems, $"page {number} (offset {number * PageSize}): its header says page {id}, type {type}: overwritten.");
                }
            }

            number++;
        }

        return number;
    }

    private static long CheckDocuments(string file, List<string> problems, CancellationToken cancellationToken)
    {
        LiteDatabase database;
        try
        {
            database = new LiteDatabase(new ConnectionString { Filename = file, Connection = ConnectionType.Direct, ReadOnly = true });
        }
        // Whatever LiteDB throws on open is the finding.
        catch (Exception exception)
        {
            Add(problems, $"cannot be opened: {exception.GetType().Name}: {exception.Message}");
            return 0;
        }

        using (database)
        {
            var documents = 0L;
            var step = "reading the collection list";
            try
            {
                var names = database.GetCollectionNames().ToHashSet(StringComparer.Ordinal);
                var gateways = database.GetCollection(LiteDbReadingStore.GatewaysCollection);
                step = "reading the gateways, catalogues and latest values";
                documents += LiteDbReadingStore.ReadGateways(gateways, database.GetCollection(LiteDbReadingStore.CataloguesCollection), database.GetCollection(LiteDbReadingStore.LatestCollection)).Count;
                foreach (var name in names.Where(n => n is LiteDbReadingStore.CataloguesCollection or LiteDbReadingStore.LatestCollection or LiteDbReadingStore.OutOfWindowCollection or LiteDbReadingStore.EventsCollection
                    or LiteDbReadingStore.HourlyCollection or LiteDbReadingStore.CompactionCollection))
                {
                    step = $"reading collection {name}";
                    documents += database.GetCollection(name).FindAll().LongCount();
                }

                if (names.Contains(LiteDbReadingStore.BatchesCollection))
                {
                    var batches = database.GetCollection(LiteDbReadingStore.BatchesCollection, BsonAutoId.Int64);
                    step = "reading every batch";
                    long count = 0, events = 0;
                    foreach (var doc in batches.FindAll())
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var batch = LiteDbReadingStore.ReadBatch(doc);
                        if (batch.BodyCrc32C is { } crc && City.Contract.Crc32C.Compute(batch.Body) != crc)
                        {
                            Add(problems, $"batch {batch.GatewayId} seq {batch.Seq} (document {doc["_id"]}): its body no longer matches the checksum it was stored with.");
                        }

                        count++;
                        events += batch.Kind == City.Contract.Wire.BatchKind.Events ? 1 : 0;
                    }

                    documents += count;
                    step = "walking index k";
                    var keys = batches.Query().Where("$.k > ''").Select("$.k").ToEnumerable().LongCount();
                    step = "walking index ek";
                    var eventKeys = batches.Query().Where("$.ek > ''").Select("$.ek").ToEnumerable().LongCount();
                    if (keys != count || eventKeys != events)
                    {
                        Add(problems, $"the batch indexes list {keys} batches ({eventKeys} events) but the collection holds {count} ({events} events).");
                    }
                }

                if (names.Contains(LiteDbReadingStore.ChunksCollection))
                {
                    step = "reading every chunk";
                    documents += CheckChunks(database.GetCollection(LiteDbReadingStore.ChunksCollection, BsonAutoId.Int64), problems, cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            // Whatever LiteDB throws while reading is the finding.
            catch (Exception exception)
            {
                Add(problems, $"{step} failed: {exception.GetType().Name}: {exception.Message}");
            }

            return documents;
        }
    }

    /// <summary>Every chunk (a point's readings of one hour): its body against its checksum, and the k and sk indexes against the count.</summary>
    private static long CheckChunks(ILiteCollection<BsonDocument> chunks, List<string> problems, CancellationToken cancellationToken)
    {
        long count = 0;
        foreach (var doc in chunks.FindAll())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (City.Contract.Crc32C.Compute(doc["body"].AsBinary) != unchecked((uint)doc["crc"].AsInt64))
            {
                Add(problems, $"chunk {doc["k"].AsString} (document {doc["_id"]}): its body no longer matches the checksum it was stored with.");
            }

            count++;
        }

        var keys = chunks.Query().Where("$.k > ''").Select("$.k").ToEnumerable().LongCount();
        var sliceKeys = chunks.Query().Where("$.sk > ''").Select("$.sk").ToEnumerable().LongCount();
        if (keys != count || sliceKeys != count)
        {
            Add(problems, $"the chunk indexes list {keys} and {sliceKeys} chunks but the collection holds {count}.");
        }

        return count;
    }

    private static void Add(List<string> problems, string problem)
    {
        if (problems.Count < MaxProblems)
        {
            problems.Add(problem);
        }
    }
}
