using System.Collections;
using City.Central.Ingest;
using City.Central.Model;
using City.Central.State;
using City.Contract;

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

    [Fact]
    public async Task A_message_whose_handling_throws_is_an_internal_error_without_ack_and_the_rest_of_its_group_is_committed()
    {
        var store = new FlakyStore([new GatewayState("broken") { HasBirth = true, Latest = new UnreadableLatest() }, new GatewayState("fine") { HasBirth = true }]);
        var link = new AckRecordingLink();
        var registry = new GatewayRegistry(store.LoadGateways());
        var stats = new IngestStats(TimeProvider.System);
        using var worker = IngestWorkerRig.Worker(store, link, registry, stats, "broken", "fine");

        await worker.ProcessGroupAsync([IngestWorkerRig.Data("fine", 1), IngestWorkerRig.Data("broken", 1), IngestWorkerRig.Data("fine", 2)]);

        Assert.Equal(1, stats.RejectedFor(IngestWorker.ReasonInternalError));
        var (topic, ack) = Assert.Single(link.Published);
        Assert.Equal(Topics.Ack("fine"), topic);
        Assert.Equal([1UL, 2UL], ack.CommittedSeqs);
        Assert.Equal(["fine"], Assert.Single(store.Commits).Batches.Select(b => b.GatewayId).Distinct());
        Assert.Equal(2, stats.BatchesAccepted);
        Assert.True(registry.TryGet("broken", out var broken));
        Assert.Equal(0, broken.CommittedSeqs.Count); // not stored, not taken as committed: its resend is still new

        // The worker goes on: the next group is handled as usual, and the broken gateway's resend fails the same way.
        await worker.ProcessGroupAsync([IngestWorkerRig.Data("broken", 1), IngestWorkerRig.Data("fine", 3)]);
        Assert.Equal(2, stats.RejectedFor(IngestWorker.ReasonInternalError));
        Assert.Equal([3UL], link.Published[^1].Ack.CommittedSeqs);
        Assert.Equal(3, stats.BatchesAccepted);
        Assert.DoesNotContain(link.Published, p => p.Topic == Topics.Ack("broken"));
    }
}
