using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Contract.Tests;

public sealed class BatchCodecTests
{
    private const long T0 = 1_790_000_000_000;

    /// <summary>50 points polled every second for a minute, with meter-like values.</summary>
    internal static List<Reading> PeriodicTelemetry(int points = 50, int perPoint = 60)
    {
        var random = new Random(42);
        var readings = new List<Reading>(points * perPoint);
        for (var p = 0; p < points; p++)
        {
            var level = 200 + (p * 3.7);
            for (var i = 0; i < perPoint; i++)
            {
                level += Math.Round((random.NextDouble() - 0.5) * 0.4, 2);
                readings.Add(new Reading((uint)(p + 1), T0 + (i * 1000), PointValue.FromNumber(Math.Round(level, 2))));
            }
        }

        return readings;
    }

    [Fact]
    public void Batch_round_trips_through_bytes()
    {
        var readings = PeriodicTelemetry();
        var bytes = BatchCodec.EncodeToBytes(new BatchHeader("gw-1", 3, 17, T0, BatchKind.Telemetry), readings);

        Assert.True(BatchCodec.TryParseEnvelope(bytes, out var batch, out var error), error.Reason());
        Assert.Equal("gw-1", batch.GatewayId);
        Assert.Equal(3ul, batch.Epoch);
        Assert.Equal(17ul, batch.Seq);
        Assert.Equal(Compression.Zstd, batch.Compression);
        Assert.True(BatchCodec.TryDecodeBody(batch, out var body, out error), error.Reason());
        var decoded = BatchCodec.Flatten(body);
        Assert.Equal(readings, decoded);
    }

    [Fact]
    public void Periodic_telemetry_costs_at_most_three_bytes_per_reading()
    {
        var readings = PeriodicTelemetry();
        var uncompressed = BatchCodec.EncodeToBytes(new BatchHeader("gw-1", 1, 1, T0), readings, compressionThreshold: int.MaxValue);
        var compressed = BatchCodec.EncodeToBytes(new BatchHeader("gw-1", 1, 1, T0), readings);

        Assert.True(uncompressed.Length / (double)readings.Count <= 3.0, $"{uncompressed.Length} bytes for {readings.Count} readings");
        Assert.True(compressed.Length <= uncompressed.Length);
    }

    [Fact]
    public void Small_bodies_are_not_compressed()
    {
        var bytes = BatchCodec.EncodeToBytes(new BatchHeader("gw-1", 1, 1, T0), [new Reading(1, T0, PointValue.FromNumber(1))]);
        Assert.True(BatchCodec.TryParseEnvelope(bytes, out var batch, out _));
        Assert.Equal(Compression.None, batch.Compression);
    }

    public static TheoryData<string, string, ContractError> MalformedEnvelopes() => new()
    {
        { "ASCII garbage", Convert.ToHexString("garbage"u8), ContractError.Malformed },
        { "truncated length-delimited field", "0A05677731", ContractError.Malformed },
        { "invalid wire type 7", "0F", ContractError.Malformed },
        { "empty payload has no gateway", "", ContractError.InvalidGatewayId },
        { "gateway id with a slash", "0A04672F7731" + "1801", ContractError.InvalidGatewayId },
        { "seq zero", "0A03677731", ContractError.InvalidSeq },
    };

    [Theory]
    [MemberData(nameof(MalformedEnvelopes))]
    public void Malformed_envelopes_are_refused_with_a_reason(string description, string hex, ContractError expected)
    {
        Assert.False(BatchCodec.TryParseEnvelope(Convert.FromHexString(hex), out _, out var error), description);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Envelope_with_unknown_compression_is_refused()
    {
        var batch = new Batch { GatewayId = "gw", Seq = 1, Compression = (Compression)9, Body = ByteString.CopyFromUtf8("x") };
        Assert.False(BatchCodec.TryDecodeBody(batch, out _, out var error));
        Assert.Equal(ContractError.UnknownCompression, error);
    }

    [Fact]
    public void Body_that_is_not_zstd_is_refused()
    {
        var batch = new Batch { GatewayId = "gw", Seq = 1, Compression = Compression.Zstd, Body = ByteString.CopyFromUtf8("not zstd at all") };
        Assert.False(BatchCodec.TryDecodeBody(batch, out _, out var error));
        Assert.Equal(ContractError.BadCompression, error);
    }

    [Fact]
    public void Zstd_bomb_is_refused_before_it_is_inflated()
    {
        var compressor = new ZstdSharp.Compressor(1);
        var bomb = compressor.Wrap(new byte[BatchCodec.MaxBodyBytes + 1]).ToArray();
        var batch = new Batch { GatewayId = "gw", Seq = 1, Compression = Compression.Zstd, Body = ByteString.CopyFrom(bomb) };
        Assert.False(BatchCodec.TryDecodeBody(batch, out _, out var error));
        Assert.Equal(ContractError.TooLarge, error);
    }

    [Fact]
    public void Reading_count_that_lies_is_refused()
    {
        var batch = BatchCodec.Encode(new BatchHeader("gw", 1, 1, T0), PeriodicTelemetry(2, 3));
        batch.ReadingCount = 7;
        Assert.False(BatchCodec.TryDecodeBody(batch, out _, out var error));
        Assert.Equal(ContractError.CountMismatch, error);
    }

    [Fact]
    public void Random_and_mutated_payloads_never_throw()
    {
        var random = new Random(1234);
        var valid = BatchCodec.EncodeToBytes(new BatchHeader("gw-1", 1, 5, T0), PeriodicTelemetry(5, 20), compressionThreshold: int.MaxValue);
        var validCompressed = BatchCodec.EncodeToBytes(new BatchHeader("gw-1", 1, 5, T0), PeriodicTelemetry(5, 20));
        for (var i = 0; i < 20_000; i++)
        {
            byte[] payload;
            if (i % 3 == 0)
            {
                payload = new byte[random.Next(0, 64)];
                random.NextBytes(payload);
            }
            else
            {
                payload = (byte[])(i % 3 == 1 ? valid : validCompressed).Clone();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    payload[random.Next(payload.Length)] = (byte)random.Next(256);
                }

                if (random.Next(4) == 0)
                {
                    payload = payload[..random.Next(payload.Length)];
                }
            }

            if (BatchCodec.TryParseEnvelope(payload, out var batch, out _) && BatchCodec.TryDecodeBody(batch, out var body, out _))
            {
                Assert.Equal((int)batch.ReadingCount, BatchCodec.Flatten(body).Count);
            }
        }
    }
}
