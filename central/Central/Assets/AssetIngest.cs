using System.Globalization;
using City.Central.Model;
using City.Contract;
using City.Contract.Wire;
using Microsoft.Extensions.Logging;

namespace City.Central.Assets;

/// <summary>
/// What the ingest worker tells the assets: each committed birth (its site and lamps are stored) and the readings of the
/// watched points (<see cref="WatchedPoint"/>), whose transitions give each maintenance condition the instant it started.
/// Taking a reading into account twice changes nothing, so a batch seen again (its commit failed, the edge resends) is
/// harmless; the conditions are written to assets.db after each group commit.
/// </summary>
internal sealed partial class AssetIngest
{
    private readonly AssetStore _store;
    private readonly AssetDirectory _directory;
    private readonly ILogger<AssetIngest> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Gateway, string Key), ConditionRecord> _conditions = [];
    private readonly HashSet<(string Gateway, string Key)> _dirty = [];
    private readonly Dictionary<string, GatewayWatch> _watches = new(StringComparer.Ordinal);

    // The gateway of the previous call: a batch's series all belong to one gateway, so most calls need no lock to find it.
    private GatewayWatch? _lastWatch;

    public AssetIngest(AssetStore store, AssetDirectory directory, ILogger<AssetIngest> logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _directory = directory;
        _logger = logger;
        foreach (var condition in store.LoadConditions())
        {
            _conditions[(condition.GatewayId, condition.Key)] = condition;
        }
    }

    /// <summary>A committed birth: stores its site and lamps (a store error is logged; the next birth writes them again).</summary>
    public void BirthCommitted(Birth birth, long nowUnixMs)
    {
        ArgumentNullException.ThrowIfNull(birth);
        try
        {
            _directory.ApplyBirth(birth, nowUnixMs);
        }
        catch (Exception exception) when (exception is LiteDB.LiteException or IOException)
        {
            LogBirthNotStored(_logger, birth.GatewayId, AssetStore.FileName, exception);
        }
    }

    /// <summary>
    /// Readings of one point of a gateway (on the ingest worker, before the commit): good readings of a watched point
    /// inside [oldest, newest] move its condition.
    /// </summary>
    public void Observe(GatewayState state, IReadOnlyList<Reading> readings, long oldestUnixMs, long newestUnixMs)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(readings);
        if (readings.Count == 0)
        {
            return;
        }

        var watch = Volatile.Read(ref _lastWatch);
        if (watch is null || !ReferenceEquals(watch.Catalogue, state.Catalogue) || !string.Equals(watch.GatewayId, state.Id, StringComparison.Ordinal))
        {
            watch = WatchOf(state);
            Volatile.Write(ref _lastWatch, watch);
        }

        if (!watch.Watched.TryGetValue(readings[0].Alias, out var point))
        {
            return;
        }

        double? ratedLife = point.Kind == MaintenanceKinds.PastRatedLife ? RatedLife(state, watch, point.LampId!) : null;
        if (ratedLife is 0)
        {
            return;
        }

        lock (_gate)
        {
            var key = (state.Id, point.ConditionKey);
            var record = _conditions.GetValueOrDefault(key) ?? new ConditionRecord(state.Id, point.ConditionKey, null, null, null, null);
            var changed = record;
            foreach (var reading in readings)
            {
                if (reading.Alias != point.Alias || reading.Quality != Quality.Good
                    || reading.TimestampUnixMs < oldestUnixMs || reading.TimestampUnixMs > newestUnixMs)
                {
                    continue;
                }

                changed = ratedLife is { } life
                    ? changed.With(reading.TimestampUnixMs, reading.Value.Number >= life, string.Create(CultureInfo.InvariantCulture, $"{reading.Value.Number:0.#} h of {life:0.#} h"))
                    : changed.With(reading.TimestampUnixMs, point.IsSet(reading.Value), null);
            }

            if (changed != record)
            {
                _conditions[key] = changed;
                _dirty.Add(key);
            }
        }
    }

    /// <summary>Writes the conditions changed since the last flush (after a group commit); on a store error they stay to write next time.</summary>
    public void Flush()
    {
        List<ConditionRecord> changed;
        lock (_gate)
        {
            if (_dirty.Count == 0)
            {
                return;
            }

            changed = [.. _dirty.Select(k => _conditions[k])];
            _dirty.Clear();
        }

        try
        {
            _store.SaveConditions(changed);
        }
        catch (Exception exception) when (exception is LiteDB.LiteException or IOException)
        {
            LogConditionsNotStored(_logger, changed.Count, AssetStore.FileName, exception);
            lock (_gate)
            {
                foreach (var condition in changed)
                {
                    _dirty.Add((condition.GatewayId, condition.Key));
                }
            }
        }
    }

    /// <summary>The tracked condition of a gateway's point (key: point id, or point id + "!past-life"), or null.</summary>
    public ConditionRecord? Condition(string gatewayId, string key)
    {
        lock (_gate)
        {
            return _conditions.GetValueOrDefault((gatewayId, key));
        }
    }

    /// <summary>The lamp's rated life: the asset's (import, then birth), else the gear's own (bank 207's latest value), else 0.</summary>
    public double RatedLife(GatewayState state, string lampId) => RatedLife(state, WatchOf(state), lampId);

    /// <summary>The watched points of a gateway's catalogue (cached per catalogue).</summary>
    public IReadOnlyDictionary<uint, WatchedPoint> Watched(GatewayState state) => WatchOf(state).Watched;

    private double RatedLife(GatewayState state, GatewayWatch watch, string lampId)
    {
        if (_directory.Find(state.Id, lampId) is { RatedLifeHours: > 0 } asset)
        {
            return asset.RatedLifeHours;
        }

        return watch.RatedLife.TryGetValue(lampId, out var alias) && state.Latest.TryGetValue(alias, out var latest)
            && latest.Value.Type == PointType.Number && double.IsFinite(latest.Value.Number) && latest.Value.Number > 0
            ? latest.Value.Number
            : 0;
    }

    private GatewayWatch WatchOf(GatewayState state)
    {
        lock (_gate)
        {
            if (_watches.TryGetValue(state.Id, out var watch) && ReferenceEquals(watch.Catalogue, state.Catalogue))
            {
                return watch;
            }

            var (watched, ratedLife) = WatchedPoint.Map(state.Catalogue);
            watch = new GatewayWatch(state.Id, state.Catalogue, watched, ratedLife);
            _watches[state.Id] = watch;
            return watch;
        }
    }

    private sealed record GatewayWatch(string GatewayId, IReadOnlyList<CataloguePoint> Catalogue, Dictionary<uint, WatchedPoint> Watched, Dictionary<string, uint> RatedLife);

    [LoggerMessage(Level = LogLevel.Error, Message = "The site and lamps of {Gateway}'s birth could not be stored in {File}; its next birth stores them")]
    private static partial void LogBirthNotStored(ILogger logger, string gateway, string file, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} maintenance conditions could not be stored in {File}; tried again after the next commit")]
    private static partial void LogConditionsNotStored(ILogger logger, int count, string file, Exception exception);
}
