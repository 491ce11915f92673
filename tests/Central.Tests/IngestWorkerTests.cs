using City.Central.Ingest;
using City.Central.State;

namespace City.Central.Tests;

/// <summary>The worker alone, with a store that can be made to fail and a broker link that records acks.</summary>
public sealed class IngestWorkerTests
{
    [Fact]
    public async Task FailedCommit_SendsNoAck_AndLeavesTheDedupStateUntouched()
    {
        var store = new FlakyStore { Fail = true };
        var link = new AckRecordingLink();
        var registry = new GatewayRegistry(store.LoadGateways());
        var stats = new IngestStats(TimeProvider.System);
        using var worker = IngestWorkerRig.Worker(store, link, registry, stats, "gw");

        await worker.ProcessGroupAsync([IngestWorkerRig.Data("gw", 1), IngestWorkerRig.Data("gw", 2)]);
        Assert.Empty(link.Published);
        Assert.False(registry.TryGet("gw", out _));
        Assert.Equal(0, stats.BatchesAccepted);

        store.Fail = false;
        await worker.ProcessGroupAsync([IngestWorkerRig.Data("gw", 1), IngestWorkerRig.Data("gw", 2), IngestWorkerRig.Data("gw", 1)]);
        var (topic, ack) = Assert.Single(link.Published);
        Assert.Equal("city/v1/gw/ack", topic);
        Assert.Equal([1UL, 2UL], ack.CommittedSeqs);
        Assert.Equal(2, Assert.Single(store.Commits).Batches.Count);
        Assert.True(registry.TryGet("gw", out var state));
        Assert.Equal("1-2", state.CommittedSeqs.ToString());
        Assert.Equal(2, stats.BatchesAccepted);
        Assert.Equal(1, stats.DuplicateBatches);
    }

    [Fact]
    public async Task CommitFailingForOneGateway_TheOthersAreCommittedAndAcked_TheFailedBatchIsNot()
    {
        var store = new FlakyStore { FailingGateway = "bad" };
        var link = new AckRecordingLink();
        var registry = new GatewayRegistry(store.LoadGateways());
        var stats = new IngestStats(TimeProvider.System);
        using var worker = IngestWorkerRig.Worker(store, link, registry, stats, "gw", "bad", "gw2");

        await worker.ProcessGroupAsync([IngestWorkerRig.Data("gw", 1), IngestWorkerRig.Data("bad", 1), IngestWorkerRig.Data("gw2", 1), IngestWorkerRig.Data("gw", 2)]);

        Assert.Equal(["city/v1/gw/ack", "city/v1/gw2/ack"], link.Published.Select(p => p.Topic).Order(StringComparer.Ordinal));
        Assert.Equal([1UL, 2UL], link.Published.Single(p => p.Topic == "city/v1/gw/ack").Ack.CommittedSeqs);
        Assert.False(registry.TryGet("bad", out _));
        Assert.Equal("1-2", registry.TryGet("gw", out var state) ? state.CommittedSeqs.ToString() : null);
        Assert.Equal(3, stats.BatchesAccepted);
        Assert.True(store.IsHealthy);

        // The failed gateway's batch is still new to central: its resend is stored once the store allows it.
        store.FailingGateway = null;
        await worker.ProcessGroupAsync([IngestWorkerRig.Data("bad", 1)]);
        Assert.Equal([1UL], link.Published.Single(p => p.Topic == "city/v1/bad/ack").Ack.CommittedSeqs);
    }
}
