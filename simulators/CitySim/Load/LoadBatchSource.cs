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

    private readonly string gatewayId;
    private readonly ulong epoch;
    private readonly int readingsPerPoint;
    private readonly SmoothSignal[] signals;
    private readonly Random random;
    private readonly List<Reading> buffer;
    private long cursorUnixMs;
    private ulong nextSeq = 1;

    /// <param name="bufferId">The simulated edge's buffer id; a new random one (a fresh buffer, seqs from 1) when null.</param>
    public LoadBatchSource(string gatewayId, ulong epoch, int points, int readingsPerPoint, long firstTimestampUnixMs, int seed, string? bufferId = null)
    {
        BufferId = bufferId ?? BufferIds.New();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(points);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(readingsPerPoint);
        this.gatewayId = gatewayId;
        this.epoch = epoch;
        this.readingsPerPoint = readingsPerPoint;
        cursorUnixMs = firstTimestampUnixMs;
        random = new Random(seed);
        signals = new SmoothSignal[points];
        for (var i = 0; i < points; i++)
        {
            signals[i] = SmoothSignal.ForPoint(i, random);
        }

        buffer = new List<Reading>(points * readingsPerPoint);
    }

    public int Points => signals.Length;

    public string BufferId { get; }

    public static string PointId(int index) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Device}/p{index}");

    /// <summary>The catalogue: "load/p0".."load/p{N-1}", aliases 1..N, unit W, numbers.</summary>
    public Birth CreateBirth(long timestampUnixMs, string softwareVersion)
    {
        var birth = new Birth
        {
            GatewayId = gatewayId,
            Epoch = epoch,
            BufferId = BufferId,
            TimestampUnixMs = timestampUnixMs,
            SoftwareVersion = softwareVersion,
        };
        for (var i = 0; i < signals.Length; i++)
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
        buffer.Clear();
        for (var p = 0; p < signals.Length; p++)
        {
            var alias = (uint)(p + 1);
            for (var r = 0; r < readingsPerPoint; r++)
            {
                var timestamp = cursorUnixMs + (r * 1000L);
                var noise = (random.NextDouble() * 2) - 1;
                var value = signals[p].ValueAt(timestamp / 1000.0, noise);
                buffer.Add(new Reading(alias, timestamp, PointValue.FromNumber(value)));
            }
        }

        cursorUnixMs += readingsPerPoint * 1000L;
        var seq = nextSeq++;
        var payload = BatchCodec.EncodeToBytes(new BatchHeader(gatewayId, epoch, seq, createdUnixMs, BatchKind.Telemetry, BufferId), buffer);
        return new LoadBatch(seq, payload, buffer.Count);
    }
}
