using City.Central.Model;
using City.Contract.Wire;

namespace City.Central.Store;

/// <summary>
/// One accepted batch as stored: the envelope's identity, its time span, and the body as received. The span covers
/// only the readings inside central's timestamp window; a reading of the body outside [TMin, TMax] is one central
/// flagged (when none was inside, the span is the receive time).
/// </summary>
internal sealed record StoredBatch(
    string GatewayId,
    ulong Seq,
    ulong Epoch,
    BatchKind Kind,
    long TMinUnixMs,
    long TMaxUnixMs,
    int ReadingCount,
    Compression Compression,
    byte[] Body,
    long ReceivedUnixMs,
    string BufferId = "")
{
    private const long MsPerDay = 86_400_000;

    /// <summary>The days (<see cref="DayOf"/>) of the flagged readings, for the store to index; empty when there are none.</summary>
    public IReadOnlyList<long> OutOfWindowDays { get; init; } = [];

    /// <summary>Flagged readings on too many days to list: every history query of the gateway reads this batch.</summary>
    public bool OutOfWindowAnyDay { get; init; }

    /// <summary>CRC-32C of <see cref="Body"/> as received (null for batches stored before central kept it): the verifier checks it.</summary>
    public uint? BodyCrc32C { get; init; }

    /// <summary>The body holds flagged readings, which may lie before <see cref="TMinUnixMs"/>.</summary>
    public bool HasOutOfWindowReadings => OutOfWindowAnyDay || OutOfWindowDays.Count > 0;

    /// <summary>Unix ms / 86,400,000, rounded down (also for times before 1970 and before year 1).</summary>
    public static long DayOf(long unixMs) => unixMs >= 0 ? unixMs / MsPerDay : ((unixMs + 1) / MsPerDay) - 1;

    /// <summary>True for a reading central flagged when the batch arrived.</summary>
    public bool IsOutOfWindow(long unixMs) => unixMs < TMinUnixMs || unixMs > TMaxUnixMs;
}

/// <summary>An event central itself records about a gateway (a new buffer), served by /api/v1/events with the edges' events.</summary>
internal sealed record CentralEvent(string GatewayId, long TimestampUnixMs, string Point, string Text);

/// <summary>
/// A gateway whose state changed in a commit; the flags say which of its large parts to rewrite. <paramref name="SeqsCleared"/>:
/// an admin's reset cleared its committed seqs, so the store forgets the seqs it holds instead of keeping them.
/// </summary>
internal sealed record GatewayChange(GatewayState State, bool CatalogueChanged, bool LatestChanged, bool SeqsCleared = false);

/// <summary>A batch's identity: its gateway, the buffer it came from and its seq in that buffer.</summary>
internal readonly record struct BatchKey(string GatewayId, string BufferId, ulong Seq)
{
    public static BatchKey Of(StoredBatch batch) => new(batch.GatewayId, batch.BufferId, batch.Seq);
}

/// <summary>
/// What a commit did: the gateways whose part was not written (their edges get no ack and resend), and the batches
/// the store already held (skipped with their readings in the same transaction: the worker acks them as duplicates).
/// </summary>
internal sealed record CommitResult(IReadOnlySet<string> FailedGateways, IReadOnlySet<BatchKey> AlreadyStored)
{
    public static CommitResult Empty { get; } = new(new HashSet<string>(), new HashSet<BatchKey>());
}

/// <summary>Everything one group commit writes, in one transaction.</summary>
internal sealed class CommitSet
{
    public List<StoredBatch> Batches { get; } = [];

    public List<GatewayChange> Gateways { get; } = [];

    /// <summary>Central's own events (a new buffer), stored in the same transaction.</summary>
    public List<CentralEvent> Events { get; } = [];

    public bool IsEmpty => Batches.Count == 0 && Gateways.Count == 0 && Events.Count == 0;

    /// <summary>One set per gateway, each holding that gateway's batches and state changes.</summary>
    public IReadOnlyList<(string GatewayId, CommitSet Part)> SplitByGateway()
    {
        var parts = new Dictionary<string, CommitSet>(StringComparer.Ordinal);
        CommitSet PartOf(string gatewayId)
        {
            if (!parts.TryGetValue(gatewayId, out var part))
            {
                part = new CommitSet();
                parts.Add(gatewayId, part);
            }

            return part;
        }

        foreach (var batch in Batches)
        {
            PartOf(batch.GatewayId).Batches.Add(batch);
        }

        foreach (var change in Gateways)
        {
            PartOf(change.State.Id).Gateways.Add(change);
        }

        foreach (var centralEvent in Events)
        {
            PartOf(centralEvent.GatewayId).Events.Add(centralEvent);
        }

        return [.. parts.Select(p => (p.Key, p.Value))];
    }
}

/// <summary>
/// Central's storage. Implementations commit a <see cref="CommitSet"/> atomically (batches, seq ranges,
/// counters and latest values together) so the dedup state never disagrees with the data.
/// </summary>
internal interface IReadingStore : IDisposable
{
    /// <summary>False after a commit that stored nothing, until a commit succeeds again.</summary>
    bool IsHealthy { get; }

    /// <summary>The last store error seen (naming the file, the operation and the error), or null; kept until restart.</summary>
    string? Problem { get; }

    /// <summary>Every known gateway with its catalogue, seq ranges, counters and latest values.</summary>
    IReadOnlyList<GatewayState> LoadGateways();

    /// <summary>
    /// Writes the whole set in one transaction. If that fails, commits each gateway's part on its own, so a
    /// damaged page only holds back the gateways whose data touches it. A batch whose (gateway, buffer id, seq) the
    /// store already holds is skipped, with its readings and its share of the gateway's counters, in the same
    /// transaction, and listed in <see cref="CommitResult.AlreadyStored"/>: the store decides duplicates, the
    /// worker's memory is only a fast path. Returns the gateways whose part was not written (empty: everything
    /// committed) and the batches skipped; throws when nothing could be written.
    /// </summary>
    CommitResult Commit(CommitSet commit);

    /// <summary>
    /// The batches of a gateway whose time span overlaps [from, to], ordered by their first timestamp and
    /// read lazily (enumerate synchronously, on one thread). <paramref name="maxBatchSpanMs"/> is the
    /// largest tMax - tMin the gateway ever stored.
    /// </summary>
    IEnumerable<StoredBatch> FindBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs);

    /// <summary>As <see cref="FindBatches"/>, but only the gateway's EVENTS batches, without reading its telemetry.</summary>
    IEnumerable<StoredBatch> FindEventBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs);

    /// <summary>Central's own events about a gateway with a timestamp in [from, to], oldest first.</summary>
    IEnumerable<CentralEvent> FindCentralEvents(string gatewayId, long fromUnixMs, long toUnixMs);
}
