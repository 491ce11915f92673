using City.Contract.Wire;
using LiteDB;

namespace City.Edge.Buffer;

/// <summary>The forwarder's side: batches handed out in sending order, kept in flight, deleted on ack.</summary>
internal sealed partial class BatchBuffer
{
    /// <summary>
    /// Up to <paramref name="max"/> batches not in flight, in sending order: EVENTS oldest first, then live batches
    /// (seq >= <paramref name="liveFromSeq"/>, i.e. committed since the link came up) oldest first, then the backlog
    /// oldest first. The batches returned are marked in flight until acknowledged or released.
    /// </summary>
    public IReadOnlyList<StoredBatch> TakePending(int max, ulong liveFromSeq)
    {
        var result = new List<StoredBatch>();
        if (max <= 0)
        {
            return result;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!EnsureStore())
            {
                return result;
            }

            try
            {
                TakePendingFromStore(result, max, liveFromSeq);
            }
            catch (Exception ex) when (IsDamage(ex) || IsDiskFullError(ex))
            {
                // What was taken so far goes out; the next write finds the failure again and recovers the store.
                LogStoreFailed(_logger, ex, Path);
                CloseStore();
                _checkOnReopen = true;
            }
        }

        return result;
    }

    private void TakePendingFromStore(List<StoredBatch> result, int max, ulong liveFromSeq)
    {
        // EVENTS first, oldest first. They are found through the kind index and ordered here: an OrderBy("_id") on a
        // query that uses another index makes LiteDB sort in a container of 800 KB allocated per query (one per
        // forwarder wake-up), though there are usually no events at all.
        var skip = _inFlight.Count;
        var eventSeqs = EventSeqs();
        foreach (var seq in eventSeqs)
        {
            if (_inFlight.Contains(seq))
            {
                continue;
            }

            if (result.Count >= max || _batches.FindById((long)seq) is not { } doc || !TryTake(doc, result, max))
            {
                break;
            }
        }

        // The telemetry queries use the _id index, in its own order: no sort.
        var live = (long)Math.Min(liveFromSeq, long.MaxValue);
        if (result.Count < max)
        {
            foreach (var doc in _batches.Query().Where("_id >= @0", live).OrderBy("_id").Limit(max - result.Count + skip + eventSeqs.Count).ToEnumerable())
            {
                if (!TryTake(doc, result, max))
                {
                    break;
                }
            }
        }

        if (result.Count < max)
        {
            foreach (var doc in _batches.Query().Where("_id < @0", live).OrderBy("_id").Limit(max - result.Count + skip + eventSeqs.Count).ToEnumerable())
            {
                if (!TryTake(doc, result, max))
                {
                    break;
                }
            }
        }
    }

    /// <summary>Puts a batch in flight back to pending (its publish failed or the link dropped).</summary>
    public void Release(ulong seq)
    {
        lock (_gate)
        {
            _inFlight.Remove(seq);
        }
    }

    /// <summary>Every batch in flight goes back to pending (the link dropped).</summary>
    public void ReleaseAll()
    {
        lock (_gate)
        {
            _inFlight.Clear();
        }
    }

    /// <summary>
    /// Applies an ack: committed batches are deleted (counted as acked), rejected ones deleted and counted as rejected,
    /// with an EVENTS batch carrying the running rejected total. One transaction. Only batches in flight (handed out by
    /// <see cref="TakePending"/> and not released since) are deleted: a seq never handed out cannot have been acknowledged,
    /// and is ignored like an unknown one (a duplicate ack, or a batch already gone).
    /// </summary>
    public (int Acked, long ReadingsAcked, int Rejected) Acknowledge(IReadOnlyCollection<ulong> committed, IReadOnlyCollection<ulong>? rejected = null)
    {
        ArgumentNullException.ThrowIfNull(committed);
        rejected ??= [];
        var acked = 0;
        long readingsAcked = 0;
        var rejectedCount = 0;
        var newSeqs = new List<ulong>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var state = _state;
            var written = TryWrite(() => InTransaction(() =>
            {
                (state, acked, readingsAcked, rejectedCount) = (_state, 0, 0, 0);
                newSeqs.Clear();
                foreach (var seq in committed)
                {
                    if (_inFlight.Contains(seq) && TryDelete(seq, out var count, out var size))
                    {
                        acked++;
                        readingsAcked += count;
                        state = state.Removed(size, count) with { BatchesAcked = state.BatchesAcked + 1, ReadingsAcked = state.ReadingsAcked + count };
                    }
                }

                foreach (var seq in rejected)
                {
                    if (_inFlight.Contains(seq) && TryDelete(seq, out var count, out var size))
                    {
                        rejectedCount++;
                        state = state.Removed(size, count) with { BatchesRejected = state.BatchesRejected + 1, ReadingsRejected = state.ReadingsRejected + count };
                    }
                }

                if (rejectedCount > 0)
                {
                    state = AddCounterEvent(state, RejectedBatchesPointId, state.BatchesRejected, _time.GetUtcNow().ToUnixTimeMilliseconds(), newSeqs);
                }

                state = AddPendingEvents(state, _time.GetUtcNow().ToUnixTimeMilliseconds(), newSeqs, droppedHere: false);
                if (acked + rejectedCount + newSeqs.Count > 0)
                {
                    _meta.Upsert(state.ToDocument());
                }
            }));

            if (written)
            {
                _state = state;
                PendingEventsWritten();
            }
            else
            {
                // Not recorded (full disk): the batches go back to pending and are sent again later; central acks duplicates.
                (acked, readingsAcked, rejectedCount) = (0, 0, 0);
                newSeqs.Clear();
            }

            foreach (var seq in committed)
            {
                _inFlight.Remove(seq);
            }

            foreach (var seq in rejected)
            {
                _inFlight.Remove(seq);
            }
        }

        if (newSeqs.Count > 0)
        {
            BatchesCommitted?.Invoke();
        }

        return (acked, readingsAcked, rejectedCount);
    }

    /// <summary>The seqs of the EVENTS batches, oldest first (only their ids are kept: the payloads stay on disk).</summary>
    private List<ulong> EventSeqs()
    {
        var seqs = new List<ulong>();
        foreach (var id in _batches.Query().Where("kind = @0", (int)BatchKind.Events).Select("{_id}").ToEnumerable())
        {
            seqs.Add((ulong)id["_id"].AsInt64);
        }

        seqs.Sort();
        return seqs;
    }

    private bool TryTake(BsonDocument doc, List<StoredBatch> result, int max)
    {
        if (result.Count >= max)
        {
            return false;
        }

        var seq = (ulong)doc["_id"].AsInt64;
        if (_inFlight.Contains(seq) || result.Exists(b => b.Seq == seq))
        {
            return true;
        }

        _inFlight.Add(seq);
        if (_tail?.Seq == seq)
        {
            _tail = null;
        }

        result.Add(new StoredBatch(seq, (BatchKind)doc["kind"].AsInt32, doc["created"].AsInt64, doc["count"].AsInt32, doc["payload"].AsBinary));
        return true;
    }
}
