using System.Globalization;
using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.Central.Store;

/// <summary>
/// Retention on LiteDB: raw readings (chunks, and EVENTS batches) of whole hours older than RawDays become one hourly
/// aggregate document per point and hour (min/max/sum/count of its good numeric readings) in the transaction that
/// deletes them; hourly aggregates older than AggregateDays are deleted. LiteDB reuses the freed pages for new data
/// but never shrinks the file (see central/README.md: `central store rebuild`).
/// </summary>
internal sealed partial class LiteDbReadingStore
{
    internal const string HourlyCollection = "hourly";
    private const long MsPerDay = 86_400_000;

    public RetentionOutcome ApplyRetention(DateTimeOffset now, RetentionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var nowMs = now.ToUnixTimeMilliseconds();
        long dropped = 0, written = 0, aggregatesDropped = 0;
        if (settings.RawDays > 0)
        {
            // Everything raw goes into chunks first (the newest batch stays raw: see Fold).
            Fold(nowMs, 0);
        }

        lock (_compaction)
        {
            var gateways = Read("listing gateways", h => h.Gateways.FindAll().Select(d => d["_id"].AsString).ToList());
            foreach (var gatewayId in gateways)
            {
                if (settings.RawDays > 0)
                {
                    var cutoff = SliceOf(nowMs - (settings.RawDays * MsPerDay));
                    while (Read("aggregating old readings of " + gatewayId, h => DropNextSlice(h, gatewayId, cutoff)) is { } step)
                    {
                        dropped += step.Readings;
                        written += step.Aggregates;
                    }

                    dropped += Read("dropping old events of " + gatewayId, h => DropEvents(h, gatewayId, cutoff));
                }

                if (settings.AggregateDays > 0)
                {
                    var cutoff = SliceOf(nowMs - (settings.AggregateDays * MsPerDay));
                    aggregatesDropped += Read("dropping old aggregates of " + gatewayId, h =>
                    {
                        var count = 0;
                        WriteLayout(h, () => count = h.Hourly.DeleteMany(Query.Between("hk", Key(gatewayId, long.MinValue), Key(gatewayId, cutoff - 1))));
                        return count;
                    });
                }
            }
        }

        return new RetentionOutcome(dropped, written, aggregatesDropped);
    }

    /// <summary>The gateway's oldest slice of chunks before the cutoff, folded into hourly aggregates and deleted; null when none is left.</summary>
    private (long Readings, int Aggregates)? DropNextSlice(Handles h, string gatewayId, long cutoff)
    {
        var first = h.Chunks.Find(Query.Between("sk", Key(gatewayId, long.MinValue), Key(gatewayId, cutoff - 1)), limit: 1).FirstOrDefault();
        if (first is null)
        {
            return null;
        }

        var slice = first["s"].AsInt64;
        var docs = h.Chunks.Find(Query.EQ("sk", Key(gatewayId, slice))).ToList();
        var aggregates = new List<BsonDocument>();
        var readings = 0L;
        foreach (var group in docs.GroupBy(d => (uint)d["a"].AsInt64))
        {
            var values = new List<Reading>();
            foreach (var doc in group)
            {
                TryReadChunk(doc, values);
                readings += doc["n"].AsInt32;
            }

            if (Aggregates.Buckets(0, values, SliceMs).FirstOrDefault() is { } bucket)
            {
                aggregates.Add(Combine(h.Hourly.FindById(HourlyId(gatewayId, group.Key, slice)), gatewayId, group.Key, slice, bucket));
            }
        }

        WriteLayout(h, () =>
        {
            foreach (var doc in aggregates)
            {
                h.Hourly.Upsert(doc);
            }

            foreach (var doc in docs)
            {
                h.Chunks.Delete(doc["_id"]);
            }
        });
        return (readings, aggregates.Count);
    }

    /// <summary>Deletes the gateway's EVENTS batches wholly before the cutoff (not the newest batch) and central's own events; returns the readings dropped.</summary>
    private long DropEvents(Handles h, string gatewayId, long cutoff)
    {
        var newest = NewestBatchId(h);
        var old = h.Batches.Find(Query.Between("ek", Key(gatewayId, long.MinValue), Key(gatewayId, cutoff - 1)))
            .Where(d => d["t1"].AsInt64 < cutoff && d["_id"].AsInt64 != newest)
            .ToList();
        WriteLayout(h, () =>
        {
            foreach (var doc in old)
            {
                DeleteBatch(h, doc);
            }

            h.Events.DeleteMany(Query.Between("k", Key(gatewayId, long.MinValue), Key(gatewayId, cutoff - 1)));
        });
        return old.Sum(d => (long)d["n"].AsInt32);
    }

    private static string HourlyId(string gatewayId, uint alias, long hour) => ChunkKey(gatewayId, alias, hour);

    private static BsonDocument Combine(BsonDocument? existing, string gatewayId, uint alias, long hour, AggregateBucket bucket)
    {
        if (existing is not null)
        {
            var old = ReadHourly(existing, 0);
            bucket = bucket with { Min = Math.Min(old.Min, bucket.Min), Max = Math.Max(old.Max, bucket.Max), Sum = old.Sum + bucket.Sum, Count = old.Count + bucket.Count };
        }

        return new BsonDocument
        {
            ["_id"] = HourlyId(gatewayId, alias, hour),
            ["hk"] = Key(gatewayId, hour),
            ["h"] = hour,
            ["min"] = bucket.Min,
            ["max"] = bucket.Max,
            ["sum"] = bucket.Sum,
            ["n"] = bucket.Count,
        };
    }

    private static AggregateBucket ReadHourly(BsonDocument doc, int series) =>
        new(series, doc["h"].AsInt64, doc["min"].AsDouble, doc["max"].AsDouble, doc["sum"].AsDouble, doc["n"].AsInt64);

    /// <summary>The hourly aggregates of one series with an hour in [slice of from, to].</summary>
    private List<AggregateBucket> ReadHourlyOf(SeriesKey series, int index, long fromUnixMs, long toUnixMs) =>
        Read("reading hourly aggregates of " + series.GatewayId, h => h.Hourly
            .Find(Query.Between("_id", HourlyId(series.GatewayId, series.Alias, SliceOf(fromUnixMs)), HourlyId(series.GatewayId, series.Alias, SliceOf(toUnixMs))))
            .Select(d => ReadHourly(d, index))
            .ToList());

    /// <summary>Raw buckets and hourly aggregates (whole hours where raw was dropped) merged per interval bucket.</summary>
    private static IEnumerable<AggregateBucket> Merge(IEnumerable<AggregateBucket> raw, IEnumerable<AggregateBucket> hourly, long intervalMs)
    {
        var buckets = new SortedDictionary<long, AggregateBucket>();
        foreach (var bucket in raw.Concat(hourly.Select(b => b with { StartUnixMs = Aggregates.BucketOf(b.StartUnixMs, intervalMs) })))
        {
            buckets[bucket.StartUnixMs] = buckets.TryGetValue(bucket.StartUnixMs, out var b)
                ? b with { Min = Math.Min(b.Min, bucket.Min), Max = Math.Max(b.Max, bucket.Max), Sum = b.Sum + bucket.Sum, Count = b.Count + bucket.Count }
                : bucket;
        }

        return buckets.Values;
    }
}
