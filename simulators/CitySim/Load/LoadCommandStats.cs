namespace City.Sim.Load;

/// <summary>What the simulated gateways of a run did with commands (every gateway together). Thread-safe.</summary>
internal sealed class LoadCommandStats
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, long> _rejectReasons = new(StringComparer.Ordinal);
    private long _received;
    private long _duplicates;
    private long _malformed;
    private long _done;
    private long _rejected;
    private long _resultsPublished;
    private long _resultsResent;
    private long _resultsAcked;
    private long _resultPublishFailures;

    public void Received() => Interlocked.Increment(ref _received);

    public void Duplicate() => Interlocked.Increment(ref _duplicates);

    public void Malformed() => Interlocked.Increment(ref _malformed);

    public void Done() => Interlocked.Increment(ref _done);

    public void Rejected(string reason)
    {
        Interlocked.Increment(ref _rejected);
        lock (_gate)
        {
            _rejectReasons[reason] = _rejectReasons.GetValueOrDefault(reason) + 1;
        }
    }

    public void ResultPublished(bool resend)
    {
        Interlocked.Increment(ref _resultsPublished);
        if (resend)
        {
            Interlocked.Increment(ref _resultsResent);
        }
    }

    public void ResultsAcked(int count) => Interlocked.Add(ref _resultsAcked, count);

    public void ResultPublishFailed() => Interlocked.Increment(ref _resultPublishFailures);

    public LoadCommandReport Take(long resultsUnacked, long reconnects)
    {
        lock (_gate)
        {
            return new LoadCommandReport
            {
                Received = Interlocked.Read(ref _received),
                Answered = Interlocked.Read(ref _done) + Interlocked.Read(ref _rejected),
                Done = Interlocked.Read(ref _done),
                Rejected = Interlocked.Read(ref _rejected),
                RejectReasons = new Dictionary<string, long>(_rejectReasons, StringComparer.Ordinal),
                Duplicates = Interlocked.Read(ref _duplicates),
                Malformed = Interlocked.Read(ref _malformed),
                ResultsPublished = Interlocked.Read(ref _resultsPublished),
                ResultsResent = Interlocked.Read(ref _resultsResent),
                ResultsAcked = Interlocked.Read(ref _resultsAcked),
                ResultsUnacked = resultsUnacked,
                ResultPublishFailures = Interlocked.Read(ref _resultPublishFailures),
                Reconnects = reconnects,
            };
        }
    }
}

/// <summary>The commands part of a <c>citysim load</c> report.</summary>
internal sealed record LoadCommandReport
{
    /// <summary>Commands that arrived on the gateways' cmd topics (a duplicate delivery counts here and in Duplicates).</summary>
    public required long Received { get; init; }

    /// <summary>Commands answered with a final result: Done + Rejected.</summary>
    public required long Answered { get; init; }

    public required long Done { get; init; }

    public required long Rejected { get; init; }

    public required IReadOnlyDictionary<string, long> RejectReasons { get; init; }

    /// <summary>A command id the gateway had already answered: not executed again, its results stay in the outbox.</summary>
    public required long Duplicates { get; init; }

    /// <summary>A cmd payload that is not a SignedCommand: no id to answer, so nothing is published.</summary>
    public required long Malformed { get; init; }

    /// <summary>Results published (ACCEPTED and DONE, or REJECTED), resends included.</summary>
    public required long ResultsPublished { get; init; }

    public required long ResultsResent { get; init; }

    /// <summary>Results central acknowledged in Ack.committed_result_seqs.</summary>
    public required long ResultsAcked { get; init; }

    /// <summary>Results still in the gateways' outboxes at the end (not acknowledged).</summary>
    public required long ResultsUnacked { get; init; }

    public required long ResultPublishFailures { get; init; }

    /// <summary>Connections made again after a loss (<c>--commands-only</c>), each followed by a resend of the outbox.</summary>
    public required long Reconnects { get; init; }
}
