using City.Central.Configuration;
using City.Central.Ingest;
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

        public List<CommitSet> Commits { get; } = [];

        public bool IsHealthy => !Fail;

        public IReadOnlyList<GatewayState> LoadGateways() => [];

        public void Commit(CommitSet commit)
        {
            if (Fail)
            {
                throw new IOException("disk full");
            }

            Commits.Add(commit);
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
        var registry = new GatewayRegistry(store);
        var options = new CentralOptions { AllowedGateways = ["gw"] };
        var stats = new IngestStats(TimeProvider.System);
        using var worker = new IngestWorker(
            new IngestQueue(10), link, store, registry, stats,
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
}
