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

/// <summary>Dedupe per (gateway, buffer id), the new-buffer event, births and deaths per buffer, and the body checksum.</summary>
public sealed class BufferIdentityTests
{
    private const string Gateway = "gw";
    private const string BufferA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string BufferB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    internal sealed class MemoryStore : IReadingStore
    {
        public List<CommitSet> Commits { get; } = [];

        public IEnumerable<StoredBatch> Batches => Commits.SelectMany(c => c.Batches);

        public IEnumerable<CentralEvent> Events => Commits.SelectMany(c => c.Events);

        public bool IsHealthy => true;

        public string? Problem => null;

        public IReadOnlyList<GatewayState> LoadGateways() => [];

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
        public List<Ack> Acks { get; } = [];

        public bool IsConnected => true;

        public Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
        {
            lock (Acks)
            {
                Acks.Add(Ack.Parser.ParseFrom(payload));
            }

            return Task.CompletedTask;
        }

        public Task StopIntakeAsync() => Task.CompletedTask;
    }

    private sealed class Rig : IDisposable
    {
        public Rig()
        {
            Registry = new GatewayRegistry(Store.LoadGateways());
            Worker = new IngestWorker(
                new IngestQueue(10), Link, Link, Store, Registry, Stats,
                new RejectLog(NullLogger<RejectLog>.Instance, TimeProvider.System),
                Options.Create(new CentralOptions { AdmitOnBirth = true }), TimeProvider.System, NullLogger<IngestWorker>.Instance);
        }

        public MemoryStore Store { get; } = new();

        public RecordingLink Link { get; } = new();

        public IngestStats Stats { get; } = new(TimeProvider.System);

        public GatewayRegistry Registry { get; }

        public IngestWorker Worker { get; }

        public GatewayState State => Registry.TryGet(Gateway, out var state) ? state : throw new InvalidOperationException("no state");

        public Task SendAsync(params IncomingMessage[] messages) => Worker.ProcessGroupAsync(messages);

        public void Dispose() => Worker.Dispose();
    }

    private static IncomingMessage Message(string topic, byte[] payload) => new(topic, payload, payload.Length, false);

    private static IncomingMessage Birth(string bufferId, ulong epoch) =>
        Message(Topics.Birth(Gateway), new Birth { GatewayId = Gateway, Epoch = epoch, BufferId = bufferId, SoftwareVersion = "t" }.ToByteArray());

    private static IncomingMessage Death(string bufferId, ulong epoch) =>
        Message(Topics.Death(Gateway), new Death { GatewayId = Gateway, Epoch = epoch, BufferId = bufferId }.ToByteArray());

    private static IncomingMessage Data(string bufferId, ulong seq, ulong epoch = 1) =>
        Message(Topics.Data(Gateway), BatchCodec.EncodeToBytes(new BatchHeader(Gateway, epoch, seq, 0, BatchKind.Telemetry, bufferId), FakeGateway.SampleReadings(3)));

    [Fact]
    public async Task SameSeq_FromTwoBufferIds_IsStoredTwice_SameBufferId_IsADuplicate()
    {
        using var rig = new Rig();
        await rig.SendAsync(Birth(BufferA, 5), Data(BufferA, 1, 5), Data(BufferA, 2, 5));
        await rig.SendAsync(Birth(BufferB, 1), Data(BufferB, 1), Data(BufferB, 2), Data(BufferA, 2, 5), Data(BufferB, 2));

        Assert.Equal(
            [(BufferA, 1UL), (BufferA, 2UL), (BufferB, 1UL), (BufferB, 2UL)],
            rig.Store.Batches.Select(b => (b.BufferId, b.Seq)).ToList());
        Assert.Equal(4, rig.Stats.BatchesAccepted);
        Assert.Equal(2, rig.Stats.DuplicateBatches);
        Assert.Equal(BufferB, rig.State.BufferId);
        Assert.Equal("1-2", rig.State.CommittedSeqs.ToString());
        Assert.Equal([1UL, 2UL], rig.Link.Acks[^1].CommittedSeqs);
    }

