using City.Contract;
using City.Contract.Wire;

namespace City.Sim.Load;

/// <summary>One encoded data batch, ready to publish.</summary>
internal readonly record struct LoadBatch(ulong Seq, byte[] Payload, int ReadingCount);

/// <summary>
/// The readings of one simulated gateway: <c>points</c> numeric points sampled once a second, cut into
/// batches of <c>readingsPerPoint</c> seconds. Seq starts at 1; timestamps advance one second per reading
/// from <c>firstTimestampUnixMs</c>, whatever the publish rate (the time axis is synthetic).
/// </summary>
internal sealed class LoadBatchSource
{
    public const string Device = "load";
    public const string Unit = "W";

    private readonly string _gatewayId;
    private readonly ulong _epoch;
    private readonly int _readingsPerPoint;
    private readonly SmoothSignal[] _signals;
    private readonly Random _random;
    private readonly List<Reading> _buffer;
    private long _cursorUnixMs;
    private ulong _nextSeq = 1;

    /// <param name="bufferId">The simulated edge's buffer id; a new random one (a fresh buffer, seqs from 1) when null.</param>
    public LoadBatchSource(string gatewayId, ulong epoch, int points, int readingsPerPoint, long firstTimestampUnixMs, int seed, string? bufferId = null)
    {
        BufferId = bufferId ?? BufferIds.New();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(points);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(readingsPerPoint);
        _gatewayId = gatewayId;
        _epoch = epoch;
        _readingsPerPoint = readingsPerPoint;
        _cursorUnixMs = firstTimestampUnixMs;
        _random = new Random(seed);
        _signals = new SmoothSignal[points];
        for (var i = 0; i < points; i++)
        {
            _signals[i] = SmoothSignal.ForPoint(i, _random);
        }

        _buffer = new List<Reading>(points * readingsPerPoint);
    }

    public int Points => _signals.Length;

    public string BufferId { get; }

    public static string PointId(int index) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Device}/p{index}");

    /// <summary>The catalogue: "load/p0".."load/p{N-1}", aliases 1..N, unit W, numbers.</summary>
    public Birth CreateBirth(long timestampUnixMs, string softwareVersion)
    {
        var birth = new Birth
        {
            GatewayId = _gatewayId,
            Epoch = _epoch,
            BufferId = BufferId,
            TimestampUnixMs = timestampUnixMs,
            SoftwareVersion = softwareVersion,
        };
        for (var i = 0; i < _signals.Length; i++)
        {
            birth.Points.Add(new PointInfo
            {
                Alias = (uint)(i + 1),
                Id = PointId(i),
                Unit = Unit,
                Type = PointType.Number,
                Device = Device,
                Description = "citysim load point",
            });
        }

        return birth;
    }

    /// <summary>Builds and encodes the next batch (seq and timestamps advance).</summary>
    public LoadBatch Next(long createdUnixMs)
    {
        _buffer.Clear();
        for (var p = 0; p < _signals.Length; p++)
        {
            var alias = (uint)(p + 1);
            for (var r = 0; r < _readingsPerPoint; r++)
            {
                var timestamp = _cursorUnixMs + (r * 1000L);
                var noise = (_random.NextDouble() * 2) - 1;
                var value = _signals[p].ValueAt(timestamp / 1000.0, noise);
                _buffer.Add(new Reading(alias, timestamp, PointValue.FromNumber(value)));
            }
        }

        _cursorUnixMs += _readingsPerPoint * 1000L;
        var seq = _nextSeq++;
        var payload = BatchCodec.EncodeToBytes(new BatchHeader(_gatewayId, _epoch, seq, createdUnixMs, BatchKind.Telemetry, BufferId), _buffer);
        return new LoadBatch(seq, payload, _buffer.Count);
    }
}
