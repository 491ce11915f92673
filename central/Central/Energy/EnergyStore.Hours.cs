using LiteDB;

namespace City.Central.Energy;

/// <summary>The energy store's readings per lamp and hour, and its hourly figures.</summary>
internal sealed partial class EnergyStore
{
    /// <summary>The series of a lamp's counter (kind 0) or level (kind 1) readings.</summary>
    public static int Series(int lampNo, EnergyKind kind) => (lampNo * 2) + (int)kind;

    /// <summary>Adds readings (any order) to a series; a reading at an instant already stored replaces it.</summary>
    public void AddSamples(int series, IEnumerable<EnergySample> samples)
    {
        foreach (var hourGroup in samples.GroupBy(s => EnergyCalculator.HourOf(s.TimestampUnixMs)))
        {
            var id = Id(series, hourGroup.Key);
            var doc = _samples.FindById(id);
            var merged = EnergyCalculator.Merge(doc is null ? [] : ReadSamples(doc), hourGroup);
            var times = new BsonArray(merged.Select(s => new BsonValue(s.TimestampUnixMs)));
            var values = new BsonArray(merged.Select(s => new BsonValue(s.Value)));
            _samples.Upsert(new BsonDocument { ["_id"] = id, ["t"] = times, ["v"] = values });
        }
    }

    /// <summary>The readings of a series in the hours [fromHour, toHour], by time.</summary>
    public List<EnergySample> LoadSamples(int series, long fromHour, long toHour)
    {
        var result = new List<EnergySample>();
        foreach (var doc in _samples.Find(Query.Between("_id", Id(series, fromHour), Id(series, toHour))))
        {
            result.AddRange(ReadSamples(doc));
        }

        result.Sort((a, b) => a.TimestampUnixMs.CompareTo(b.TimestampUnixMs));
        return result;
    }

    /// <summary>The newest reading of a series before an instant, however old, or null.</summary>
    public EnergySample? LastBefore(int series, long unixMs)
    {
        var hour = EnergyCalculator.HourOf(unixMs);
        var sameHour = LoadSamples(series, hour, hour).LastOrDefault(s => s.TimestampUnixMs < unixMs);
        if (sameHour != default)
        {
            return sameHour;
        }

        if (hour == 0)
        {
            return null;
        }

        var doc = _samples.Query()
            .Where(Query.Between("_id", Id(series, 0), Id(series, hour - 1)))
            .OrderByDescending("_id")
            .Limit(1)
            .FirstOrDefault();
        return doc is null ? null : ReadSamples(doc)[^1];
    }

    /// <summary>The oldest reading of a series after an instant, however far, or null.</summary>
    public EnergySample? FirstAfter(int series, long unixMs)
    {
        var hour = EnergyCalculator.HourOf(unixMs);
        var sameHour = LoadSamples(series, hour, hour).FirstOrDefault(s => s.TimestampUnixMs > unixMs);
        if (sameHour != default)
        {
            return sameHour;
        }

        if (hour >= MaxHour)
        {
            return null;
        }

        var doc = _samples.Query()
            .Where(Query.Between("_id", Id(series, hour + 1), Id(series, MaxHour)))
            .OrderBy("_id")
            .Limit(1)
            .FirstOrDefault();
        return doc is null ? null : ReadSamples(doc)[0];
    }

    public LampHour? GetLampHour(int lampNo, long hour)
    {
        var doc = _lampHours.FindById(Id(lampNo, hour));
        return doc is null ? null : ReadLampHour(doc);
    }

    public void PutLampHour(int lampNo, LampHour figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        _lampHours.Upsert(new BsonDocument
        {
            ["_id"] = Id(lampNo, figures.Hour),
            ["m"] = figures.MeasuredWh,
            ["r"] = figures.CounterResets,
            ["lit"] = figures.LitSeconds,
            ["rw"] = figures.RatedPowerW,
            ["bw"] = figures.ReplacedPowerW,
            ["gw"] = figures.GatewayNo,
            ["tn"] = figures.TownNo,
        });
    }

    /// <summary>Adds a difference to a gateway's or a town's hour.</summary>
    public void AddToRollup(EnergyScope scope, int no, HourTotals difference)
    {
        ArgumentNullException.ThrowIfNull(difference);
        var collection = Rollup(scope);
        var id = Id(no, difference.Hour);
        var doc = collection.FindById(id);
        var sum = (doc is null ? HourTotals.Zero(difference.Hour) : ReadTotals(doc)).Plus(difference, 1);
        collection.Upsert(new BsonDocument
        {
            ["_id"] = id,
            ["m"] = sum.MeasuredWh,
            ["f"] = sum.FullPowerWh,
            ["b"] = sum.BaselineWh,
            ["lit"] = sum.LitSeconds,
            ["r"] = sum.CounterResets,
            ["n"] = sum.Lamps,
        });
    }

    /// <summary>The stored hours of a lamp, gateway or town in [fromHour, toHour], oldest first (hours without data are absent).</summary>
    public List<HourTotals> ReadHours(EnergyScope scope, int no, long fromHour, long toHour)
    {
        var collection = Rollup(scope);
        var docs = collection.Find(Query.Between("_id", Id(no, Math.Max(0, fromHour)), Id(no, Math.Min(MaxHour, toHour))));
        return scope == EnergyScope.Lamp
            ? [.. docs.Select(d => ReadLampHour(d).Totals)]
            : [.. docs.Select(ReadTotals)];
    }

    private static List<EnergySample> ReadSamples(BsonDocument doc)
    {
        var times = doc["t"].AsArray;
        var values = doc["v"].AsArray;
        var result = new List<EnergySample>(times.Count);
        for (var i = 0; i < times.Count; i++)
        {
            result.Add(new EnergySample(times[i].AsInt64, values[i].AsDouble));
        }

        return result;
    }

    private static LampHour ReadLampHour(BsonDocument doc) => new(
        HourOfId(doc["_id"].AsInt64),
        doc["m"].AsDouble,
        doc["r"].AsInt32,
        doc["lit"].AsDouble,
        doc["rw"].AsDouble,
        doc["bw"].AsDouble,
        doc["gw"].AsInt32,
        doc["tn"].AsInt32);

    private static HourTotals ReadTotals(BsonDocument doc) => new(
        HourOfId(doc["_id"].AsInt64),
        doc["m"].AsDouble,
        doc["f"].AsDouble,
        doc["b"].AsDouble,
        doc["lit"].AsDouble,
        doc["r"].AsInt32,
        doc["n"].AsInt32);
}

/// <summary>Which of a lamp's points a reading is.</summary>
internal enum EnergyKind
{
    /// <summary>"{lamp}.energy": the D4i energy counter, Wh.</summary>
    Counter = 0,

    /// <summary>"{lamp}.level": the arc level, 0 = off.</summary>
    Level = 1,
}
