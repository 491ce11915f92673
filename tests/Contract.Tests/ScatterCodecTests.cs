using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Contract.Tests;

public sealed class ScatterCodecTests
{
    private const long T0 = 1_790_000_000_000;

    /// <summary>A lighting cabinet's half second: lamps read once a minute, staggered, so one reading per point.</summary>
    private static List<Reading> OneReadingPerPoint(int lamps)
    {
        var readings = new List<Reading>();
        for (var lamp = 0; lamp < lamps; lamp++)
        {
            var t = T0 + (lamp * 58);
            readings.Add(new Reading((uint)((lamp * 4) + 1), t, PointValue.FromNumber(lamp % 3 == 0 ? 100 : 50)));
            readings.Add(new Reading((uint)((lamp * 4) + 2), t, PointValue.FromNumber(Math.Round(20 + (lamp * 0.1), 1))));
            readings.Add(new Reading((uint)((lamp * 4) + 3), t, PointValue.FromNumber(123_456 + lamp)));
            readings.Add(new Reading((uint)((lamp * 4) + 4), t, PointValue.FromNumber(0), lamp == 7 ? Quality.DeviceFailure : Quality.Good));
        }

        return readings;
    }

    [Fact]
    public void Single_readings_of_many_points_round_trip_through_scatter_blocks()
    {
        var readings = OneReadingPerPoint(256);
        readings.Add(new Reading(5000, T0, PointValue.FromText("door open")));
        readings.Add(new Reading(5001, T0 + 1, PointValue.FromNumber(double.NaN), Quality.CommLoss));
        readings.Add(new Reading(5002, T0 + 2, PointValue.FromBoolean(true)));

        var bytes = BatchCodec.EncodeToBytes(new BatchHeader("gw-1", 1, 1, T0), readings, compressionThreshold: int.MaxValue);
        Assert.True(BatchCodec.TryParseEnvelope(bytes, out var batch, out var error), error.Reason());
        Assert.True(BatchCodec.TryDecodeBody(batch, out var body, out error), error.Reason());

        Assert.NotEmpty(body.Scatter);
        Assert.Equal(3, body.Series.Count); // text, NaN and boolean stay series
        var decoded = BatchCodec.Flatten(body);
        Assert.Equal(Sorted(readings), Sorted(decoded));
    }

    [Fact]
    public void One_reading_per_point_costs_a_few_bytes_each()
    {
        var readings = OneReadingPerPoint(256);
        var bytes = BatchCodec.EncodeToBytes(new BatchHeader("gw-1", 1, 1, T0), readings, compressionThreshold: int.MaxValue);
        Assert.True(bytes.Length / (double)readings.Count <= 6.0, $"{bytes.Length} bytes for {readings.Count} readings");
    }

    [Fact]
    public void Only_one_alias_is_decoded_when_asked()
    {
        var readings = OneReadingPerPoint(16);
        var body = BatchCodec.EncodeReadings(readings);
        var one = new List<Reading>();
        Assert.True(BatchCodec.TryAppendReadings(body, one, out _, onlyAlias: 6));
        Assert.Equal(readings.Single(r => r.Alias == 6), Assert.Single(one));
    }

    public static TheoryData<string, Scatter> InconsistentBlocks() => new()
    {
        { "no readings", new Scatter() },
        { "fewer values than aliases", Make(s => s.ScaledValues.RemoveAt(0)) },
        { "too many timestamp deltas", Make(s => s.TimestampDeltas.Add(1)) },
        { "decimal scale beyond 9", Make(s => s.DecimalScale = 10) },
        { "quality runs longer than the block", Make(s => { s.QualityRuns.Add(1); s.QualityRuns.Add(9); }) },
        { "alias below zero", Make(s => s.AliasDeltas[1] = -100) },
    };

    [Theory]
    [MemberData(nameof(InconsistentBlocks))]
    public void Inconsistent_blocks_are_refused(string description, Scatter scatter)
    {
        var body = new Readings();
        body.Scatter.Add(scatter);
        var destination = new List<Reading>();
        Assert.False(BatchCodec.TryAppendReadings(body, destination, out var error), description);
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Empty(destination);

        var batch = new Batch { GatewayId = "gw", Seq = 1, ReadingCount = 2, Body = body.ToByteString() };
        Assert.False(BatchCodec.TryDecodeBody(batch, out _, out var contractError), description);
        Assert.Equal(ContractError.InconsistentSeries, contractError);
    }

    private static Scatter Make(Action<Scatter> change)
    {
        var scatter = ScatterCodec.Encode([new Reading(3, T0, PointValue.FromNumber(1.5)), new Reading(9, T0 + 5, PointValue.FromNumber(2))], 1);
        change(scatter);
        return scatter;
    }

    private static List<Reading> Sorted(IEnumerable<Reading> readings) =>
        readings.OrderBy(r => r.Alias).ThenBy(r => r.TimestampUnixMs).ToList();
}
