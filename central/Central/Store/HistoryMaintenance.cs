using City.Central.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace City.Central.Store;

/// <summary>
/// The store's background upkeep: on LiteDB, every <see cref="FoldInterval"/> the raw batches received more than
/// Central:Retention:FoldAfterSeconds ago are folded into per-point chunks and hours closed <see cref="MergeAfter"/> ago merged (fast one-point history);
/// every Central:Retention:CheckMinutes retention is applied when RawDays or AggregateDays is set (on any store).
/// </summary>
internal sealed class HistoryMaintenance(IReadingStore store, IHistoryStore history, IOptions<CentralOptions> options, TimeProvider time, ILogger<HistoryMaintenance> logger)
    : BackgroundService
{
    public static readonly TimeSpan FoldInterval = TimeSpan.FromSeconds(30);

    /// <summary>An hour's chunks are merged this long after it ends, when its late batches have been folded too.</summary>
    public static readonly TimeSpan MergeAfter = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.Retention;
        var checkEvery = TimeSpan.FromMinutes(retention.CheckMinutes);
        var nextRetention = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            // The first turn after one interval: a fresh start reads nothing it was not asked for.
            try
            {
                await Task.Delay(FoldInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var now = time.GetUtcNow();
            try
            {
                // Synchronous LiteDB work off the host's threads.
                await Task.Run(() => Upkeep(now, retention, now >= nextRetention), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (StoreFaultException exception)
            {
                // The store recorded it (health says degraded); the next turn tries again.
                logger.LogWarning("Store upkeep failed: {Error}", exception.Message);
            }

            if (now >= nextRetention)
            {
                nextRetention = now + checkEvery;
            }
        }
    }

    private void Upkeep(DateTimeOffset now, RetentionSettings retention, bool retentionDue)
    {
        if (store is LiteDbReadingStore liteDb)
        {
            var nowMs = now.ToUnixTimeMilliseconds();
            var folded = liteDb.Fold(nowMs, retention.FoldAfterSeconds * 1000L);
            var merged = liteDb.MergeClosedSlices(nowMs, (long)MergeAfter.TotalMilliseconds);
            if (folded.BatchesFolded > 0 || merged.ChunksMerged > 0)
            {
                logger.LogDebug("Folded {Batches} batches ({Readings} readings) into {Chunks} chunks; merged {Merged} chunks into {Written}",
                    folded.BatchesFolded, folded.ReadingsFolded, folded.ChunksWritten, merged.ChunksMerged, merged.ChunksWritten);
            }
        }

        if (retentionDue && (retention.RawDays > 0 || retention.AggregateDays > 0))
        {
            var outcome = history.ApplyRetention(now, retention);
            logger.LogInformation("Retention (raw {RawDays} d, aggregates {AggregateDays} d): {Dropped} raw readings dropped, {Written} hourly aggregates written, {AggregatesDropped} dropped",
                retention.RawDays, retention.AggregateDays, outcome.RawReadingsDropped, outcome.AggregatesWritten, outcome.AggregatesDropped);
        }
    }
}
