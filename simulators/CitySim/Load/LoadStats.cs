namespace City.Sim.Load;

/// <summary>Counters shared by every simulated gateway of a run. Thread-safe.</summary>
internal sealed class LoadStats
{
    private const int MaxRejectedKept = 100;

    private readonly Lock _gate = new();
    private readonly List<double> _latenciesMs = [];
    private readonly List<string> _rejectedSample = [];
    private readonly SortedDictionary<string, long> _rejectReasons = new(StringComparer.Ordinal);
    private long _batchesPublished;
    private long _readingsPublished;
    private long _payloadBytes;
    private long _batchesAcked;
    private long _readingsAcked;
    private long _rejectedBatches;
    private long _rejectedReadings;
    private long _publishFailures;
    private long _malformedAcks;
    private long _encodeTicks;
    private long _lastAckTimestamp;
    private long _resent;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _ackLog = new();

    /// <summary>Batches published again for want of an ack (<see cref="LoadOptions.ResendAfter"/>).</summary>
    public long Resent => Interlocked.Read(ref _resent);

    public void Resend() => Interlocked.Increment(ref _resent);

    /// <summary>Keeps the first ack of a batch for the ack log: gateway, buffer id, seq, unix µs.</summary>
    public void LogAck(string gatewayId, string bufferId, ulong seq, DateTimeOffset at) =>
        _ackLog.Enqueue(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{gatewayId},{bufferId},{seq},{(at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10}"));

    /// <summary>The ack log (CSV with a header line).</summary>
    public IEnumerable<string> AckLogLines() => ["gateway,buffer_id,seq,acked_at_us", .. _ackLog];

    public void Published(int readings, int bytes)
    {
        lock (_gate)
        {
            _batchesPublished++;
            _readingsPublished += readings;
            _payloadBytes += bytes;
        }
    }

    public void Encoded(long elapsedTicks) => Interlocked.Add(ref _encodeTicks, elapsedTicks);

    public void PublishFailed() => Interlocked.Increment(ref _publishFailures);

    public void MalformedAck() => Interlocked.Increment(ref _malformedAcks);

    public void Acked(int readings, double latencyMs, long timestamp)
    {
        lock (_gate)
        {
            _batchesAcked++;
            _readingsAcked += readings;
            _latenciesMs.Add(latencyMs);
            _lastAckTimestamp = Math.Max(_lastAckTimestamp, timestamp);
        }
    }

    public void Rejected(string gatewayId, ulong seq, int readings, string reason, long timestamp)
    {
        lock (_gate)
        {
            _rejectedBatches++;
            _rejectedReadings += readings;
            if (_rejectedSample.Count < MaxRejectedKept)
            {
                _rejectedSample.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{gatewayId}#{seq}"));
            }

            var key = string.IsNullOrEmpty(reason) ? "(no reason)" : reason;
            _rejectReasons[key] = _rejectReasons.GetValueOrDefault(key) + 1;
            _lastAckTimestamp = Math.Max(_lastAckTimestamp, timestamp);
        }
    }

    public StatsSnapshot Take()
    {
        lock (_gate)
        {
            return new StatsSnapshot(
                _batchesPublished,
                _readingsPublished,
                _payloadBytes,
                _batchesAcked,
                _readingsAcked,
                _rejectedBatches,
                _rejectedReadings,
                Interlocked.Read(ref _publishFailures),
                Interlocked.Read(ref _malformedAcks),
                TimeSpan.FromSeconds(Interlocked.Read(ref _encodeTicks) / (double)System.Diagnostics.Stopwatch.Frequency),
                _lastAckTimestamp);
        }
    }

    public double[] SortedLatenciesMs()
    {
        lock (_gate)
        {
            var copy = _latenciesMs.ToArray();
            Array.Sort(copy);
            return copy;
        }
    }

    public (IReadOnlyList<string> Sample, IReadOnlyDictionary<string, long> Reasons) RejectedDetails()
    {
        lock (_gate)
        {
            return (_rejectedSample.ToArray(), new Dictionary<string, long>(_rejectReasons, StringComparer.Ordinal));
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
