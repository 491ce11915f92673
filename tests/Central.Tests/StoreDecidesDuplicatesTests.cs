using City.Central.Configuration;
using City.Central.Ingest;
using City.Central.Model;
using City.Central.Mqtt;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace City.Central.Tests;

/// <summary>
/// The store decides duplicates (several centrals write one database; a worker's memory is only a fast path): a batch the
/// store already holds is skipped in the commit, reported as already stored, and acked as a duplicate.
/// </summary>
public sealed class StoreDecidesDuplicatesTests
{
    private sealed class RecordingLink : IBrokerLink
    {
        private readonly Func<bool>? _committed;

        public RecordingLink(Func<bool>? committed = null)
        {
            _committed = committed;
        }

        public List<(string Topic, Ack Ack, bool AfterCommit)> Published { get; } = [];

        public bool IsConnected => true;

        public Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
        {
            lock (Published)
            {
                Published.Add((topic, Ack.Parser.ParseFrom(payload), _committed?.Invoke() ?? true));
            }

            return Task.CompletedTask;
        }

        public Task StopIntakeAsync() => Task.CompletedTask;
    }

    /// <summary>A store whose commit waits until released, and which says the first batch was already stored.</summary>
    private sealed class SlowStore : IReadingStore
    {
        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public bool Committed { get; private set; }

        public bool IsHealthy => true;

        public string? Problem => null;

        public IReadOnlyList<GatewayState> LoadGateways() => [];

        public CommitResult Commit(CommitSet commit)
        {
            Entered.Set();
            Release.Wait(TimeSpan.FromSeconds(30));
            Committed = true;
            return new CommitResult(new HashSet<string>(), new HashSet<BatchKey> { BatchKey.Of(commit.Batches[0]) });
        }

        public IEnumerable<StoredBatch> FindBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) => [];

        public IEnumerable<StoredBatch> FindEventBatches(string gatewayId, long fromUnixMs, long toUnixMs, long maxBatchSpanMs) => [];

        public IEnumerable<CentralEvent> FindCentralEvents(string gatewayId, long fromUnixMs, long toUnixMs) => [];

