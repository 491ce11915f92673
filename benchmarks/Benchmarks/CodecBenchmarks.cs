using BenchmarkDotNet.Attributes;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Benchmarks;

/// <summary>Encode and decode of one 3,000-reading batch (50 points x 60 s).</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private List<Reading> _readings = [];
    private byte[] _compressed = [];
    private byte[] _uncompressed = [];
    private byte[] _plainBody = [];

    [GlobalSetup]
    public void Setup()
    {
        _readings = Telemetry.Periodic();
        _compressed = BatchCodec.EncodeToBytes(new BatchHeader("gw-0001", 1, 1, Telemetry.Start), _readings);
        _uncompressed = BatchCodec.EncodeToBytes(new BatchHeader("gw-0001", 1, 1, Telemetry.Start), _readings, int.MaxValue);
        _plainBody = BatchCodec.EncodeReadings(_readings).ToByteArray();
    }

    /// <summary>The envelope's CRC-32C over the uncompressed body (the larger of the two; encode and receive each compute it once).</summary>
    [Benchmark]
    public uint Checksum_uncompressed_body() => Crc32C.Compute(_plainBody);

    [Benchmark]
    public byte[] Encode_zstd() => BatchCodec.EncodeToBytes(new BatchHeader("gw-0001", 1, 1, Telemetry.Start), _readings);

    [Benchmark]
    public byte[] Encode_uncompressed() => BatchCodec.EncodeToBytes(new BatchHeader("gw-0001", 1, 1, Telemetry.Start), _readings, int.MaxValue);

    [Benchmark]
    public int Decode_zstd() => Decode(_compressed);

    [Benchmark]
    public int Decode_uncompressed() => Decode(_uncompressed);

    /// <summary>What central does before it stores: envelope, decompression and validation, no flattening.</summary>
    [Benchmark]
    public uint Validate_zstd()
    {
        BatchCodec.TryParseEnvelope(_compressed, out var batch, out _);
        BatchCodec.TryDecodeBody(batch, out _, out _);
        return batch.ReadingCount;
    }

    private static int Decode(byte[] payload)
    {
        if (!BatchCodec.TryParseEnvelope(payload, out var batch, out var error) || !BatchCodec.TryDecodeBody(batch, out var body, out error))
        {
            throw new InvalidDataException(error.Reason());
        }

        return BatchCodec.Flatten(body).Count;
    }
}
