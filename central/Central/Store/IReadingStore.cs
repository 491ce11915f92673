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
    long ReceivedUnixMs);

/// <summary>A gateway whose state changed in a commit; the flags say which of its large parts to rewrite.</summary>
internal sealed record GatewayChange(GatewayState State, bool CatalogueChanged, bool LatestChanged);

/// <summary>Everything one group commit writes, in one transaction.</summary>
internal sealed class CommitSet
{
    public List<StoredBatch> Batches { get; } = [];

    public List<GatewayChange> Gateways { get; } = [];

    public bool IsEmpty => Batches.Count == 0 && Gateways.Count == 0;

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
    /// damaged page only holds back the gateways whose data touches it. Returns the gateways whose part was
    /// not written (empty: everything committed); throws when nothing could be written.
    /// </summary>
    IReadOnlySet<string> Commit(CommitSet commit);

    /// <summary>
    /// The batches of a gateway whose time span overlaps [from, to], ordered by their first timestamp and
    /// read lazily (enumerate synchronously, on one thread). <paramref name="maxBatchSpanMs"/> is the
    /// largest tMax - tMin the gateway ever stored.
    /// </summary>
    IEnumerable<StoredBatch> FindBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs);

    /// <summary>As <see cref="FindBatches"/>, but only the gateway's EVENTS batches, without reading its telemetry.</summary>
    IEnumerable<StoredBatch> FindEventBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs);
}
