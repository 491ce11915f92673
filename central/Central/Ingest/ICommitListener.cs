using City.Central.Model;
using City.Central.Store;

namespace City.Central.Ingest;

/// <summary>
/// Told by the ingest worker after each successful group commit, once the committed gateways' states are published and
/// before their acks go out: the live stream and the metrics implement it. Runs on the worker's thread: it must not
/// block nor do heavy work (hand it over to a thread of its own), and it must not throw.
/// </summary>
internal interface ICommitListener
{
    void Committed(CommittedGroup group);
}

/// <summary>What one group commit stored: how long the store took, and per committed gateway what changed.</summary>
internal sealed record CommittedGroup(TimeSpan CommitDuration, int Batches, long NowUnixMs, IReadOnlyList<CommittedGateway> Gateways);

/// <summary>
/// One gateway's part of a committed group: its state as now published, whether it was online before, the latest values
/// this group changed (one per point), its committed EVENTS batches and central's own events about it.
/// </summary>
internal sealed record CommittedGateway(
    GatewayState State,
    bool WasOnline,
    int Births,
    int Deaths,
    IReadOnlyList<LatestValue> ChangedLatest,
    IReadOnlyList<StoredBatch> EventBatches,
    IReadOnlyList<CentralEvent> CentralEvents);
