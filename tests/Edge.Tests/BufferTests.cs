using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

public sealed class BufferTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));

    private string DbPath => _dir.File("buffer.db");

    public void Dispose() => _dir.Dispose();

    // growUpTo 1: every append stays a batch of its own (most tests count batches); the growth tests raise it.
    private BatchBuffer Open(long maxBytes = 1 << 30, string gateway = "gw-001", int growUpTo = 1)
    {
        var buffer = BatchBuffer.Open(DbPath, maxBytes, gateway, _time, growUpTo);
        buffer.SyncCatalogue([new PointInfo { Id = "meter1/voltage", Unit = "V", Device = "meter1" }]);
        return buffer;
    }

    private List<Reading> Readings(BatchBuffer buffer, int count, double start = 230)
    {
        var alias = buffer.AliasOf("meter1/voltage");
        var t0 = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return Enumerable.Range(0, count).Select(i => new Reading(alias, t0 + (i * 1000), PointValue.FromNumber(start + (i * 0.01)))).ToList();
    }

    [Fact]
    public void CommittedBatch_IsThereAfterReopen()
    {
        List<Reading> written;
        ulong seq;
        using (var buffer = Open())
        {
            written = Readings(buffer, 100);
            seq = buffer.Append([written]).Seqs.Single();
        }

        using var reopened = Open();
        var batch = Assert.Single(reopened.TakePending(10, liveFromSeq: reopened.NextSeq));
        Assert.Equal(seq, batch.Seq);
        Assert.Equal(written, BatchBuffer.DecodeReadings(batch));
        Assert.Equal(100, reopened.GetStats().ReadingsBuffered);
    }

    [Fact]
    public void CommittedBatch_SurvivesAProcessThatNeverClosedTheFile()
    {
        // Simulates kill -9: the first instance is never disposed; a copy of what is on disk right after the commit
        // (data file plus LiteDB's log file) is opened as the next run would open it.
        var buffer = Open();
        var written = Readings(buffer, 50);
        var seq = buffer.Append([written]).Seqs.Single();

        var copy = new TempDir();
        try
        {
            foreach (var file in Directory.GetFiles(_dir.Path))
            {
                using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var target = File.Create(Path.Combine(copy.Path, Path.GetFileName(file)));
                source.CopyTo(target);
            }

            using var recovered = BatchBuffer.Open(copy.File("buffer.db"), 1 << 30, "gw-001", _time);
            var batch = Assert.Single(recovered.TakePending(10, 0));
            Assert.Equal(seq, batch.Seq);
            Assert.Equal(written, BatchBuffer.DecodeReadings(batch));
            Assert.True(recovered.NextSeq > seq);
        }
        finally
        {
            buffer.Dispose();
            copy.Dispose();
        }
    }

    [Fact]
    public void Seq_IsNeverReused_AcrossReopen_EvenAfterEverythingWasAcked()
    {
        ulong last;
        using (var buffer = Open())
        {
            var seqs = buffer.Append([Readings(buffer, 3), Readings(buffer, 3)]).Seqs;
            Assert.Equal(2, seqs.Count);
            Assert.True(seqs[1] > seqs[0]);
            buffer.TakePending(10, 0);
            buffer.Acknowledge(seqs);
            last = seqs[1];
        }

        using var reopened = Open();
        var next = reopened.Append([Readings(reopened, 3)]).Seqs.Single();
        Assert.True(next > last);
        Assert.Equal(last + 1, next);
    }

    [Fact]
    public void Epoch_IsBumpedAtEveryOpen_AndAliasesAreKept()
    {
        ulong first;
        uint alias;
        using (var buffer = Open())
        {
            first = buffer.Epoch;
            alias = buffer.AliasOf("meter1/voltage");
        }

        using var reopened = BatchBuffer.Open(DbPath, 1 << 30, "gw-001", _time, maxReadingsPerBatch: 1);
        var aliases = reopened.SyncCatalogue([new PointInfo { Id = "meter1/current", Unit = "A" }, new PointInfo { Id = "meter1/voltage", Unit = "V" }]);
        Assert.Equal(first + 1, reopened.Epoch);
        Assert.Equal(alias, aliases["meter1/voltage"]);
        Assert.NotEqual(alias, aliases["meter1/current"]);
        Assert.Equal(aliases.Count, aliases.Values.Distinct().Count());
        Assert.Contains(reopened.Catalogue(), p => p.Id == BatchBuffer.DroppedReadingsPointId);
    }

    [Fact]
    public void BufferOfAnotherGateway_IsRefused()
    {
        Open().Dispose();

        var ex = Assert.Throws<BufferOwnershipException>(() => BatchBuffer.Open(DbPath, 1 << 30, "gw-002", _time));
        Assert.Contains("gw-001", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SizeCap_EvictsOldestTelemetry_CountsDropped_AndAddsAnEvent()
    {
        using var buffer = Open(maxBytes: BatchBuffer.MinimumMaxBytes);
        var seqs = new List<ulong>();
        var rng = new Random(1);
        for (var i = 0; i < 200; i++)
        {
            // Random values do not compress: each batch is a few KB.
            var alias = buffer.AliasOf("meter1/voltage");
            var readings = Enumerable.Range(0, 300).Select(j => new Reading(alias, 1_000_000 + j, PointValue.FromNumber(rng.NextDouble()))).ToList();
            seqs.Add(buffer.Append([readings]).Seqs[0]); // the telemetry batch; an event batch may follow it
        }

        var stats = buffer.GetStats();
        Assert.True(stats.BytesUsed <= buffer.PayloadBudgetBytes, $"bytes used {stats.BytesUsed}");
        Assert.True(stats.ReadingsDropped > 0);
        Assert.True(stats.ReadingsBuffered + stats.ReadingsDropped >= 200 * 300);
        Assert.Equal(stats.ReadingsBuffered - stats.ReadingsDropped + 1, stats.ReadingsWaiting);

        var pending = buffer.TakePending(1000, liveFromSeq: ulong.MaxValue);
        var events = pending.Where(b => b.Kind == BatchKind.Events).ToList();
        var evt = Assert.Single(events); // older dropped-counter events are superseded
        Assert.Same(evt, pending[0]);     // events go first
        var reading = Assert.Single(BatchBuffer.DecodeReadings(evt));
        Assert.Equal(buffer.AliasOf(BatchBuffer.DroppedReadingsPointId), reading.Alias);
        Assert.Equal(stats.ReadingsDropped, reading.Value.Number);

        // What is left is the newest telemetry, in order.
        var telemetry = pending.Where(b => b.Kind == BatchKind.Telemetry).Select(b => b.Seq).ToList();
        Assert.Equal(telemetry.Order().ToList(), telemetry);
        Assert.Contains(seqs.Max(), telemetry);
        Assert.DoesNotContain(seqs.Min(), telemetry);
    }

    [Fact]
    public void DroppedCounter_SurvivesReopen()
    {
        long dropped;
        using (var buffer = Open(maxBytes: BatchBuffer.MinimumMaxBytes))
        {
            var rng = new Random(2);
            var alias = buffer.AliasOf("meter1/voltage");
            for (var i = 0; i < 100; i++)
            {
                buffer.Append([Enumerable.Range(0, 300).Select(j => new Reading(alias, j, PointValue.FromNumber(rng.NextDouble()))).ToList()]);
            }

            dropped = buffer.GetStats().ReadingsDropped;
            Assert.True(dropped > 0);
        }

        using var reopened = Open(maxBytes: BatchBuffer.MinimumMaxBytes);
        Assert.Equal(dropped, reopened.GetStats().ReadingsDropped);
        Assert.Equal(30_000, reopened.GetStats().ReadingsBuffered);
    }

    [Fact]
    public void BatchesInFlight_AreNeverEvicted()
    {
        using var buffer = Open(maxBytes: BatchBuffer.MinimumMaxBytes);
        var rng = new Random(3);
        var alias = buffer.AliasOf("meter1/voltage");
        List<Reading> Big() => Enumerable.Range(0, 300).Select(j => new Reading(alias, j, PointValue.FromNumber(rng.NextDouble()))).ToList();
        var first = buffer.Append([Big()]).Seqs.Single();
        var taken = Assert.Single(buffer.TakePending(1, 0));
        Assert.Equal(first, taken.Seq);

        for (var i = 0; i < 100; i++)
        {
            buffer.Append([Big()]);
        }

        var (acked, _, _) = buffer.Acknowledge([first]);
        Assert.Equal(1, acked);
    }

    [Fact]
    public void Device_events_travel_in_events_batches_ahead_of_the_backlog()
    {
        using var buffer = Open();
        buffer.SyncCatalogue([new PointInfo { Id = "line1/events", Type = PointType.Text, Device = "line1" }]);
        buffer.DeclareEventPoints(["line1/events"]);
        var eventAlias = buffer.AliasOf("line1/events");
        var backlog = buffer.Append([Readings(buffer, 3)]).Seqs;

        var t = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var lampFailed = new Reading(eventAlias, t, PointValue.FromText("lamp-failed: gear 7 (pole P-7)"));
        var mixed = Readings(buffer, 2);
        mixed.Insert(1, lampFailed);
        var result = buffer.Append([mixed]);

        Assert.Equal(2, result.Seqs.Count);
        Assert.Equal(3, result.ReadingsStored);
        var pending = buffer.TakePending(10, liveFromSeq: ulong.MaxValue);
        Assert.Equal(BatchKind.Events, pending[0].Kind);
        Assert.Equal([lampFailed], BatchBuffer.DecodeReadings(pending[0]));
        Assert.Equal(backlog[0], pending[1].Seq);
        Assert.All(pending.Skip(1), b => Assert.Equal(BatchKind.Telemetry, b.Kind));
        Assert.DoesNotContain(pending.Skip(1).SelectMany(BatchBuffer.DecodeReadings), r => r.Alias == eventAlias);
    }

    [Fact]
    public void Device_events_are_never_evicted_by_the_size_cap()
    {
        using var buffer = Open(maxBytes: BatchBuffer.MinimumMaxBytes);
        buffer.SyncCatalogue([new PointInfo { Id = "tc1/events", Type = PointType.Text, Device = "tc1" }]);
        buffer.DeclareEventPoints(["tc1/events"]);
        var eventAlias = buffer.AliasOf("tc1/events");
        var alarm = new Reading(eventAlias, 1_000, PointValue.FromText("alarm raised: detector fault"));
        buffer.Append([[alarm]]);

        var rng = new Random(4);
        var alias = buffer.AliasOf("meter1/voltage");
        for (var i = 0; i < 100; i++)
        {
            buffer.Append([Enumerable.Range(0, 300).Select(j => new Reading(alias, j, PointValue.FromNumber(rng.NextDouble()))).ToList()]);
        }

        Assert.True(buffer.GetStats().ReadingsDropped > 0);
        var events = buffer.TakePending(1000, liveFromSeq: ulong.MaxValue).Where(b => b.Kind == BatchKind.Events).SelectMany(BatchBuffer.DecodeReadings);
        Assert.Contains(alarm, events);
    }

    [Fact]
    public void Declaring_an_event_point_without_an_alias_names_it()
    {
        using var buffer = Open();
        var error = Assert.Throws<KeyNotFoundException>(() => buffer.DeclareEventPoints(["nowhere/events"]));
        Assert.Contains("nowhere/events", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PendingOrder_IsEventsThenLiveThenBacklog_OldestFirst()
    {
        using var buffer = Open();
        var backlog = buffer.Append([Readings(buffer, 2), Readings(buffer, 2), Readings(buffer, 2)]).Seqs;

        // An event batch (a rejected batch is reported as one), created after the backlog.
        Assert.Equal(backlog[0], Assert.Single(buffer.TakePending(1, ulong.MaxValue)).Seq);
        buffer.Acknowledge([], [backlog[0]]);
        var liveFrom = buffer.NextSeq;
        var live = buffer.Append([Readings(buffer, 2), Readings(buffer, 2)]).Seqs;

        var first = buffer.TakePending(2, liveFrom);
        var rest = buffer.TakePending(10, liveFrom);

        Assert.Equal(BatchKind.Events, first[0].Kind);
        Assert.Equal(live[0], first[1].Seq);
        Assert.Equal([live[1], backlog[1], backlog[2]], rest.Select(b => b.Seq));
        Assert.Empty(buffer.TakePending(10, liveFrom)); // everything is in flight

        buffer.ReleaseAll();
        Assert.Equal(5, buffer.TakePending(10, liveFrom).Count);
    }

    [Fact]
    public void Unsent_tail_grows_into_one_batch_under_its_seq_up_to_the_limit()
    {
        using var buffer = Open(growUpTo: 10);
        var first = buffer.Append([Readings(buffer, 4)]).Seqs.Single();
        var grown = buffer.Append([Readings(buffer, 4, start: 231)]).Seqs.Single();
        var next = buffer.Append([Readings(buffer, 4, start: 232)]).Seqs.Single(); // 12 > 10: a new batch

        Assert.Equal(first, grown);
        Assert.Equal(grown + 1, next);
        var pending = buffer.TakePending(10, 0);
        Assert.Equal([grown, next], pending.Select(b => b.Seq));
        Assert.Equal([8, 4], pending.Select(b => b.ReadingCount));
        var values = BatchBuffer.DecodeReadings(pending[0]).Select(r => r.Value.Number).ToList();
        Assert.Equal([230, 230.01, 230.02, 230.03, 231, 231.01, 231.02, 231.03], values);
        var stats = buffer.GetStats();
        Assert.Equal(12, stats.ReadingsBuffered);
        Assert.Equal(12, stats.ReadingsWaiting);
        Assert.Equal(2, stats.BatchesWaiting);
    }

    [Fact]
    public void A_batch_handed_to_the_forwarder_never_grows()
    {
        using var buffer = Open(growUpTo: 100);
        var sent = buffer.Append([Readings(buffer, 4)]).Seqs.Single();
        Assert.Equal(sent, buffer.TakePending(10, 0).Single().Seq);
        buffer.ReleaseAll(); // published, then the link dropped: it may be at central already

        var after = buffer.Append([Readings(buffer, 4, start: 231)]).Seqs.Single();

        var pending = buffer.TakePending(10, 0);
        Assert.Equal([sent, after], pending.Select(b => b.Seq));
        Assert.All(pending, b => Assert.Equal(4, b.ReadingCount));
    }

    [Fact]
    public void A_new_connection_closes_the_growing_batch_so_backlog_never_rides_in_live_data()
    {
        using var buffer = Open(growUpTo: 100);
        var backlog = buffer.Append([Readings(buffer, 4)]).Seqs.Single();
        var liveFrom = buffer.StartLiveSection();
        var live = buffer.Append([Readings(buffer, 4, start: 231)]).Seqs.Single();

        Assert.True(live >= liveFrom);
        Assert.True(backlog < liveFrom);
        Assert.Equal([live, backlog], buffer.TakePending(10, liveFrom).Select(b => b.Seq));
    }

    [Fact]
    public void Grown_batch_survives_reopen()
    {
        ulong grown;
        using (var buffer = Open(growUpTo: 100))
        {
            buffer.Append([Readings(buffer, 3)]);
            grown = buffer.Append([Readings(buffer, 3, start: 231)]).Seqs.Single();
        }

        using var reopened = BatchBuffer.Open(DbPath, 1 << 30, "gw-001", _time, maxReadingsPerBatch: 100);
        var pending = reopened.TakePending(10, 0);
        Assert.Equal(grown, Assert.Single(pending).Seq);
        Assert.Equal(6, pending[0].ReadingCount);

        // After a restart nothing is known about what was published: the old batch does not grow.
        var next = reopened.Append([Readings(reopened, 3, start: 232)]).Seqs.Single();
        Assert.Equal(grown + 1, next);
    }

    [Fact]
    public void Ack_DeletesCommittedBatches_AndCounts_Rejected_AreCountedSeparately()
    {
        using var buffer = Open();
        var seqs = buffer.Append([Readings(buffer, 10), Readings(buffer, 20), Readings(buffer, 30)]).Seqs;
        buffer.TakePending(10, 0);

        var (acked, readingsAcked, rejected) = buffer.Acknowledge([seqs[0], seqs[1], 999_999], [seqs[2]]);

        Assert.Equal((2, 30L, 1), (acked, readingsAcked, rejected));
        var stats = buffer.GetStats();
        Assert.Equal(1, stats.BatchesRejected);
        Assert.Equal(30, stats.ReadingsRejected);
        Assert.Equal(2, stats.BatchesAcked);
        var remaining = Assert.Single(buffer.TakePending(10, 0)); // the rejected-batches event
        Assert.Equal(BatchKind.Events, remaining.Kind);
        Assert.Equal(1, stats.BatchesWaiting);

        // A duplicate ack changes nothing.
        Assert.Equal((0, 0L, 0), buffer.Acknowledge([seqs[0]]));
    }

    [Fact]
    public void Ack_of_batches_never_handed_out_or_released_deletes_nothing()
    {
        using var buffer = Open();
        var seqs = buffer.Append([Readings(buffer, 10), Readings(buffer, 20), Readings(buffer, 30)]).Seqs;
        var taken = Assert.Single(buffer.TakePending(1, 0));
        Assert.Equal(seqs[0], taken.Seq);

        // seqs[1] and seqs[2] were never handed out to be published: an ack for them cannot be true.
        Assert.Equal((1, 10L, 0), buffer.Acknowledge([seqs[0], seqs[1]], [seqs[2]]));
        Assert.Equal(2, buffer.GetStats().BatchesWaiting);
        Assert.Equal(0, buffer.GetStats().BatchesRejected);

        // Released (the link dropped): not in flight any more until handed out again.
        Assert.Equal(2, buffer.TakePending(10, 0).Count);
        buffer.ReleaseAll();
        Assert.Equal((0, 0L, 0), buffer.Acknowledge([seqs[1], seqs[2]]));
        Assert.Equal(2, buffer.GetStats().BatchesWaiting);
    }

    [Fact]
    public void Stats_ReportOldestWaiting_AndLastSeq()
    {
        using var buffer = Open();
        var created = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var seqs = buffer.Append([Readings(buffer, 5)]).Seqs;
        _time.Advance(TimeSpan.FromSeconds(3));
        buffer.Append([Readings(buffer, 5)]);

        var stats = buffer.GetStats();

        Assert.Equal(created, stats.OldestCreatedUnixMs);
        Assert.Equal(seqs[0] + 1, stats.LastSeq);
        Assert.Equal((2L, 10L), (stats.BatchesWaiting, stats.ReadingsWaiting));
    }
}
