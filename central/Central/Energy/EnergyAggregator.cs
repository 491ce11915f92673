using City.Central.Assets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace City.Central.Energy;

/// <summary>
/// Applies the lamp readings the ingest worker hands over to the energy store: each batch adds its readings to the
/// lamps' stored series and recomputes every hour they can change (from the stored readings, never by adding blindly,
/// so late, out-of-order and resent readings give the same figures as readings in order), then adds the difference of
/// each recomputed lamp hour to its gateway's and its town's hour. One transaction per round of batches.
/// </summary>
internal sealed partial class EnergyAggregator : BackgroundService
{
    private const int MaxBatchesPerRound = 64;

    private readonly EnergyTap _tap;
    private readonly EnergyStore _store;
    private readonly AssetDirectory _assets;
    private readonly ILogger<EnergyAggregator> _logger;
    private readonly TimeProvider _time;
    private long _failedBatches;

    public EnergyAggregator(EnergyTap tap, EnergyStore store, AssetDirectory assets, TimeProvider time, ILogger<EnergyAggregator> logger)
    {
        _tap = tap;
        _store = store;
        _assets = assets;
        _time = time;
        _logger = logger;
    }

    /// <summary>Batches whose aggregation failed (logged with the error).</summary>
    public long FailedBatches => Interlocked.Read(ref _failedBatches);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var round = new List<EnergyBatch>(MaxBatchesPerRound);
        try
        {
            while (await _tap.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                ApplyAvailable(round);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // The ingest worker stops first (it is registered after this service): what it handed over is applied before exit.
        ApplyAvailable(round);
        _store.Checkpoint();
    }

    private void ApplyAvailable(List<EnergyBatch> round)
    {
        while (true)
        {
            round.Clear();
            while (round.Count < MaxBatchesPerRound && _tap.Reader.TryRead(out var batch))
            {
                round.Add(batch);
            }

            if (round.Count == 0)
            {
                return;
            }

            try
            {
                _store.InTransaction(() => Apply(round));
            }
            // Logged and counted; the readings stay in the readings store, only the aggregates miss them.
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                Interlocked.Add(ref _failedBatches, round.Count);
                LogApplyFailed(_logger, round.Count, round.Sum(b => b.Readings.Count), _store.FilePath, exception);
            }
            finally
            {
                foreach (var batch in round)
                {
                    _tap.Applied(batch);
                }
            }
        }
    }

    /// <summary>Applies batches to the store (inside the caller's transaction).</summary>
    internal void Apply(IReadOnlyList<EnergyBatch> batches)
    {
        // A lamp's readings of the whole round together: one recompute per lamp, however many batches carried it.
        var rollups = new RollupDifferences();
        foreach (var gateway in batches.GroupBy(b => b.GatewayId, StringComparer.Ordinal))
        {
            var gatewayNo = _store.NumberOf(EnergyScope.Gateway, gateway.Key);
            foreach (var lamp in gateway.SelectMany(b => b.Readings).GroupBy(r => r.LampId, StringComparer.Ordinal))
            {
                ApplyLamp(gateway.Key, gatewayNo, lamp.Key, [.. lamp], rollups);
            }
        }

        rollups.WriteTo(_store);
    }

    private void ApplyLamp(string gatewayId, int gatewayNo, string lampId, List<LampReading> readings, RollupDifferences rollups)
    {
        var lampNo = _store.NumberOf(EnergyScope.Lamp, EnergyStore.LampName(gatewayId, lampId));
        var asset = _assets.Find(gatewayId, lampId);
        var town = asset?.Town ?? _assets.TownOf(gatewayId);
        var townNo = string.IsNullOrEmpty(town) ? 0 : _store.NumberOf(EnergyScope.Town, town);
        long first = long.MaxValue, last = long.MinValue;

        var counter = readings.Where(r => r.Kind == EnergyKind.Counter).Select(r => new EnergySample(r.TimestampUnixMs, r.Value)).ToList();
        if (counter.Count > 0)
        {
            // A counter reading changes the hours from the reading before it to the reading after it.
            var series = EnergyStore.Series(lampNo, EnergyKind.Counter);
            var oldest = counter.Min(s => s.TimestampUnixMs);
            var newest = counter.Max(s => s.TimestampUnixMs);
            var before = _store.LastBefore(series, oldest);
            var after = _store.FirstAfter(series, newest);
            _store.AddSamples(series, counter);
            first = Math.Min(first, EnergyCalculator.HourOf(before?.TimestampUnixMs ?? oldest));
            last = Math.Max(last, EnergyCalculator.HourOf(after?.TimestampUnixMs ?? newest));
        }

        var level = readings.Where(r => r.Kind == EnergyKind.Level).Select(r => new EnergySample(r.TimestampUnixMs, r.Value)).ToList();
        if (level.Count > 0)
        {
            // A level reading changes at most the hold of the readings of the hour before it, and its own hold.
            _store.AddSamples(EnergyStore.Series(lampNo, EnergyKind.Level), level);
            first = Math.Min(first, EnergyCalculator.HourOf(level.Min(s => s.TimestampUnixMs) - EnergyCalculator.MaxHoldMs));
            last = Math.Max(last, EnergyCalculator.HourOf(level.Max(s => s.TimestampUnixMs) + EnergyCalculator.MaxHoldMs));
        }

        first = Math.Max(0, first);
        last = Math.Min(EnergyStore.MaxHour, last);
        if (last < first)
        {
            return;
        }

        var lamp = new LampContext(lampNo, gatewayNo, townNo, asset?.RatedPowerW ?? 0, asset?.ReplacedPowerW ?? 0);
        Recompute(lamp, first, last, rollups);
    }