    [Fact]
    public async Task LegacyBatches_WithoutBufferId_AreDedupedAsTheGatewaysLegacyStream()
    {
        using var rig = new Rig();
        await rig.SendAsync(Message(Topics.Birth(Gateway), new Birth { GatewayId = Gateway, Epoch = 3 }.ToByteArray()), Data("", 1, 3), Data("", 2, 3));
        await rig.SendAsync(Data("", 2, 3), Data("", 1, 3));
        Assert.Equal(2, rig.Stats.BatchesAccepted);
        Assert.Equal(2, rig.Stats.DuplicateBatches);
        Assert.Equal(string.Empty, rig.State.BufferId);
        Assert.Equal("1-2", rig.State.CommittedSeqs.ToString());

        // The edge upgraded: its new batches carry the buffer id it was given, from the seq it had reached; old ones still come.
        await rig.SendAsync(Birth(BufferA, 4), Data(BufferA, 3, 4), Data("", 2, 3), Data("", 3, 3));
        Assert.Equal([("", 1UL), ("", 2UL), (BufferA, 3UL), ("", 3UL)], rig.Store.Batches.Select(b => (b.BufferId, b.Seq)).ToList());
        Assert.Equal(3, rig.Stats.DuplicateBatches);
        var upgrade = Assert.Single(rig.Store.Events);
        Assert.Contains(BufferA, upgrade.Text, StringComparison.Ordinal);
        Assert.Contains("last seq 2", upgrade.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANewBuffer_IsANewStream_ItsBirthIsNeverStale_AndAnEventGivesThePreviousLastSeq()
    {
        using var rig = new Rig();
        await rig.SendAsync(Birth(BufferA, 7), Data(BufferA, 1, 7), Data(BufferA, 2, 7), Data(BufferA, 3, 7));
        Assert.Empty(rig.Store.Events);

        await rig.SendAsync(Birth(BufferB, 1));
        Assert.Equal(0, rig.Stats.Rejected().GetValueOrDefault(MessageValidator.ReasonStaleBirth));
        Assert.Equal(BufferB, rig.State.BufferId);
        Assert.Equal(1UL, rig.State.Epoch);
        Assert.True(rig.State.Online);
        var started = Assert.Single(rig.Store.Events);
        Assert.Equal(Gateway, started.GatewayId);
        Assert.Equal(IngestWorker.NewBufferEventPoint, started.Point);
        Assert.Equal($"gateway {Gateway} started a new buffer {BufferB}; previous buffer {BufferA}, last seq 3", started.Text);

        // The same buffer again is no news; an older epoch of it is a stale birth, as before buffer ids.
        await rig.SendAsync(Birth(BufferB, 2), Birth(BufferB, 1));
        Assert.Single(rig.Store.Events);
        Assert.Equal(1, rig.Stats.Rejected()[MessageValidator.ReasonStaleBirth]);

        // A resent birth of the earlier buffer does not take over; that buffer started again (newer epoch) does.
        await rig.SendAsync(Birth(BufferA, 7));
        Assert.Equal(2, rig.Stats.Rejected()[MessageValidator.ReasonStaleBirth]);
        Assert.Equal(BufferB, rig.State.BufferId);
        await rig.SendAsync(Birth(BufferA, 8));
        Assert.Equal((BufferA, 8UL), (rig.State.BufferId, rig.State.Epoch));
        Assert.Single(rig.Store.Events);
    }

    [Fact]
    public async Task ADeath_MarksOffline_OnlyWithTheCurrentBufferIdAndEpoch()
    {
        using var rig = new Rig();
        await rig.SendAsync(Birth(BufferA, 7), Birth(BufferB, 7));
        await rig.SendAsync(Death(BufferA, 7), Death(BufferB, 6));
        Assert.True(rig.State.Online);

        await rig.SendAsync(Death(BufferB, 7));
        Assert.False(rig.State.Online);
    }

    [Fact]
    public async Task AHundredBatches_WithOneFlippedBitEachInTheBody_AreAllRejectedAsBadChecksum_NoneStored()
    {
        using var rig = new Rig();
        await rig.SendAsync(Birth(BufferA, 1));
        var random = new Random(100);
        var messages = new List<IncomingMessage>();
        var compressedBodies = 0;
        for (var i = 0; i < 100; i++)
        {
            // Even seqs: bodies large enough for zstd; odd seqs: small, uncompressed bodies.
            var readings = FakeGateway.SampleReadings(i % 2 == 0 ? 200 : 3);
            var batch = BatchCodec.Encode(new BatchHeader(Gateway, 1, (ulong)i + 1, 0, BatchKind.Telemetry, BufferA), readings);
            compressedBodies += batch.Compression == Compression.Zstd ? 1 : 0;
            var body = batch.Body.ToByteArray();
            var bit = random.Next(body.Length * 8);
            body[bit / 8] ^= (byte)(1 << (bit % 8));
            batch.Body = ByteString.CopyFrom(body);
            messages.Add(Message(Topics.Data(Gateway), batch.ToByteArray()));
        }

        await rig.SendAsync([.. messages]);

        Assert.Equal(50, compressedBodies);
        Assert.Empty(rig.Store.Batches);
        Assert.Equal(0, rig.Stats.BatchesAccepted);
        Assert.Equal(100, rig.Stats.Rejected()["bad-checksum"]);
        var ack = Assert.Single(rig.Link.Acks, a => a.RejectedSeqs.Count > 0);
        Assert.Equal("bad-checksum", ack.RejectReason);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (ulong)i), ack.RejectedSeqs);
    }
}
