using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Contract.Tests;

public sealed class SeriesCodecTests
{
    private const long T0 = 1_790_000_000_000;

    [Fact]
    public void Steady_period_and_two_decimal_values_encode_as_documented_bytes()
    {
        // Three readings one second apart: 230.47, 230.51, 230.49 V.
        Reading[] readings =
        [
            new(7, T0, PointValue.FromNumber(230.47)),
            new(7, T0 + 1000, PointValue.FromNumber(230.51)),
            new(7, T0 + 2000, PointValue.FromNumber(230.49)),
        ];

        var series = SeriesCodec.Encode(7, readings);

        Assert.Equal(ValueEncoding.ScaledDelta, series.Encoding);
        Assert.Equal(2u, series.DecimalScale);
        Assert.Equal([1000L, 0L], series.TimestampDeltaOfDelta);
        Assert.Equal([23047L, 4L, -2L], series.ScaledDeltas);
        Assert.Empty(series.QualityRuns);

        // Field 3 packed sint64 [1000, 0] = zigzag 2000 (d0 0f) and 0; field 6 packed [23047, 4, -2]
        // = zigzag 46094 (8e e8 02), 8, 3.
        var expected = Convert.FromHexString("0807" + "10" + Varint(T0) + "1a03d00f00" + "2802" + "32058ee8020803");
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(series.ToByteArray()));
    }

    public static TheoryData<string, Reading[]> RoundTripCases() => new()
    {
        { "integers", [new(1, T0, PointValue.FromNumber(5)), new(1, T0 + 10, PointValue.FromNumber(-7))] },
        { "irregular timestamps, backwards too", [new(1, T0, PointValue.FromNumber(1.5)), new(1, T0 + 900, PointValue.FromNumber(1.5)), new(1, T0 + 100, PointValue.FromNumber(2.25))] },
        { "values that need doubles", [new(1, T0, PointValue.FromNumber(Math.PI)), new(1, T0 + 1, PointValue.FromNumber(double.NaN)), new(1, T0 + 2, PointValue.FromNumber(double.PositiveInfinity)), new(1, T0 + 3, PointValue.FromNumber(-0.0))] },
        { "huge numbers", [new(1, T0, PointValue.FromNumber(1e300)), new(1, T0 + 1, PointValue.FromNumber(-9_007_199_254_740_993d))] },
        { "booleans", [new(2, T0, PointValue.FromBoolean(true)), new(2, T0 + 1, PointValue.FromBoolean(false))] },
        { "texts", [new(3, T0, PointValue.FromText("door open")), new(3, T0 + 1, PointValue.FromText(string.Empty))] },
        { "qualities", [new(4, T0, PointValue.FromNumber(1), Quality.CommLoss), new(4, T0 + 1, PointValue.FromNumber(1), Quality.CommLoss), new(4, T0 + 2, PointValue.FromNumber(2)), new(4, T0 + 3, PointValue.FromNumber(3), Quality.OutOfRange)] },
        { "single reading", [new(5, -5, PointValue.FromNumber(0.000000001))] },
        { "extreme timestamps", [new(6, long.MinValue / 2, PointValue.FromNumber(1)), new(6, long.MaxValue / 2, PointValue.FromNumber(1))] },
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void Decode_returns_exactly_what_was_encoded(string description, Reading[] readings)
    {
        var series = SeriesCodec.Encode(readings[0].Alias, readings);
        var parsed = Series.Parser.ParseFrom(series.ToByteArray());

        var decoded = new List<Reading>();
        Assert.True(SeriesCodec.TryDecode(parsed, decoded, out var error), $"{description}: {error}");
        Assert.Equal(readings.Length, decoded.Count);
        for (var i = 0; i < readings.Length; i++)
        {
            Assert.Equal(readings[i].TimestampUnixMs, decoded[i].TimestampUnixMs);
            Assert.Equal(readings[i].Quality, decoded[i].Quality);
            Assert.Equal(readings[i].Value.Type, decoded[i].Value.Type);
            Assert.Equal(BitConverter.DoubleToInt64Bits(readings[i].Value.Number), BitConverter.DoubleToInt64Bits(decoded[i].Value.Number));
            Assert.Equal(readings[i].Value.Text, decoded[i].Value.Text);
        }
    }

    [Fact]
    public void Mixed_aliases_in_one_series_are_refused()
    {
        Reading[] readings = [new(1, T0, PointValue.FromNumber(1)), new(2, T0, PointValue.FromNumber(1))];
        Assert.Throws<ArgumentException>(() => SeriesCodec.Encode(1, readings));
    }

    public static TheoryData<string, Series> InconsistentSeries() => new()
    {
        { "more timestamps than values", Make(s => { s.TimestampDeltaOfDelta.Add(1); s.ScaledDeltas.Add(1); }) },
        { "no values at all", Make(_ => { }) },
        { "quality runs of odd length", Make(s => { s.ScaledDeltas.Add(1); s.QualityRuns.Add(2); }) },
        { "quality runs longer than the series", Make(s => { s.ScaledDeltas.Add(1); s.QualityRuns.Add(2); s.QualityRuns.Add(5); }) },
        { "decimal scale beyond 9", Make(s => { s.ScaledDeltas.Add(1); s.DecimalScale = 12; }) },
        { "unknown value encoding", Make(s => { s.Encoding = (ValueEncoding)42; s.ScaledDeltas.Add(1); }) },
    };

    [Theory]
    [MemberData(nameof(InconsistentSeries))]
    public void Inconsistent_series_are_refused_with_a_reason(string description, Series series)
    {
        var decoded = new List<Reading>();
        Assert.False(SeriesCodec.TryDecode(series, decoded, out var error), description);
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Empty(decoded);
    }

    private static Series Make(Action<Series> fill)
    {
        var series = new Series { Alias = 9, FirstTimestampUnixMs = T0 };
        fill(series);
        return series;
    }

    private static string Varint(long value)
    {
        var bytes = new List<byte>();
        var v = (ulong)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }

        bytes.Add((byte)v);
        return Convert.ToHexString(bytes.ToArray());
    }
}
