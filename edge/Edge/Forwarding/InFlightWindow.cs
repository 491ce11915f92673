using City.Edge.Buffer;

namespace City.Edge.Forwarding;

/// <summary>
/// The batches published to central and awaiting its ack, with when each was last sent. Pure bookkeeping: the
/// caller passes the time, publishes, and tells the buffer. A batch not acknowledged within the ack timeout is due
/// again (central deduplicates by seq); an ack or a rejection settles it; a dropped link empties the window (the
/// buffer hands the batches out again in the next session).
/// </summary>
internal sealed class InFlightWindow(int capacity, TimeSpan ackTimeout)
{
    private readonly Dictionary<ulong, Entry> _bySeq = [];

    public TimeSpan AckTimeout => ackTimeout;

    public int Count => _bySeq.Count;

    /// <summary>How many more batches may be published now.</summary>
    public int FreeSlots => Math.Max(0, capacity - _bySeq.Count);

    public bool Contains(ulong seq) => _bySeq.ContainsKey(seq);

    public void Sent(StoredBatch batch, DateTimeOffset sentAt)
    {
        ArgumentNullException.ThrowIfNull(batch);
        _bySeq[batch.Seq] = new Entry(batch, sentAt);
    }

    /// <summary>The batches whose ack is overdue, in seq order, stamped as sent again at <paramref name="now"/>.</summary>
    public IReadOnlyList<StoredBatch> TakeDueForResend(DateTimeOffset now)
    {
        var due = _bySeq.Values.Where(e => now - e.SentAt >= ackTimeout).OrderBy(e => e.Batch.Seq).ToList();
        foreach (var entry in due)
        {
            entry.SentAt = now;
        }

        return due.ConvertAll(e => e.Batch);
    }

    /// <summary>Central committed or rejected these seqs: they leave the window. Returns how many were in it.</summary>
    public int Settle(IEnumerable<ulong> seqs)
    {
        ArgumentNullException.ThrowIfNull(seqs);
        var settled = 0;
        foreach (var seq in seqs)
        {
            if (_bySeq.Remove(seq))
            {
                settled++;
            }
        }

        return settled;
    }

    /// <summary>Until the oldest ack falls due: <see cref="Timeout.InfiniteTimeSpan"/> with nothing in flight, zero when overdue.</summary>
    public TimeSpan TimeUntilNextResend(DateTimeOffset now)
    {
        if (_bySeq.Count == 0)
        {
            return Timeout.InfiniteTimeSpan;
        }

        var wait = _bySeq.Values.Min(e => e.SentAt) + ackTimeout - now;
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    /// <summary>The link dropped: no ack will come for what was sent on it.</summary>
    public void Clear() => _bySeq.Clear();

    private sealed class Entry(StoredBatch batch, DateTimeOffset sentAt)
    {
        public StoredBatch Batch { get; } = batch;

        public DateTimeOffset SentAt { get; set; } = sentAt;
    }
}
