using City.Central.Model;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Store;

/// <summary>
/// Readings read back from the stored batches: a point's history and a gateway's events. The store keeps each body as
/// received; a reading of a batch outside that batch's stored span is one central flagged on arrival, and comes back
/// with <see cref="Quality.TimestampOutOfWindow"/>.
/// </summary>
internal static class StoredReadings
{
    /// <summary>
    /// The point's readings in [from, to], oldest first, at most <paramref name="limit"/>. Batches come in
    /// order of their first timestamp (after those found by their flagged readings), so once <paramref name="limit"/>
    /// readings are older than the next batch's start, no later batch can change the answer.
    /// </summary>
    public static List<Reading> ReadHistory(this IReadingStore store, GatewayState gateway, uint alias, long fromMs, long toMs, int limit, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(gateway);
        var result = new List<Reading>();
        var scratch = new List<Reading>();
        truncated = false;
        foreach (var stored in store.FindBatches(gateway.Id, fromMs, toMs, gateway.MaxBatchSpanMs))
        {
            if (result.Count >= limit)
            {
                SortAndTrim(result, limit, ref truncated);
                if (result[^1].TimestampUnixMs < stored.TMinUnixMs && !stored.HasOutOfWindowReadings)
                {
                    truncated = true;
                    break;
                }
            }

            scratch.Clear();
            if (!stored.TryReadReadings(scratch, alias))
            {
                continue;
            }

            AddInRange(stored, scratch, fromMs, toMs, result);
        }

        SortAndTrim(result, limit, ref truncated);
        return result;
    }

    /// <summary>The readings of the gateway's EVENTS batches in [from, to], batch after batch in the store's order.</summary>
    public static List<Reading> ReadEvents(this IReadingStore store, GatewayState gateway, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(gateway);
        var result = new List<Reading>();
        var scratch = new List<Reading>();
        foreach (var stored in store.FindEventBatches(gateway.Id, fromMs, toMs, gateway.MaxBatchSpanMs))
        {
            scratch.Clear();
            if (stored.TryReadReadings(scratch))
            {
                AddInRange(stored, scratch, fromMs, toMs, result);
            }
        }

        return result;
    }

    /// <summary>The readings of a stored batch (only those of <paramref name="onlyAlias"/> when given); false if its body no longer decodes.</summary>
    public static bool TryReadReadings(this StoredBatch stored, List<Reading> destination, uint? onlyAlias = null)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return BatchCodec.TryDecodeBody(stored.Compression, stored.Body, stored.ReadingCount, out var body, out _)
            && BatchCodec.TryAppendReadings(body, destination, out _, onlyAlias);
    }

    private static void AddInRange(StoredBatch stored, List<Reading> readings, long fromMs, long toMs, List<Reading> destination)
    {
        foreach (var reading in readings)
        {
            if (reading.TimestampUnixMs >= fromMs && reading.TimestampUnixMs <= toMs)
            {
                destination.Add(stored.IsOutOfWindow(reading.TimestampUnixMs) ? reading with { Quality = Quality.TimestampOutOfWindow } : reading);
            }
        }
    }

    private static void SortAndTrim(List<Reading> readings, int limit, ref bool truncated)
    {
        // Stable: readings with equal timestamps keep the order they were stored in.
        var sorted = readings.OrderBy(r => r.TimestampUnixMs).ToList();
        readings.Clear();
        readings.AddRange(sorted.Count > limit ? sorted.GetRange(0, limit) : sorted);
        truncated |= sorted.Count > limit;
    }
}
