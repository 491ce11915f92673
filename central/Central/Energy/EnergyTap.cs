using System.Runtime.CompilerServices;
using System.Threading.Channels;
using City.Central.Model;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Energy;

/// <summary>One lamp reading for the aggregates.</summary>
internal readonly record struct LampReading(string LampId, EnergyKind Kind, long TimestampUnixMs, double Value);

/// <summary>The lamp readings of one gateway's committed batches, handed to the aggregator.</summary>
internal sealed record EnergyBatch(string GatewayId, IReadOnlyList<LampReading> Readings);

/// <summary>A gateway's lamp points by alias: "{lamp}.energy" and "{lamp}.level" of its catalogue.</summary>
internal sealed class LampPoints
{
    private readonly Dictionary<uint, (string LampId, EnergyKind Kind)> _byAlias;

    private LampPoints(Dictionary<uint, (string, EnergyKind)> byAlias) => _byAlias = byAlias;

    public static readonly LampPoints None = new([]);

    public bool IsEmpty => _byAlias.Count == 0;

    public bool TryGet(uint alias, out string lampId, out EnergyKind kind)
    {
        if (_byAlias.TryGetValue(alias, out var point))
        {
            (lampId, kind) = point;
            return true;
        }

        (lampId, kind) = (string.Empty, default);
        return false;
    }

    public static LampPoints Of(IReadOnlyList<CataloguePoint> catalogue)
    {
        var map = new Dictionary<uint, (string, EnergyKind)>();
        foreach (var point in catalogue)
        {
            if (point.Type != PointType.Number)
            {
                continue;
            }

            if (point.Id.EndsWith(".energy", StringComparison.Ordinal) && point.Id.Length > ".energy".Length)
            {
                map[point.Alias] = (point.Id[..^".energy".Length], EnergyKind.Counter);
            }
            else if (point.Id.EndsWith(".level", StringComparison.Ordinal) && point.Id.Length > ".level".Length)
            {
                map[point.Alias] = (point.Id[..^".level".Length], EnergyKind.Level);
            }
        }

        return map.Count == 0 ? None : new LampPoints(map);
    }
}

/// <summary>
/// The ingest worker's side of the energy aggregates. While it decodes a batch it offers the readings of lamp points
/// (only those: a gateway without lamps costs one table look-up per batch); once the group's commit is known it hands
/// the committed gateways' readings to the aggregator through a bounded channel (a full channel slows ingest down rather
/// than lose readings). Readings central does not believe (outside its timestamp window) or not of good quality are left out.
/// Used by the ingest worker's single thread only, except <see cref="Reader"/> and the counters.
/// </summary>
internal sealed class EnergyTap
{
    public const int DefaultCapacity = 256;

    private readonly Channel<EnergyBatch> _channel;
    private readonly ConditionalWeakTable<IReadOnlyList<CataloguePoint>, LampPoints> _points = [];
    private readonly List<LampReading> _batch = [];
    private readonly Dictionary<string, List<LampReading>> _group = new(StringComparer.Ordinal);
    private long _pendingReadings;
    private long _handedOver;

    public EnergyTap(int capacity = DefaultCapacity)
    {
        _channel = Channel.CreateBounded<EnergyBatch>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
    }

    public ChannelReader<EnergyBatch> Reader => _channel.Reader;

    /// <summary>Readings handed over and not yet applied by the aggregator.</summary>
    public long PendingReadings => Interlocked.Read(ref _pendingReadings);

    /// <summary>Readings handed over since start.</summary>
    public long HandedOver => Interlocked.Read(ref _handedOver);

    /// <summary>The lamp points of a gateway (computed once per catalogue).</summary>
    public LampPoints PointsOf(GatewayState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return _points.GetValue(state.Catalogue, LampPoints.Of);
    }

    /// <summary>Starts a batch: what the previous one offered and did not accept is dropped.</summary>
    public void BeginBatch() => _batch.Clear();

    /// <summary>Offers decoded readings (of one series or a scatter block) of the batch being scanned; those outside [oldest, newest] (central's timestamp window) are left out.</summary>
    public void Offer(LampPoints points, List<Reading> readings, long oldestUnixMs, long newestUnixMs)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(readings);
        foreach (var reading in readings)
        {
            if (reading.Quality == Quality.Good
                && reading.TimestampUnixMs >= Math.Max(0, oldestUnixMs)
                && reading.TimestampUnixMs <= newestUnixMs
                && double.IsFinite(reading.Value.Number)
                && points.TryGet(reading.Alias, out var lampId, out var kind))
            {
                _batch.Add(new LampReading(lampId, kind, reading.TimestampUnixMs, reading.Value.Number));
            }
        }
    }

    /// <summary>The batch scanned last was accepted: its readings wait for the group's commit.</summary>
    public void AcceptBatch(string gatewayId)
    {
        if (_batch.Count == 0)
        {
            return;
        }

        if (!_group.TryGetValue(gatewayId, out var readings))
        {
            readings = [];
            _group.Add(gatewayId, readings);
        }

        readings.AddRange(_batch);
        _batch.Clear();
    }

    /// <summary>The group's commit failed: nothing of it is aggregated (the edges resend).</summary>
    public void DiscardGroup()
    {
        _batch.Clear();
        _group.Clear();
    }

    /// <summary>Hands the committed gateways' readings to the aggregator, waiting while the channel is full.</summary>
    public async ValueTask PublishAsync(IEnumerable<string> committedGatewayIds)
    {
        ArgumentNullException.ThrowIfNull(committedGatewayIds);
        if (_group.Count == 0)
        {
            return;
        }

        try
        {
            foreach (var gatewayId in committedGatewayIds)
            {
                if (_group.TryGetValue(gatewayId, out var readings))
                {
                    Interlocked.Add(ref _pendingReadings, readings.Count);
                    Interlocked.Add(ref _handedOver, readings.Count);
                    await _channel.Writer.WriteAsync(new EnergyBatch(gatewayId, readings)).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _group.Clear();
        }
    }

    /// <summary>The aggregator applied (or gave up on) a batch.</summary>
    public void Applied(EnergyBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Interlocked.Add(ref _pendingReadings, -batch.Readings.Count);
    }

    /// <summary>No more batches (the ingest worker stopped).</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
