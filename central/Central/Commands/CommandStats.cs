namespace City.Central.Commands;

/// <summary>Process-wide command counters (since start), shown by /api/v1/stats under "commands".</summary>
internal sealed class CommandStats
{
    private long _issued;
    private long _sent;
    private long _expired;
    private long _results;
    private long _duplicateResults;
    private long _unknownResults;
    private long _malformedResults;
    private long _resultAcks;
    private long _publishFailures;

    public long Issued => Interlocked.Read(ref _issued);

    /// <summary>Commands the broker acknowledged (PUBACK) for a gateway.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>Results that moved a gateway's status forward.</summary>
    public long Results => Interlocked.Read(ref _results);

    /// <summary>Results already applied (a resend) or behind the status already known.</summary>
    public long DuplicateResults => Interlocked.Read(ref _duplicateResults);

    /// <summary>Results for an id central does not know, or not addressed to the gateway that answered.</summary>
    public long UnknownResults => Interlocked.Read(ref _unknownResults);

    /// <summary>Result payloads that did not parse (never acknowledged: they carry no usable result_seq).</summary>
    public long MalformedResults => Interlocked.Read(ref _malformedResults);

    public long ResultAcks => Interlocked.Read(ref _resultAcks);

    /// <summary>Command publishes that failed (not connected, refused): retried.</summary>
    public long PublishFailures => Interlocked.Read(ref _publishFailures);

    public void Issue(int targets) => Interlocked.Add(ref _issued, targets);

    public void Send(int count) => Interlocked.Add(ref _sent, count);

    public void Expire(int count) => Interlocked.Add(ref _expired, count);

    public void Result(int count) => Interlocked.Add(ref _results, count);

    public void DuplicateResult() => Interlocked.Increment(ref _duplicateResults);

    public void UnknownResult() => Interlocked.Increment(ref _unknownResults);

    public void MalformedResult() => Interlocked.Increment(ref _malformedResults);

    public void ResultAck() => Interlocked.Increment(ref _resultAcks);

    public void PublishFailure() => Interlocked.Increment(ref _publishFailures);
}
