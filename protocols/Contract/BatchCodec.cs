using City.Contract.Wire;
using Google.Protobuf;
using ZstdSharp;

namespace City.Contract;

/// <summary>What identifies a batch, apart from its readings. An empty <paramref name="BufferId"/> makes a legacy batch (see docs/contract.md).</summary>
public sealed record BatchHeader(string GatewayId, ulong Epoch, ulong Seq, long CreatedUnixMs, BatchKind Kind = BatchKind.Telemetry, string BufferId = "");

/// <summary>Why a payload was refused. <see cref="ContractErrors.Reason"/> gives the name used in counters and logs.</summary>
public enum ContractError
{
    None,
    Malformed,
    InvalidGatewayId,
    GatewayMismatch,
    InvalidSeq,
    UnknownCompression,
    BadCompression,
    TooLarge,
    InconsistentSeries,
    CountMismatch,
    BadChecksum,
    InvalidBufferId,
}

public static class ContractErrors
{
    public static string Reason(this ContractError error) => error switch
    {
        ContractError.None => "none",
        ContractError.Malformed => "malformed",
        ContractError.InvalidGatewayId => "invalid-gateway-id",
        ContractError.GatewayMismatch => "gateway-mismatch",
        ContractError.InvalidSeq => "invalid-seq",
        ContractError.UnknownCompression => "unknown-compression",
        ContractError.BadCompression => "bad-compression",
        ContractError.TooLarge => "too-large",
        ContractError.InconsistentSeries => "inconsistent-series",
        ContractError.CountMismatch => "count-mismatch",
        ContractError.BadChecksum => "bad-checksum",
        ContractError.InvalidBufferId => "invalid-buffer-id",
        _ => error.ToString(),
    };
}

/// <summary>Encodes readings into a <see cref="Batch"/> and decodes it back, validating every step.</summary>
public static class BatchCodec
{
    /// <summary>Bodies at least this large are compressed with zstd.</summary>
    public const int DefaultCompressionThreshold = 512;

    /// <summary>A body that decompresses beyond this is refused (a zstd bomb must not exhaust memory).</summary>
    public const int MaxBodyBytes = 16 * 1024 * 1024;

    private const int CompressionLevel = 3;

    [ThreadStatic]
    private static Compressor? _compressor;

    [ThreadStatic]
    private static Decompressor? _decompressor;

    /// <summary>
    /// Builds a batch. Readings are grouped into one series per alias (and value type), keeping their
    /// order within each series.
    /// </summary>
    public static Batch Encode(BatchHeader header, IReadOnlyList<Reading> readings, int compressionThreshold = DefaultCompressionThreshold)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(readings);
        var body = EncodeReadings(readings);
        var bodyBytes = body.ToByteArray();
        var batch = new Batch
        {
            GatewayId = header.GatewayId,
            Epoch = header.Epoch,
            Seq = header.Seq,
            CreatedUnixMs = header.CreatedUnixMs,
            Kind = header.Kind,
            ReadingCount = (uint)readings.Count,
            BufferId = header.BufferId ?? string.Empty,
        };
        if (bodyBytes.Length >= compressionThreshold)
        {
            _compressor ??= new Compressor(CompressionLevel);
            var compressed = _compressor.Wrap(bodyBytes);
            if (compressed.Length < bodyBytes.Length)
            {
                batch.Compression = Compression.Zstd;
                batch.BodyCrc32C = Crc32C.Compute(compressed);
                batch.Body = ByteString.CopyFrom(compressed);
                return batch;
            }
        }

