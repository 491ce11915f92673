using System.Collections.Concurrent;

namespace City.Central.Ingest;

/// <summary>Process-wide ingestion counters (since start), read by /api/v1/stats.</summary>
internal sealed class IngestStats
{
    private readonly ConcurrentDictionary<string, long> rejected = new(StringComparer.Ordinal);
    private long batchesAccepted;
    private long readingsAccepted;
    private long duplicateBatches;
    private long duplicateReadings;
    private long acksSent;
    private long commits;
    private long birthsAccepted;
    private long deathsAccepted;
    private long outOfWindowFuture;
    private long outOfWindowTooOld;
    private long outOfWindowInvalid;

    public IngestStats(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        StartedAt = time.GetUtcNow();
    }

    public DateTimeOffset StartedAt { get; }

    public long BatchesAccepted => Interlocked.Read(ref batchesAccepted);

    public long ReadingsAccepted => Interlocked.Read(ref readingsAccepted);

    public long DuplicateBatches => Interlocked.Read(ref duplicateBatches);

    public long DuplicateReadings => Interlocked.Read(ref duplicateReadings);

    public long AcksSent => Interlocked.Read(ref acksSent);

    public long Commits => Interlocked.Read(ref commits);

    public long BirthsAccepted => Interlocked.Read(ref birthsAccepted);

    public long DeathsAccepted => Interlocked.Read(ref deathsAccepted);

    /// <summary>Readings stored but flagged for their timestamps, by reason (future, too-old, invalid).</summary>
    public IReadOnlyDictionary<string, long> TimestampsOutOfWindow() => new SortedDictionary<string, long>(StringComparer.Ordinal)
    {
        [TimestampWindow.ReasonFuture] = Interlocked.Read(ref outOfWindowFuture),
        [TimestampWindow.ReasonTooOld] = Interlocked.Read(ref outOfWindowTooOld),
        [TimestampWindow.ReasonInvalid] = Interlocked.Read(ref outOfWindowInvalid),
    };

    public long RejectedTotal => rejected.Values.Sum();

    public IReadOnlyDictionary<string, long> Rejected() =>
        new SortedDictionary<string, long>(rejected.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);

    public long RejectedFor(string reason) => rejected.TryGetValue(reason, out var count) ? count : 0;

    public void Accepted(long batches, long readings)
    {
        Interlocked.Add(ref batchesAccepted, batches);
        Interlocked.Add(ref readingsAccepted, readings);
    }

    public void Duplicates(long batches, long readings)
    {
        Interlocked.Add(ref duplicateBatches, batches);
        Interlocked.Add(ref duplicateReadings, readings);
    }

    public void OutOfWindow(long future, long tooOld, long invalid)
    {
        Interlocked.Add(ref outOfWindowFuture, future);
        Interlocked.Add(ref outOfWindowTooOld, tooOld);
        Interlocked.Add(ref outOfWindowInvalid, invalid);
    }

    public void Reject(string reason) => rejected.AddOrUpdate(reason, 1, static (_, n) => n + 1);

    public void AckSent() => Interlocked.Increment(ref acksSent);

    public void Committed() => Interlocked.Increment(ref commits);

    public void Lifecycle(long births, long deaths)
    {
        Interlocked.Add(ref birthsAccepted, births);
        Interlocked.Add(ref deathsAccepted, deaths);
    }
}
