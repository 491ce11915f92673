using City.Central.Configuration;
using City.Central.Ingest;
using City.Central.Model;
using City.Central.Mqtt;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace City.Central.Tests;

/// <summary>The worker alone, with a store that can be made to fail and a broker link that records acks.</summary>
public sealed class IngestWorkerTests
{
    private sealed class FlakyStore : IReadingStore
    {
        public bool Fail { get; set; }

        /// <summary>A commit that holds this gateway fails, as one touching a damaged page would.</summary>
        public string? FailingGateway { get; set; }

        public List<CommitSet> Commits { get; } = [];

        public bool IsHealthy { get; private set; } = true;

        public string? Problem { get; private set; }

        public IReadOnlyList<GatewayState> LoadGateways() => [];

        /// <summary>As the real store: the whole set, or else each gateway's part on its own.</summary>
        public CommitResult Commit(CommitSet commit)
        {
            if (Fail)
            {
                IsHealthy = false;
                throw new IOException("disk full");
            }

            var failed = commit.SplitByGateway().Where(p => p.GatewayId == FailingGateway).Select(p => p.GatewayId).ToHashSet();
            if (failed.Count > 0)
            {
                Problem = "page 7 of test.db is damaged";
                var rest = commit.SplitByGateway().Where(p => p.GatewayId != FailingGateway).ToList();
                if (rest.Count == 0)
                {
                    IsHealthy = false;
                    throw new IOException(Problem);
                }

                Commits.AddRange(rest.Select(p => p.Part));
                IsHealthy = true;
                return new CommitResult(failed, new HashSet<BatchKey>());
            }

            IsHealthy = true;
            Commits.Add(commit);
            return CommitResult.Empty;
        }

        public IEnumerable<StoredBatch> FindBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) => [];

        public IEnumerable<StoredBatch> FindEventBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) => [];

        public IEnumerable<CentralEvent> FindCentralEvents(string gatewayId, long fromUnixMs, long toUnixMs) => [];

        public void Dispose()
        {
        }
    }

    private sealed class RecordingLink : IBrokerLink
    {
        public List<(string Topic, Ack Ack)> Published { get; } = [];

        public bool IsConnected => true;

        public Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
        {
            lock (Published)
            {
                Published.Add((topic, Ack.Parser.ParseFrom(payload)));
            }

            return Task.CompletedTask;
        }

        public Task StopIntakeAsync() => Task.CompletedTask;
    }

    private static IncomingMessage Data(string gateway, ulong seq)
    {
        var payload = BatchCodec.EncodeToBytes(new BatchHeader(gateway, 1, seq, 0), FakeGateway.SampleReadings(3));
        return new IncomingMessage(Topics.Data(gateway), payload, payload.Length, false);
    }

    [Fact]
    public async Task FailedCommit_SendsNoAck_AndLeavesTheDedupStateUntouched()
    {
        var store = new FlakyStore { Fail = true };
        var link = new RecordingLink();
        var registry = new GatewayRegistry(store.LoadGateways());
        var options = new CentralOptions { AllowedGateways = ["gw"] };
        var stats = new IngestStats(TimeProvider.System);
        using var worker = new IngestWorker(
            new IngestQueue(10), link, link, store, registry, stats,
            new RejectLog(NullLogger<RejectLog>.Instance, TimeProvider.System),
            Options.Create(options), TimeProvider.System, NullLogger<IngestWorker>.Instance);

        await worker.ProcessGroupAsync([Data("gw", 1), Data("gw", 2)]);
        Assert.Empty(link.Published);
        Assert.False(registry.TryGet("gw", out _));
        Assert.Equal(0, stats.BatchesAccepted);

        store.Fail = false;
        await worker.ProcessGroupAsync([Data("gw", 1), Data("gw", 2), Data("gw", 1)]);
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
        var link = new RecordingLink();
        var registry = new GatewayRegistry(store.LoadGateways());
        var stats = new IngestStats(TimeProvider.System);
        using var worker = new IngestWorker(
            new IngestQueue(10), link, link, store, registry, stats,
            new RejectLog(NullLogger<RejectLog>.Instance, TimeProvider.System),
            Options.Create(new CentralOptions { AllowedGateways = ["gw", "bad", "gw2"] }), TimeProvider.System, NullLogger<IngestWorker>.Instance);

        await worker.ProcessGroupAsync([Data("gw", 1), Data("bad", 1), Data("gw2", 1), Data("gw", 2)]);

        Assert.Equal(["city/v1/gw/ack", "city/v1/gw2/ack"], link.Published.Select(p => p.Topic).Order(StringComparer.Ordinal));
        Assert.Equal([1UL, 2UL], link.Published.Single(p => p.Topic == "city/v1/gw/ack").Ack.CommittedSeqs);
        Assert.False(registry.TryGet("bad", out _));
        Assert.Equal("1-2", registry.TryGet("gw", out var state) ? state.CommittedSeqs.ToString() : null);
        Assert.Equal(3, stats.BatchesAccepted);
        Assert.True(store.IsHealthy);

        // The failed gateway's batch is still new to central: its resend is stored once the store allows it.
        store.FailingGateway = null;
        await worker.ProcessGroupAsync([Data("bad", 1)]);
        Assert.Equal([1UL], link.Published.Single(p => p.Topic == "city/v1/bad/ack").Ack.CommittedSeqs);
    }
}
