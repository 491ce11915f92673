using City.Central.State;
using City.Contract.Wire;

namespace City.Central.Store;

/// <summary>One accepted batch as stored: the envelope's identity, its time span, and the body as received.</summary>
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
    string BufferId = "");

/// <summary>An event central itself records about a gateway (a new buffer), served by /api/v1/events with the edges' events.</summary>
internal sealed record CentralEvent(string GatewayId, long TimestampUnixMs, string Point, string Text);

/// <summary>A gateway whose state changed in a commit; the flags say which of its large parts to rewrite.</summary>
internal sealed record GatewayChange(GatewayState State, bool CatalogueChanged, bool LatestChanged);

/// <summary>Everything one group commit writes, in one transaction.</summary>
internal sealed class CommitSet
{
    public List<StoredBatch> Batches { get; } = [];

    public List<GatewayChange> Gateways { get; } = [];

    public List<CentralEvent> Events { get; } = [];

    public bool IsEmpty => Batches.Count == 0 && Gateways.Count == 0 && Events.Count == 0;
}

/// <summary>
/// Central's storage. Implementations commit a <see cref="CommitSet"/> atomically (batches, seq ranges,
/// counters and latest values together) so the dedup state never disagrees with the data.
/// </summary>
internal interface IReadingStore : IDisposable
{
    /// <summary>False after a failed commit, until a commit succeeds again.</summary>
    bool IsHealthy { get; }

    /// <summary>Every known gateway with its catalogue, seq ranges, counters and latest values.</summary>
    IReadOnlyList<GatewayState> LoadGateways();

    /// <summary>Writes the whole set in one transaction; throws (and writes nothing) on failure.</summary>
    void Commit(CommitSet commit);

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
