using City.Edge.Buffer;

namespace City.Edge.Forwarding;

/// <summary>
/// The batches published to central and awaiting its ack, with when each was last sent. Pure bookkeeping: the
/// caller passes the time, publishes, and tells the buffer. A batch not acknowledged within the ack timeout is due
/// again (central deduplicates by seq); an ack or a rejection settles it; a dropped link empties the window (the
/// buffer hands the batches out again in the next session). The window is also what makes an ack believable: only the
/// seqs in it may be settled, whatever an ack lists.
/// </summary>
internal sealed class InFlightWindow(int capacity, TimeSpan ackTimeout)
{
    /// <summary>How many settled seqs are remembered, to tell a second ack after a resend from a forged one.</summary>
    public const int RememberedSettledSeqs = 1024;

    private readonly Dictionary<ulong, Entry> _bySeq = [];
    private readonly HashSet<ulong> _recentlySettled = [];
    private readonly Queue<ulong> _settledOrder = new();

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

    /// <summary>
    /// An ack lists these seqs: those in the window leave it and are returned in <see cref="SettledSeqs.InFlight"/>, the
    /// only ones the caller may delete. A seq settled a moment ago (a second ack after a resend) counts as
    /// <see cref="SettledSeqs.Repeated"/>; any other (never published in this session, or long settled) as
    /// <see cref="SettledSeqs.Unknown"/>: an ack nobody here asked for.
    /// </summary>
    public SettledSeqs Settle(IEnumerable<ulong> seqs)
    {
        ArgumentNullException.ThrowIfNull(seqs);
        var inFlight = new List<ulong>();
        var repeated = 0;
        var unknown = 0;
        foreach (var seq in seqs)
        {
            if (_bySeq.Remove(seq))
            {
                inFlight.Add(seq);
                Remember(seq);
            }
            else if (_recentlySettled.Contains(seq))
            {
                repeated++;
            }
            else
            {
                unknown++;
            }
        }

        return new SettledSeqs(inFlight, repeated, unknown);
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

    private void Remember(ulong seq)
    {
        if (!_recentlySettled.Add(seq))
        {
            return;
        }

        _settledOrder.Enqueue(seq);
        if (_settledOrder.Count > RememberedSettledSeqs)
        {
            _recentlySettled.Remove(_settledOrder.Dequeue());
        }
    }

    private sealed class Entry(StoredBatch batch, DateTimeOffset sentAt)
    {
        public StoredBatch Batch { get; } = batch;

        public DateTimeOffset SentAt { get; set; } = sentAt;
    }
}

/// <summary>What an ack's seqs were to the window: the settled ones (to delete), and how many were ignored.</summary>
internal sealed record SettledSeqs(IReadOnlyList<ulong> InFlight, int Repeated, int Unknown);
