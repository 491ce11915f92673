using System.Text;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Contract.Tests;

/// <summary>The envelope's buffer identity and body checksum (CRC-32C).</summary>
public sealed class EnvelopeIntegrityTests
{
    private const long T0 = 1_790_000_000_000;
    private const string BufferA = "0123456789abcdef0123456789abcdef";

    // RFC 3720 (iSCSI), appendix B.4, plus the usual check value of "123456789".
    public static TheoryData<string, string, uint> Crc32CVectors() => new()
    {
        { "32 bytes of zeros", new string('0', 64), 0x8A9136AA },
        { "32 bytes of 0xFF", new string('F', 64), 0x62A8AB43 },
        { "32 bytes incrementing 00..1F", string.Concat(Enumerable.Range(0, 32).Select(i => i.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))), 0x46DD794E },
        { "32 bytes decrementing 1F..00", string.Concat(Enumerable.Range(0, 32).Reverse().Select(i => i.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))), 0x113FDB5C },
        { "\"123456789\" (8-byte block + 1-byte tail)", Convert.ToHexString(Encoding.ASCII.GetBytes("123456789")), 0xE3069283 },
        { "empty", "", 0x00000000 },
    };

    [Theory]
    [MemberData(nameof(Crc32CVectors))]
    public void Crc32C_matches_the_published_vectors(string description, string hex, uint expected)
    {
        Assert.True(expected == Crc32C.Compute(Convert.FromHexString(hex)), description);
    }

    [Fact]
    public void Crc32C_of_every_length_and_alignment_matches_a_bitwise_reference()
    {
        var random = new Random(3720);
        var data = new byte[80];
        random.NextBytes(data);
        for (var start = 0; start < 8; start++)
        {
            for (var length = 0; length <= data.Length - start; length++)
            {
                var span = data.AsSpan(start, length);
                Assert.Equal(BitwiseCrc32C(span), Crc32C.Compute(span));
            }
        }
    }

    [Fact]
    public void Encode_puts_the_buffer_id_and_the_checksum_of_the_body_as_sent_in_the_envelope()
    {
        foreach (var threshold in new[] { BatchCodec.DefaultCompressionThreshold, int.MaxValue })
        {
            var bytes = BatchCodec.EncodeToBytes(new BatchHeader("gw-1", 2, 9, T0, BatchKind.Telemetry, BufferA), BatchCodecTests.PeriodicTelemetry(5, 20), threshold);

            Assert.True(BatchCodec.TryParseEnvelope(bytes, out var batch, out var error), error.Reason());
            Assert.Equal(BufferA, batch.BufferId);
            Assert.True(batch.HasBodyCrc32C);
            Assert.Equal(Crc32C.Compute(batch.Body.Span), batch.BodyCrc32C);
            Assert.True(BatchCodec.TryDecodeBody(batch, out _, out error), error.Reason());
        }
    }

    [Fact]
    public void Envelope_fields_have_their_field_numbers_on_the_wire()
    {
        var batch = new Batch { GatewayId = "g", Seq = 1, BufferId = "ab", BodyCrc32C = 0x01020304 };

        // 0A 01 67 (gateway), 18 01 (seq), 4A 02 61 62 (buffer_id = 9, length-delimited), 55 04 03 02 01 (body_crc32c = 10, fixed32 LE).
        Assert.Equal("0A016718014A0261625504030201", Convert.ToHexString(batch.ToByteArray()));
        var birth = new Birth { GatewayId = "g", BufferId = "ab" };
        Assert.Equal("0A016732026162", Convert.ToHexString(birth.ToByteArray()));
        var death = new Death { GatewayId = "g", Epoch = 3, BufferId = "ab" };
        Assert.Equal("0A016710031A026162", Convert.ToHexString(death.ToByteArray()));
        Assert.Equal("ab", Death.Parser.ParseFrom(death.ToByteArray()).BufferId);
    }

    [Fact]
    public void A_body_that_does_not_match_its_checksum_is_bad_checksum()
    {
        var batch = BatchCodec.Encode(new BatchHeader("gw-1", 1, 5, T0, BatchKind.Telemetry, BufferA), BatchCodecTests.PeriodicTelemetry(5, 20));
        batch.BodyCrc32C ^= 1;

        Assert.False(BatchCodec.TryDecodeBody(batch, out _, out var error));
        Assert.Equal(ContractError.BadChecksum, error);
        Assert.Equal("bad-checksum", error.Reason());
    }

    [Fact]
    public void A_batch_with_a_buffer_id_must_carry_the_checksum()
    {
        var batch = BatchCodec.Encode(new BatchHeader("gw-1", 1, 5, T0, BatchKind.Telemetry, BufferA), BatchCodecTests.PeriodicTelemetry(2, 3));
        batch.ClearBodyCrc32C();

        Assert.False(BatchCodec.TryDecodeBody(batch, out _, out var error));
        Assert.Equal(ContractError.BadChecksum, error);
    }

    [Fact]
    public void A_legacy_batch_without_buffer_id_may_lack_the_checksum()
    {
        var batch = BatchCodec.Encode(new BatchHeader("gw-1", 1, 5, T0), BatchCodecTests.PeriodicTelemetry(2, 3));
        Assert.Equal(string.Empty, batch.BufferId);
        batch.ClearBodyCrc32C();
        var bytes = batch.ToByteArray();

        Assert.True(BatchCodec.TryParseEnvelope(bytes, out var parsed, out var error), error.Reason());
        Assert.False(parsed.HasBodyCrc32C);
        Assert.True(BatchCodec.TryDecodeBody(parsed, out _, out error), error.Reason());
    }

    [Theory]
    [InlineData("has a slash: a/b")]
    [InlineData("has a space")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0")]
    public void An_invalid_buffer_id_is_refused_in_the_envelope(string bufferId)
    {
        var bytes = new Batch { GatewayId = "gw-1", Seq = 1, BufferId = bufferId }.ToByteArray();

        Assert.False(BatchCodec.TryParseEnvelope(bytes, out _, out var error));
        Assert.Equal(ContractError.InvalidBufferId, error);
        Assert.Equal("invalid-buffer-id", error.Reason());
    }

    [Fact]
    public void New_buffer_ids_are_32_lowercase_hex_digits_and_differ()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => BufferIds.New()).ToList();
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.All(ids, id => Assert.True(BufferIds.IsValid(id)));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_single_bit_flip_in_a_body_is_caught()
    {
        foreach (var threshold in new[] { BatchCodec.DefaultCompressionThreshold, int.MaxValue })
        {
            var batch = BatchCodec.Encode(new BatchHeader("gw-1", 1, 5, T0, BatchKind.Telemetry, BufferA), BatchCodecTests.PeriodicTelemetry(3, 10), threshold);
            var body = batch.Body.ToByteArray();
            for (var bit = 0; bit < body.Length * 8; bit++)
            {
                var flipped = (byte[])body.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                var copy = batch.Clone();
                copy.Body = ByteString.CopyFrom(flipped);
                Assert.False(BatchCodec.TryDecodeBody(copy, out _, out var error), $"bit {bit} of {body.Length * 8}");
                Assert.Equal(ContractError.BadChecksum, error);
            }
        }
    }

    private static uint BitwiseCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