        batch.BodyCrc32C = Crc32C.Compute(bodyBytes);
        batch.Body = UnsafeByteOperations.UnsafeWrap(bodyBytes);
        return batch;
    }

    public static byte[] EncodeToBytes(BatchHeader header, IReadOnlyList<Reading> readings, int compressionThreshold = DefaultCompressionThreshold) =>
        Encode(header, readings, compressionThreshold).ToByteArray();

    public static Readings EncodeReadings(IReadOnlyList<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var body = new Readings();
        var groups = new Dictionary<(uint Alias, PointType Type), List<Reading>>();
        var order = new List<(uint, PointType)>();
        foreach (var reading in readings)
        {
            var key = (reading.Alias, reading.Value.Type);
            if (!groups.TryGetValue(key, out var group))
            {
                group = [];
                groups.Add(key, group);
                order.Add(key);
            }

            group.Add(reading);
        }

        // A point with a single exact number here goes into a scatter block, one per decimal scale.
        var singles = new SortedDictionary<int, List<Reading>>();
        foreach (var key in order)
        {
            var group = groups[key];
            var scale = group.Count == 1 && key.Item2 == PointType.Number ? SeriesCodec.FindDecimalScale([group[0]]) : -1;
            if (scale >= 0)
            {
                if (!singles.TryGetValue(scale, out var block))
                {
                    block = [];
                    singles.Add(scale, block);
                }

                block.Add(group[0]);
            }
        }

        // A lone reading at some scale joins the next finer scale's block (exact there too); a lone reading
        // left at the finest scale gains nothing from a block of its own and stays a series.
        var scales = singles.Keys.ToList();
        for (var i = 0; i < scales.Count - 1; i++)
        {
            if (singles[scales[i]].Count == 1)
            {
                singles[scales[i + 1]].AddRange(singles[scales[i]]);
                singles.Remove(scales[i]);
            }
        }

        // A lone single gains nothing from a block of its own: it stays a series.
        var scattered = singles.Values.Where(b => b.Count > 1).SelectMany(b => b).Select(r => r.Alias).ToHashSet();
        foreach (var key in order)
        {
            var group = groups[key];
            if (group.Count == 1 && key.Item2 == PointType.Number && scattered.Contains(key.Item1))
            {
                continue;
            }

            body.Series.Add(SeriesCodec.Encode(key.Item1, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(group)));
        }

        foreach (var (scale, block) in singles)
        {
            if (block.Count > 1)
            {
                body.Scatter.Add(ScatterCodec.Encode(block, scale));
            }
        }

        return body;
    }

    /// <summary>Parses the envelope only (no decompression): enough to route, deduplicate and acknowledge.</summary>
    public static bool TryParseEnvelope(ReadOnlySpan<byte> payload, out Batch batch, out ContractError error)
    {
        batch = null!;
        if (!TryParse(Batch.Parser, payload, out var parsed))
        {
            error = ContractError.Malformed;
            return false;
        }

        if (!GatewayIds.IsValid(parsed.GatewayId))
        {
            error = ContractError.InvalidGatewayId;
            return false;
        }

        if (parsed.Seq == 0)
        {
            error = ContractError.InvalidSeq;
            return false;
        }

        if (parsed.BufferId.Length > 0 && !BufferIds.IsValid(parsed.BufferId))
        {
            error = ContractError.InvalidBufferId;
            return false;
        }

        batch = parsed;
        error = ContractError.None;
        return true;
    }

    /// <summary>
    /// Checks the body's checksum (required with a buffer id, optional on a legacy batch), then decompresses and checks
    /// it: every series consistent, the reading count as announced.
    /// </summary>
    public static bool TryDecodeBody(Batch batch, out Readings readings, out ContractError error)
    {
        ArgumentNullException.ThrowIfNull(batch);
        readings = null!;
        if (batch.HasBodyCrc32C ? Crc32C.Compute(batch.Body.Span) != batch.BodyCrc32C : batch.BufferId.Length > 0)
        {
            error = ContractError.BadChecksum;
            return false;
        }

        return TryDecodeBody(batch.Compression, batch.Body.Span, batch.ReadingCount, out readings, out error);
    }

    /// <summary>
    /// Decompresses and checks a body whose checksum is known good (a stored one, say): every series consistent, the
    /// reading count as announced.
    /// </summary>
    public static bool TryDecodeBody(Compression compression, ReadOnlySpan<byte> encoded, long readingCount, out Readings readings, out ContractError error)
    {
        readings = null!;
        ReadOnlySpan<byte> body;
        switch (compression)
        {
            case Compression.None:
                body = encoded;
                break;
            case Compression.Zstd:
                if (!TryDecompress(encoded, out var decompressed, out error))
                {
                    return false;
                }

                body = decompressed;
                break;
            default:
                error = ContractError.UnknownCompression;
                return false;
        }

        if (!TryParse(Readings.Parser, body, out var parsed))
        {
            error = ContractError.Malformed;
            return false;
        }

        long total = 0;
        foreach (var series in parsed.Series)
        {
            var count = SeriesCodec.CountReadings(series);
            if (count < 0 || (series.Encoding == ValueEncoding.ScaledDelta && series.DecimalScale > SeriesCodec.MaxDecimalScale))
            {
                error = ContractError.InconsistentSeries;
                return false;
            }

            total += count;
        }

        foreach (var scatter in parsed.Scatter)
        {
            var count = ScatterCodec.CountReadings(scatter);
            if (count < 0)
            {
                error = ContractError.InconsistentSeries;
                return false;
            }

            total += count;
        }

        if (total != readingCount)
        {
            error = ContractError.CountMismatch;
            return false;
        }

        readings = parsed;
        error = ContractError.None;
        return true;
    }

    /// <summary>Every reading of a checked body: series after series, then the scatter blocks.</summary>
    public static List<Reading> Flatten(Readings readings)
    {
        var all = new List<Reading>();
        if (!TryAppendReadings(readings, all, out var error))
        {
            throw new InvalidDataException(error);
        }

        return all;
    }

    /// <summary>Appends the readings of a body (of <paramref name="onlyAlias"/> alone, if given); false with a reason when a part is inconsistent.</summary>
    public static bool TryAppendReadings(Readings readings, List<Reading> destination, out string? error, uint? onlyAlias = null)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(destination);
        foreach (var series in readings.Series)
        {
            if ((onlyAlias is null || series.Alias == onlyAlias) && !SeriesCodec.TryDecode(series, destination, out error))
            {
                return false;
            }
        }

        foreach (var scatter in readings.Scatter)
        {
            if (!ScatterCodec.TryDecode(scatter, destination, out error, onlyAlias))
            {
                return false;
            }
        }

        error = null;
        return true;
    }

    /// <summary>Parses any contract message; false for bytes that are not one.</summary>
    public static bool TryParse<T>(MessageParser<T> parser, ReadOnlySpan<byte> payload, out T message)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        try
        {
            message = parser.ParseFrom(payload);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            message = default!;
            return false;
        }
    }

    private static bool TryDecompress(ReadOnlySpan<byte> compressed, out byte[] body, out ContractError error)
    {
        body = [];
        ulong size;
        try
        {
            size = Decompressor.GetDecompressedSize(compressed);
        }
        catch (ZstdException)
        {
            error = ContractError.BadCompression;
            return false;
        }

        if (size > MaxBodyBytes)
        {
            error = ContractError.TooLarge;
            return false;
        }

        _decompressor ??= new Decompressor();
        try
        {
            body = _decompressor.Unwrap(compressed, MaxBodyBytes).ToArray();
        }
        catch (ZstdException)
        {
            error = ContractError.BadCompression;
            return false;
        }

        error = ContractError.None;
        return true;
    }
}
