using System.Collections;
using City.Central.Configuration;
using City.Central.Ingest;
using City.Central.Model;
using City.Central.Mqtt;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace City.Central.Tests;

/// <summary>
/// <c>internal-error</c>: a message whose handling throws is counted under that reason and gets no ack (its edge resends),
/// while the other messages of its group are committed and acknowledged and the worker goes on. The fault comes from a
/// store double: it loads one gateway whose latest values cannot be read, as a store reading them lazily from a damaged
/// page would.
/// </summary>
public sealed class IngestInternalErrorTests
{
    /// <summary>Latest values that fail on every read, as a lazy read of an unreadable page would.</summary>
    private sealed class UnreadableLatest : IReadOnlyDictionary<uint, LatestValue>
    {
        private static IOException Unreadable() => new("page 12 of central.db cannot be read");

        public LatestValue this[uint key] => throw Unreadable();

        public IEnumerable<uint> Keys => throw Unreadable();

        public IEnumerable<LatestValue> Values => throw Unreadable();

        public int Count => throw Unreadable();

        public bool ContainsKey(uint key) => throw Unreadable();

        public bool TryGetValue(uint key, out LatestValue value) => throw Unreadable();

        public IEnumerator<KeyValuePair<uint, LatestValue>> GetEnumerator() => throw Unreadable();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Loads two gateways, "broken" with unreadable latest values and "fine"; records what it commits.</summary>
    private sealed class StoreWithAnUnreadableGateway : IReadingStore
    {
        public List<CommitSet> Commits { get; } = [];

        public bool IsHealthy => true;

        public string? Problem => null;

        public IReadOnlyList<GatewayState> LoadGateways() =>
            [new GatewayState("broken") { HasBirth = true, Latest = new UnreadableLatest() }, new GatewayState("fine") { HasBirth = true }];

        public CommitResult Commit(CommitSet commit)
        {
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
    public async Task A_message_whose_handling_throws_is_an_internal_error_without_ack_and_the_rest_of_its_group_is_committed()
    {
        var store = new StoreWithAnUnreadableGateway();
        var link = new RecordingLink();
        var registry = new GatewayRegistry(store.LoadGateways());
        var stats = new IngestStats(TimeProvider.System);
        using var worker = new IngestWorker(
            new IngestQueue(10), link, link, store, registry, stats,
            new RejectLog(NullLogger<RejectLog>.Instance, TimeProvider.System),
            Options.Create(new CentralOptions { AllowedGateways = ["broken", "fine"] }), TimeProvider.System, NullLogger<IngestWorker>.Instance);

        await worker.ProcessGroupAsync([Data("fine", 1), Data("broken", 1), Data("fine", 2)]);

        Assert.Equal(1, stats.RejectedFor(IngestWorker.ReasonInternalError));
        var (topic, ack) = Assert.Single(link.Published);
        Assert.Equal(Topics.Ack("fine"), topic);
        Assert.Equal([1UL, 2UL], ack.CommittedSeqs);
        Assert.Equal(["fine"], Assert.Single(store.Commits).Batches.Select(b => b.GatewayId).Distinct());
        Assert.Equal(2, stats.BatchesAccepted);
        Assert.True(registry.TryGet("broken", out var broken));
        Assert.Equal(0, broken.CommittedSeqs.Count); // not stored, not taken as committed: its resend is still new

        // The worker goes on: the next group is handled as usual, and the broken gateway's resend fails the same way.
        await worker.ProcessGroupAsync([Data("broken", 1), Data("fine", 3)]);
        Assert.Equal(2, stats.RejectedFor(IngestWorker.ReasonInternalError));
        Assert.Equal([3UL], link.Published[^1].Ack.CommittedSeqs);
        Assert.Equal(3, stats.BatchesAccepted);
        Assert.DoesNotContain(link.Published, p => p.Topic == Topics.Ack("broken"));
    }
}