    /// <summary>Recomputes a lamp's hours [first, last] from its stored readings and records what changed.</summary>
    internal void Recompute(LampContext lamp, long first, long last, RollupDifferences rollups)
    {
        var hours = new HourFigures[last - first + 1];
        var counterSeries = EnergyStore.Series(lamp.LampNo, EnergyKind.Counter);
        var counter = new List<EnergySample>();
        var rangeStart = first * EnergyCalculator.MsPerHour;
        var rangeEnd = (last + 1) * EnergyCalculator.MsPerHour;
        if (_store.LastBefore(counterSeries, rangeStart) is { } before)
        {
            counter.Add(before);
        }

        counter.AddRange(_store.LoadSamples(counterSeries, rangeStart, rangeEnd - 1));
        if (_store.FirstAfter(counterSeries, rangeEnd - 1) is { } after)
        {
            counter.Add(after);
        }

        EnergyCalculator.AddEnergy(counter, first, hours);
        var levelSeries = EnergyStore.Series(lamp.LampNo, EnergyKind.Level);
        var level = _store.LoadSamples(levelSeries, rangeStart - EnergyCalculator.MaxHoldMs, rangeEnd - 1);
        if (_store.FirstAfter(levelSeries, rangeEnd - 1) is { } nextLevel)
        {
            level.Add(nextLevel);
        }

        // The newest level holds until central received it, not an hour into the future; the next reading recomputes it.
        EnergyCalculator.AddLevel(level, first, hours, _time.GetUtcNow().ToUnixTimeMilliseconds());
        var stored = _store.GetLampHours(lamp.LampNo, first, last);
        for (var i = 0; i < hours.Length; i++)
        {
            var hour = first + i;
            var figures = hours[i];
            var old = stored.GetValueOrDefault(hour);
            if (old is null && !figures.EnergyCovered && !figures.LevelCovered)
            {
                continue;
            }

            var updated = new LampHour(hour, figures.MeasuredWh, figures.CounterResets, figures.LitSeconds, lamp.RatedPowerW, lamp.ReplacedPowerW, lamp.GatewayNo, lamp.TownNo);
            if (updated == old)
            {
                continue;
            }

            _store.PutLampHour(lamp.LampNo, updated, isNew: old is null);
            if (old is not null)
            {
                rollups.Add(EnergyScope.Gateway, old.GatewayNo, old.Totals, -1);
                rollups.Add(EnergyScope.Town, old.TownNo, old.Totals, -1);
            }

            rollups.Add(EnergyScope.Gateway, updated.GatewayNo, updated.Totals, 1);
            rollups.Add(EnergyScope.Town, updated.TownNo, updated.Totals, 1);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Energy aggregates: {Batches} batches ({Readings} lamp readings) could not be applied to {File}; their readings are stored, the hourly figures miss them")]
    private static partial void LogApplyFailed(ILogger logger, int batches, int readings, string file, Exception exception);
}

/// <summary>What a lamp's hours are added to, and its powers.</summary>
internal sealed record LampContext(int LampNo, int GatewayNo, int TownNo, double RatedPowerW, double ReplacedPowerW);

/// <summary>The differences to add to gateway and town hours, summed over a round and written once.</summary>
internal sealed class RollupDifferences
{
    private readonly Dictionary<(EnergyScope Scope, int No, long Hour), HourTotals> _differences = [];

    public void Add(EnergyScope scope, int no, HourTotals totals, int sign)
    {
        if (no <= 0)
        {
            return;
        }

        var key = (scope, no, totals.Hour);
        var current = _differences.GetValueOrDefault(key) ?? HourTotals.Zero(totals.Hour);
        _differences[key] = current.Plus(totals, sign);
    }

    public void WriteTo(EnergyStore store)
    {
        foreach (var ((scope, no, _), difference) in _differences)
        {
            store.AddToRollup(scope, no, difference);
        }

        _differences.Clear();
    }
}
