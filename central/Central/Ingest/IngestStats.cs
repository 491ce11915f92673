using System.Collections.Concurrent;

namespace City.Central.Ingest;

/// <summary>Process-wide ingestion counters (since start), read by /api/v1/stats.</summary>
internal sealed class IngestStats
{
    private readonly ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _refused = new(StringComparer.Ordinal);
    private long _batchesAccepted;
    private long _readingsAccepted;
    private long _duplicateBatches;
    private long _duplicateReadings;
    private long _acksSent;
    private long _commits;
    private long _birthsAccepted;
    private long _deathsAccepted;
    private long _outOfWindowFuture;
    private long _outOfWindowTooOld;
    private long _outOfWindowInvalid;

    public IngestStats(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        StartedAt = time.GetUtcNow();
    }

    public DateTimeOffset StartedAt { get; }

    public long BatchesAccepted => Interlocked.Read(ref _batchesAccepted);

    public long ReadingsAccepted => Interlocked.Read(ref _readingsAccepted);

    public long DuplicateBatches => Interlocked.Read(ref _duplicateBatches);

    public long DuplicateReadings => Interlocked.Read(ref _duplicateReadings);

    public long AcksSent => Interlocked.Read(ref _acksSent);

    public long Commits => Interlocked.Read(ref _commits);

    public long BirthsAccepted => Interlocked.Read(ref _birthsAccepted);

    public long DeathsAccepted => Interlocked.Read(ref _deathsAccepted);

    /// <summary>Readings stored but flagged for their timestamps, by reason (future, too-old, invalid).</summary>
    public IReadOnlyDictionary<string, long> TimestampsOutOfWindow() => new SortedDictionary<string, long>(StringComparer.Ordinal)
    {
        [TimestampWindow.ReasonFuture] = Interlocked.Read(ref _outOfWindowFuture),
        [TimestampWindow.ReasonTooOld] = Interlocked.Read(ref _outOfWindowTooOld),
        [TimestampWindow.ReasonInvalid] = Interlocked.Read(ref _outOfWindowInvalid),
    };

    public long RejectedTotal => _rejected.Values.Sum();

    public IReadOnlyDictionary<string, long> Rejected() =>
        new SortedDictionary<string, long>(_rejected.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);

    public long RejectedFor(string reason) => _rejected.TryGetValue(reason, out var count) ? count : 0;

    public void Accepted(long batches, long readings)
    {
        Interlocked.Add(ref _batchesAccepted, batches);
        Interlocked.Add(ref _readingsAccepted, readings);
    }

    public void Duplicates(long batches, long readings)
    {
        Interlocked.Add(ref _duplicateBatches, batches);
        Interlocked.Add(ref _duplicateReadings, readings);
    }

    public void OutOfWindow(long future, long tooOld, long invalid)
    {
        Interlocked.Add(ref _outOfWindowFuture, future);
        Interlocked.Add(ref _outOfWindowTooOld, tooOld);
        Interlocked.Add(ref _outOfWindowInvalid, invalid);
    }

    /// <summary>Connections, publishes and subscriptions the embedded broker refused, by reason.</summary>
    public IReadOnlyDictionary<string, long> Refused() =>
        new SortedDictionary<string, long>(_refused.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);

    public long RefusedFor(string reason) => _refused.TryGetValue(reason, out var count) ? count : 0;

    public void Refuse(string reason) => _refused.AddOrUpdate(reason, 1, static (_, n) => n + 1);

    public void Reject(string reason) => _rejected.AddOrUpdate(reason, 1, static (_, n) => n + 1);

    public void AckSent() => Interlocked.Increment(ref _acksSent);

    public void Committed() => Interlocked.Increment(ref _commits);

    public void Lifecycle(long births, long deaths)
    {
        Interlocked.Add(ref _birthsAccepted, births);
        Interlocked.Add(ref _deathsAccepted, deaths);
    }
}