        public void Dispose()
        {
            Entered.Dispose();
            Release.Dispose();
        }
    }

    private static IncomingMessage Data(string gateway, ulong seq, string bufferId = "buf-1")
    {
        var payload = BatchCodec.EncodeToBytes(new BatchHeader(gateway, 1, seq, 0, BufferId: bufferId), FakeGateway.SampleReadings(3));
        return new IncomingMessage(Topics.Data(gateway), payload, payload.Length, false);
    }

    private static IngestWorker Worker(IReadingStore store, IBrokerLink link, GatewayRegistry registry, IngestStats stats) => new(
        new IngestQueue(10), link, link, store, registry, stats,
        new RejectLog(NullLogger<RejectLog>.Instance, TimeProvider.System),
        Options.Create(new CentralOptions { AllowedGateways = ["gw"] }), TimeProvider.System, NullLogger<IngestWorker>.Instance);

    private static StoredBatch Stored(ulong seq, string bufferId = "buf-1")
    {
        var batch = BatchCodec.Encode(new BatchHeader("gw", 1, seq, 0, BufferId: bufferId), FakeGateway.SampleReadings(3, endUnixMs: 10_000));
        return new StoredBatch("gw", seq, 1, batch.Kind, 8_000, 10_000, (int)batch.ReadingCount, batch.Compression, batch.Body.ToByteArray(), 0, bufferId);
    }

    private static GatewayChange Change(GatewayState state, params ulong[] seqs)
    {
        foreach (var seq in seqs)
        {
            state.Streams["buf-1"].Seqs.Add(seq);
        }

        return new GatewayChange(state, false, false);
    }

    private static GatewayState NewState()
    {
        var state = new GatewayState("gw");
        state.SwitchTo("buf-1", 1);
        return state;
    }

    [Fact]
    public void LiteDb_BatchAlreadyInTheFile_IsSkippedAndReported_AndItsSeqsAndCountersAreNotLost()
    {
        using var store = new LiteDbReadingStore(CentralHost.NewDataPath(), syncCommits: false);
        var first = new CommitSet();
        first.Batches.AddRange([Stored(1), Stored(2)]);
        var state = NewState();
        state.BatchesReceived = 2;
        state.ReadingsReceived = 2 * first.Batches[0].ReadingCount;
        first.Gateways.Add(Change(state, 1, 2));
        Assert.Empty(store.Commit(first).AlreadyStored);

        // A writer whose memory never saw seqs 1 and 2 (another instance, or a lost commit result) offers 2 and 3.
        var second = new CommitSet();
        second.Batches.AddRange([Stored(2), Stored(3)]);
        var blind = NewState();
        blind.BatchesReceived = 2;
        blind.ReadingsReceived = 2 * first.Batches[0].ReadingCount;
        second.Gateways.Add(Change(blind, 2, 3));
        var result = store.Commit(second);

        Assert.Equal([new BatchKey("gw", "buf-1", 2)], result.AlreadyStored);
        Assert.Empty(result.FailedGateways);
        Assert.Equal([1UL, 2UL, 3UL], store.FindBatches("gw", 0, 100_000, 2_000).Select(b => b.Seq));
        var stored = Assert.Single(store.LoadGateways());
        Assert.Equal("1-3", stored.Streams["buf-1"].Seqs.ToString());
        Assert.Equal(3, stored.BatchesReceived);
        Assert.Equal(3 * first.Batches[0].ReadingCount, stored.ReadingsReceived);

        // Seq 1 was not in the blind writer's memory either: the union kept it, so it is still a duplicate.
        var third = new CommitSet();
        third.Batches.Add(Stored(1));
        third.Gateways.Add(Change(NewState(), 1));
        Assert.Equal([new BatchKey("gw", "buf-1", 1)], store.Commit(third).AlreadyStored);
        Assert.Equal(3, store.FindBatches("gw", 0, 100_000, 2_000).Count());
    }

    [Fact]
    public async Task BatchTheStoreHadThoughTheWorkersMemoryDidNot_IsAckedAsDuplicate_AndStoredOnce()
    {
        using var store = new LiteDbReadingStore(CentralHost.NewDataPath(), syncCommits: false);
        var earlierLink = new RecordingLink();
        using (var earlier = Worker(store, earlierLink, new GatewayRegistry([]), new IngestStats(TimeProvider.System)))
        {
            await earlier.ProcessGroupAsync([Data("gw", 1), Data("gw", 2)]);
        }

        // This worker's memory starts empty: it has never heard of gw.
        var link = new RecordingLink();
        var registry = new GatewayRegistry([]);
        var stats = new IngestStats(TimeProvider.System);
        using var worker = Worker(store, link, registry, stats);
        await worker.ProcessGroupAsync([Data("gw", 2), Data("gw", 3)]);

        var (topic, ack, _) = Assert.Single(link.Published);
        Assert.Equal("city/v1/gw/ack", topic);
        Assert.Equal([2UL, 3UL], ack.CommittedSeqs);
        Assert.Equal(1, stats.BatchesAccepted);
        Assert.Equal(1, stats.DuplicateBatches);
        Assert.Equal([1UL, 2UL, 3UL], store.FindBatches("gw", 0, long.MaxValue / 2, 60_000).Select(b => b.Seq));
        Assert.Equal("2-3", registry.TryGet("gw", out var state) ? state.Streams["buf-1"].Seqs.ToString() : null);
        Assert.Equal(3, Assert.Single(store.LoadGateways()).BatchesReceived);
    }

    [Fact]
    public async Task Acks_GoOutOnlyAfterTheCommitReturned_AlreadyStoredOnesAsDuplicates()
    {
        using var store = new SlowStore();
        var link = new RecordingLink(() => store.Committed);
        var stats = new IngestStats(TimeProvider.System);
        using var worker = Worker(store, link, new GatewayRegistry([]), stats);

        var processing = Task.Run(() => worker.ProcessGroupAsync([Data("gw", 1), Data("gw", 2)]));
        Assert.True(store.Entered.Wait(TimeSpan.FromSeconds(30)));
        Assert.Empty(link.Published);
        store.Release.Set();
        await processing;

        var (_, ack, afterCommit) = Assert.Single(link.Published);
        Assert.True(afterCommit);
        Assert.Equal([1UL, 2UL], ack.CommittedSeqs);
        Assert.Equal(1, stats.BatchesAccepted);
        Assert.Equal(1, stats.DuplicateBatches);
    }
}
