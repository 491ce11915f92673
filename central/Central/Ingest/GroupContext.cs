using City.Central.Model;
using City.Central.State;
using City.Central.Store;
using City.Contract.Wire;

namespace City.Central.Ingest;

/// <summary>
/// The work of one group: copies of the gateways it touches (published only after the commit),
/// the batches to store, the acks to send and the counters to add.
/// </summary>
internal sealed class GroupContext(long nowUnixMs)
{
    public long NowUnixMs { get; } = nowUnixMs;

    /// <summary>The timestamps believed in this group (around <see cref="NowUnixMs"/>).</summary>
    public TimestampWindow Window { get; init; } = new(long.MinValue, long.MaxValue);

    public Dictionary<string, PendingGateway> Pending { get; } = new(StringComparer.Ordinal);

    public List<StoredBatch> Batches { get; } = [];

    /// <summary>Central's own events (a new buffer), stored in the same transaction.</summary>
    public List<CentralEvent> Events { get; } = [];

    /// <summary>Admins' resets applied in this group, completed once the commit is known.</summary>
    public List<(GatewayReset Reset, GatewayResetResult Result)> Resets { get; } = [];

    /// <summary>The gateway's state as this group sees it: the group's copy, else the published state, else null (unknown).</summary>
    public GatewayState? Current(string gatewayId, GatewayRegistry registry) =>
        Pending.TryGetValue(gatewayId, out var pending) ? pending.State
        : registry.TryGet(gatewayId, out var published) ? published
        : null;

    /// <summary>The group's copy of a gateway, made from the published state (or new) at first use.</summary>
    public PendingGateway Get(string gatewayId, GatewayRegistry registry)
    {
        if (!Pending.TryGetValue(gatewayId, out var pending))
        {
            var state = registry.TryGet(gatewayId, out var published) ? published.Clone() : new GatewayState(gatewayId);
            pending = new PendingGateway(state) { Dirty = !registry.TryGet(gatewayId, out _) };
            Pending.Add(gatewayId, pending);
        }

        return pending;
    }

    public CommitSet BuildCommit()
    {
        var commit = new CommitSet();
        commit.Batches.AddRange(Batches);
        commit.Events.AddRange(Events);
        foreach (var pending in Pending.Values)
        {
            if (pending.Dirty || pending.CatalogueChanged || pending.LatestChanged)
            {
                commit.Gateways.Add(new GatewayChange(pending.State, pending.CatalogueChanged, pending.LatestChanged, pending.SeqsCleared));
            }
        }

        return commit;
    }
}

/// <summary>A gateway's state being changed by a group, and the ack it will get.</summary>
internal sealed class PendingGateway(GatewayState state)
{
    private Dictionary<uint, LatestValue>? _latest;
    private Dictionary<uint, LatestValue>? _changed;

    public GatewayState State { get; } = state;

    public bool Dirty { get; set; }

    public bool CatalogueChanged { get; set; }

    /// <summary>An admin's reset cleared the committed seqs in this group: the store forgets its own too.</summary>
    public bool SeqsCleared { get; set; }

    public bool LatestChanged => _latest is not null;

    /// <summary>The latest values this group changed, one per point (the live stream shows them after the commit).</summary>
    public IReadOnlyList<LatestValue> ChangedLatest => _changed is null ? [] : [.. _changed.Values];

    public AckBuilder Ack { get; } = new();

    // Counted per gateway: only the gateways whose part of the group was committed add to the stats.
    public long AcceptedBatches { get; set; }

    public long AcceptedReadings { get; set; }

    public long DuplicateBatches { get; set; }

    public long DuplicateReadings { get; set; }

    public long Births { get; set; }

    /// <summary>The last birth accepted in this group (its site and lamps go to the assets after the commit).</summary>
    public Birth? Birth { get; set; }

    public long Deaths { get; set; }

    public long OutOfWindowFuture { get; set; }

    public long OutOfWindowTooOld { get; set; }

    public long OutOfWindowInvalid { get; set; }

    /// <summary>Forgets every latest value (a reset); the store rewrites the gateway's latest values as empty.</summary>
    public void ClearLatest()
    {
        _latest = [];
        _changed = null;
        State.Latest = _latest;
    }

    /// <summary>Keeps the value when it is at least as recent as the one known for its point.</summary>
    public void OfferLatest(LatestValue value)
    {
        if (State.Latest.TryGetValue(value.Alias, out var current) && current.TimestampUnixMs > value.TimestampUnixMs)
        {
            return;
        }

        if (_latest is null)
        {
            _latest = new Dictionary<uint, LatestValue>(State.Latest);
            State.Latest = _latest;
        }

        _latest[value.Alias] = value;
        (_changed ??= [])[value.Alias] = value;
    }
}

/// <summary>The seqs to acknowledge to one gateway: committed ones, and rejected ones grouped by reason.</summary>
internal sealed class AckBuilder
{
    public SortedSet<ulong> Committed { get; } = [];

    public SortedDictionary<string, SortedSet<ulong>> Rejected { get; } = new(StringComparer.Ordinal);

    public void Reject(ulong seq, string reason)
    {
        if (!Rejected.TryGetValue(reason, out var seqs))
        {
            seqs = [];
            Rejected.Add(reason, seqs);
        }

        seqs.Add(seq);
    }

    /// <summary>One Ack message, plus one per further reject reason (an Ack carries a single reason).</summary>
    public IEnumerable<Ack> Build()
    {
        if (Committed.Count == 0 && Rejected.Count == 0)
        {
            yield break;
        }

        var first = new Ack();
        first.CommittedSeqs.AddRange(Committed);
        var reasons = Rejected.GetEnumerator();
        if (reasons.MoveNext())
        {
            first.RejectedSeqs.AddRange(reasons.Current.Value);
            first.RejectReason = reasons.Current.Key;
        }

        yield return first;
        while (reasons.MoveNext())
        {
            var next = new Ack { RejectReason = reasons.Current.Key };
            next.RejectedSeqs.AddRange(reasons.Current.Value);
            yield return next;
        }
    }
}
