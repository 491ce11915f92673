using System.Diagnostics;
using City.Central.Api;
using City.Central.Model;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Xunit.Abstractions;

namespace City.Central.Tests;

public sealed class StoreTests(ITestOutputHelper output)
{
    private static StoredBatch Stored(string gateway, ulong seq, Batch batch, long tMin, long tMax) =>
        new(gateway, seq, batch.Epoch, batch.Kind, tMin, tMax, (int)batch.ReadingCount, batch.Compression, batch.Body.ToByteArray(), 0);

    [Fact]
    public void Commit_ThenReopen_RestoresGatewaysAndFindsBatchesByTime()
    {
        var path = CentralHost.NewDataPath();
        var readings = FakeGateway.SampleReadings(5, endUnixMs: 10_000);
        var batch = BatchCodec.Encode(new BatchHeader("gw", 1, 1, 0), readings);
        using (var store = new LiteDbReadingStore(path, syncCommits: true))
        {
            var state = new GatewayState("gw") { Epoch = 3, HasBirth = true, Online = true, BatchesReceived = 1, ReadingsReceived = 15, MaxBatchSpanMs = 4000 };
            state.CommittedSeqs.Add(1);
            state.CommittedSeqs.Add(2);
            state.CommittedSeqs.Add(9);
            state.Catalogue = [new CataloguePoint(1, "meter1/power", "kW", PointType.Number, "meter1", "power")];
            state.Latest = new Dictionary<uint, LatestValue> { [1] = new(1, 10_000, PointValue.FromNumber(double.NaN), Quality.Stale) };
            var commit = new CommitSet();
            commit.Batches.Add(Stored("gw", 1, batch, 6_000, 10_000));
            commit.Batches.Add(Stored("gw", 2, batch, 50_000, 60_000));
            commit.Batches.Add(Stored("gw-other", 1, batch, 6_000, 10_000));
            commit.Gateways.Add(new GatewayChange(state, CatalogueChanged: true, LatestChanged: true));
            store.Commit(commit);
        }

        using (var store = new LiteDbReadingStore(path, syncCommits: true))
        {
            var state = Assert.Single(store.LoadGateways());
            Assert.Equal("1-2,9", state.CommittedSeqs.ToString());
            Assert.Equal(3UL, state.Epoch);
            Assert.True(state.HasBirth);
            Assert.Equal("meter1/power", Assert.Single(state.Catalogue).Id);
            Assert.True(double.IsNaN(state.Latest[1].Value.Number));
            Assert.Equal(Quality.Stale, state.Latest[1].Quality);

            Assert.Equal([1UL], store.FindBatches("gw", 9_000, 20_000, state.MaxBatchSpanMs).Select(b => b.Seq));
            Assert.Equal([1UL, 2UL], store.FindBatches("gw", 0, 100_000, state.MaxBatchSpanMs).Select(b => b.Seq));
            Assert.Empty(store.FindBatches("gw", 11_000, 49_999, state.MaxBatchSpanMs));
            var history = store.ReadHistory(state, 1, 7_000, 9_000, 100, out var truncated);
            Assert.Equal([7_000L, 8_000, 9_000], history.Select(r => r.TimestampUnixMs));
            Assert.False(truncated);
        }
    }

    /// <summary>Not a speed assertion: prints what a group commit sustains on this machine.</summary>
    [Fact]
    public void GroupCommit_Throughput_IsMeasured()
    {
        const int ReadingsPerBatch = 500;
        const int BatchesPerCommit = 256;
        const int Commits = 20;
        var path = CentralHost.NewDataPath();
        var readings = new List<Reading>();
        var t = 1_700_000_000_000L;
        for (var i = 0; i < ReadingsPerBatch / 50; i++)
        {
            for (uint alias = 1; alias <= 50; alias++)
            {
                readings.Add(new Reading(alias, t + (i * 1000L), PointValue.FromNumber(Math.Round(230 + Math.Sin(i + alias), 1))));
            }
        }

        var batch = BatchCodec.Encode(new BatchHeader("gw", 1, 1, t), readings);
        using var store = new LiteDbReadingStore(path, syncCommits: true);
        var state = new GatewayState("gw") { HasBirth = true };
        ulong seq = 0;
        var watch = Stopwatch.StartNew();
        for (var c = 0; c < Commits; c++)
        {
            var commit = new CommitSet();
            for (var b = 0; b < BatchesPerCommit; b++)
            {
                seq++;
                state.CommittedSeqs.Add(seq);
                commit.Batches.Add(Stored("gw", seq, batch, t + ((long)seq * 10_000), t + ((long)seq * 10_000) + 9_000));
            }

            commit.Gateways.Add(new GatewayChange(state, false, false));
            store.Commit(commit);
        }

        watch.Stop();
        var total = (long)Commits * BatchesPerCommit * ReadingsPerBatch;
        var message = $"LiteDB group commit (fsync on): {Commits} commits x {BatchesPerCommit} batches x {ReadingsPerBatch} readings ({batch.Body.Length} body bytes) = {total:N0} readings in {watch.Elapsed.TotalMilliseconds:N0} ms -> {total / watch.Elapsed.TotalSeconds:N0} readings/s, {Commits / watch.Elapsed.TotalSeconds:N1} commits/s";
        output.WriteLine(message);
        Console.WriteLine(message);
        Assert.Equal($"1-{seq}", Assert.Single(store.LoadGateways()).CommittedSeqs.ToString());
    }
}
