using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.Edge.Buffer;

/// <summary>The size cap: eviction of old telemetry, and the EVENTS batches that report drops and device events.</summary>
internal sealed partial class BatchBuffer
{
    /// <summary>Deletes the oldest telemetry batches not in flight until <paramref name="needed"/> more bytes fit.</summary>
    private (int Batches, long Readings, BufferMeta State) Evict(BufferMeta state, long needed)
    {
        var batches = 0;
        long readings = 0;
        long afterId = long.MinValue;
        while (state.BytesUsed + needed > _budget.PayloadBytes)
        {
            var candidates = _batches.Query()
                .Where("_id > @0", afterId)
                .OrderBy("_id")
                .Select("{_id, kind, count, size}")
                .Limit(64)
                .ToList();
            if (candidates.Count == 0)
            {
                break;
            }

            foreach (var doc in candidates)
            {
                var id = doc["_id"].AsInt64;
                afterId = id;
                if (doc["kind"].AsInt32 != (int)BatchKind.Telemetry || _inFlight.Contains((ulong)id))
                {
                    continue;
                }

                var count = doc["count"].AsInt32;
                _batches.Delete(id);
                state = state.Removed(doc["size"].AsInt32, count) with { ReadingsDropped = state.ReadingsDropped + count };
                batches++;
                readings += count;
                if (state.BytesUsed + needed <= _budget.PayloadBytes)
                {
                    break;
                }
            }
        }

        return (batches, readings, state);
    }

    private (IReadOnlyList<Reading> Telemetry, List<Reading> Events) SplitEvents(IReadOnlyList<Reading> readings)
    {
        if (_eventAliases.Count == 0 || !readings.Any(r => _eventAliases.Contains(r.Alias)))
        {
            return (readings, []);
        }

        var telemetry = new List<Reading>(readings.Count);
        var events = new List<Reading>();
        foreach (var reading in readings)
        {
            (_eventAliases.Contains(reading.Alias) ? events : telemetry).Add(reading);
        }

        return (telemetry, events);
    }

    /// <summary>
    /// Adds one EVENTS batch with device events. Telemetry is evicted to make room; only when even that is not enough
    /// are the events dropped, and counted like any dropped reading.
    /// </summary>
    private BufferMeta AddEventBatch(BufferMeta state, List<Reading> events, long now, List<ulong> seqs, ref long stored, ref long dropped, ref int evicted)
    {
        var seq = state.NextSeq;
        var payload = BatchCodec.EncodeToBytes(Header(state, seq, now, BatchKind.Events), events);
        if (state.BytesUsed + payload.Length + EventReserveBytes > _budget.PayloadBytes)
        {
            var (batches, readingsEvicted, newState) = Evict(state, payload.Length + EventReserveBytes);
            state = newState;
            evicted += batches;
            dropped += readingsEvicted;
        }

        if (state.BytesUsed + payload.Length + EventReserveBytes > _budget.PayloadBytes)
        {
            dropped += events.Count;
            return state with { ReadingsDropped = state.ReadingsDropped + events.Count };
        }

        Insert(seq, BatchKind.Events, now, events.Count, payload, tag: null);
        seqs.Add(seq);
        stored += events.Count;
        return state.Added(payload.Length, events.Count) with { NextSeq = seq + 1, ReadingsBuffered = state.ReadingsBuffered + events.Count };
    }

    /// <summary>
    /// Adds an EVENTS batch with one reading of a reserved counter point. An older pending event of the same counter is
    /// superseded (it holds a smaller running total) and removed, so events never pile up against the size cap.
    /// </summary>
    private BufferMeta AddCounterEvent(BufferMeta state, string pointId, long total, long now, List<ulong> seqs) =>
        AddEventReading(state, pointId, new Reading(_aliasById[pointId], now, PointValue.FromNumber(total)), now, seqs, supersede: true);

    /// <summary>Adds an EVENTS batch with one reading of a reserved $edge point (tagged with the point id).</summary>
    private BufferMeta AddEventReading(BufferMeta state, string pointId, Reading reading, long now, List<ulong> seqs, bool supersede)
    {
        if (supersede)
        {
            foreach (var old in _batches.Query().Where("kind = @0", (int)BatchKind.Events).Select("{_id, count, size, tag}").ToList())
            {
                if (old["tag"] != pointId)
                {
                    continue;
                }

                var id = old["_id"].AsInt64;
                if (!_inFlight.Contains((ulong)id) && _batches.Delete(id))
                {
                    state = state.Removed(old["size"].AsInt32, old["count"].AsInt32);
                }
            }
        }

        var seq = state.NextSeq;
        state = state with { NextSeq = seq + 1 };
        var payload = BatchCodec.EncodeToBytes(Header(state, seq, now, BatchKind.Events), [reading]);
        Insert(seq, BatchKind.Events, now, 1, payload, pointId);
        seqs.Add(seq);
        return state.Added(payload.Length, 1);
    }
}
