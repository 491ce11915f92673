namespace City.Sim.Load;

/// <summary>Counters shared by every simulated gateway of a run. Thread-safe.</summary>
internal sealed class LoadStats
{
    private const int MaxRejectedKept = 100;

    private readonly Lock gate = new();
    private readonly List<double> latenciesMs = [];
    private readonly List<string> rejectedSample = [];
    private readonly SortedDictionary<string, long> rejectReasons = new(StringComparer.Ordinal);
    private long batchesPublished;
    private long readingsPublished;
    private long payloadBytes;
    private long batchesAcked;
    private long readingsAcked;
    private long rejectedBatches;
    private long rejectedReadings;
    private long publishFailures;
    private long malformedAcks;
    private long encodeTicks;
    private long lastAckTimestamp;

    public void Published(int readings, int bytes)
    {
        lock (gate)
        {
            batchesPublished++;
            readingsPublished += readings;
            payloadBytes += bytes;
        }
    }

    public void Encoded(long elapsedTicks) => Interlocked.Add(ref encodeTicks, elapsedTicks);

    public void PublishFailed() => Interlocked.Increment(ref publishFailures);

    public void MalformedAck() => Interlocked.Increment(ref malformedAcks);

    public void Acked(int readings, double latencyMs, long timestamp)
    {
        lock (gate)
        {
            batchesAcked++;
            readingsAcked += readings;
            latenciesMs.Add(latencyMs);
            lastAckTimestamp = Math.Max(lastAckTimestamp, timestamp);
        }
    }

    public void Rejected(string gatewayId, ulong seq, int readings, string reason, long timestamp)
    {
        lock (gate)
        {
            rejectedBatches++;
            rejectedReadings += readings;
            if (rejectedSample.Count < MaxRejectedKept)
            {
                rejectedSample.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{gatewayId}#{seq}"));
            }

            var key = string.IsNullOrEmpty(reason) ? "(no reason)" : reason;
            rejectReasons[key] = rejectReasons.GetValueOrDefault(key) + 1;
            lastAckTimestamp = Math.Max(lastAckTimestamp, timestamp);
        }
    }

    public StatsSnapshot Take()
    {
        lock (gate)
        {
            return new StatsSnapshot(
                batchesPublished,
                readingsPublished,
                payloadBytes,
                batchesAcked,
                readingsAcked,
                rejectedBatches,
                rejectedReadings,
                Interlocked.Read(ref publishFailures),
                Interlocked.Read(ref malformedAcks),
                TimeSpan.FromSeconds(Interlocked.Read(ref encodeTicks) / (double)System.Diagnostics.Stopwatch.Frequency),
                lastAckTimestamp);
        }
    }

    public double[] SortedLatenciesMs()
    {
        lock (gate)
        {
            var copy = latenciesMs.ToArray();
            Array.Sort(copy);
            return copy;
        }
    }

    public (IReadOnlyList<string> Sample, IReadOnlyDictionary<string, long> Reasons) RejectedDetails()
    {
        lock (gate)
        {
            return (rejectedSample.ToArray(), new Dictionary<string, long>(rejectReasons, StringComparer.Ordinal));
        }
    }

    internal readonly record struct StatsSnapshot(
        long BatchesPublished,
        long ReadingsPublished,
        long PayloadBytes,
        long BatchesAcked,
        long ReadingsAcked,
        long RejectedBatches,
        long RejectedReadings,
        long PublishFailures,
        long MalformedAcks,
        TimeSpan EncodeTime,
        long LastAckTimestamp);
}
