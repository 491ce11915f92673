using City.Contract;
using City.Contract.Wire;
using City.Sim.Load;

namespace City.Sim.Tests;

public class LoadBatchSourceTests
{
    private const long FirstTimestamp = 1_750_000_000_000;

    [Fact]
    public void Batches_are_valid_contract_batches_with_increasing_seq_and_contiguous_timestamps()
    {
        var source = new LoadBatchSource("load-3", epoch: 42, points: 20, readingsPerPoint: 10, FirstTimestamp, seed: 3);

        var first = Decode(source.Next(createdUnixMs: 1), out var firstBatch);
        var second = Decode(source.Next(createdUnixMs: 2), out var secondBatch);

        Assert.Equal((1UL, 2UL), (firstBatch.Seq, secondBatch.Seq));
        Assert.Equal(("load-3", 42UL), (firstBatch.GatewayId, firstBatch.Epoch));
        Assert.Equal(200, first.Count);
        var point1 = first.Concat(second).Where(r => r.Alias == 1).Select(r => r.TimestampUnixMs).ToArray();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => FirstTimestamp + (i * 1000L)), point1);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (uint)i), first.Select(r => r.Alias).Distinct().Order());
        Assert.All(first, r => Assert.Equal(Math.Round(r.Value.Number, 2), r.Value.Number));
    }

    [Fact]
    public void Smooth_values_cost_little_on_the_wire()
    {
        var source = new LoadBatchSource("load-0", 1, points: 100, readingsPerPoint: 10, FirstTimestamp, seed: 0);

        var batch = source.Next(0);

        Assert.InRange(batch.Payload.Length / (double)batch.ReadingCount, 0.5, 3.0);
    }

    [Fact]
    public void The_birth_lists_every_point_with_aliases_from_one()
    {
        var source = new LoadBatchSource("load-0", 9, points: 3, readingsPerPoint: 1, FirstTimestamp, seed: 0);

        var birth = source.CreateBirth(5, "test");

        Assert.Equal(9UL, birth.Epoch);
        Assert.Equal(["load/p0", "load/p1", "load/p2"], birth.Points.Select(p => p.Id));
        Assert.Equal([1u, 2u, 3u], birth.Points.Select(p => p.Alias));
        Assert.All(birth.Points, p => Assert.Equal(("W", PointType.Number), (p.Unit, p.Type)));
    }

    private static List<Reading> Decode(LoadBatch batch, out Batch envelope)
    {
        Assert.True(BatchCodec.TryParseEnvelope(batch.Payload, out envelope, out var error), error.Reason());
        Assert.Equal(batch.Seq, envelope.Seq);
        Assert.True(BatchCodec.TryDecodeBody(envelope, out var readings, out error), error.Reason());
        return BatchCodec.Flatten(readings);
    }
}
