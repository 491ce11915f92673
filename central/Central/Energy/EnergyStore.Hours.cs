using LiteDB;

namespace City.Central.Energy;

/// <summary>The energy store's readings per lamp and hour, and its hourly figures.</summary>
internal sealed partial class EnergyStore
{
    /// <summary>The series of a lamp's counter (kind 0) or level (kind 1) readings.</summary>
    public static int Series(int lampNo, EnergyKind kind) => (lampNo * 2) + (int)kind;

    /// <summary>Adds readings (any order, times from 1970) to a series; a reading at an instant already stored replaces it.</summary>
    public void AddSamples(int series, IEnumerable<EnergySample> samples)
    {
        foreach (var bucketGroup in samples.GroupBy(s => BucketOf(s.TimestampUnixMs)))
        {
            var id = Id(series, bucketGroup.Key);
            var doc = _samples.FindById(id);
            var merged = EnergyCalculator.Merge(doc is null ? [] : ReadSamples(doc), bucketGroup);
            var times = new BsonArray(merged.Select(s => new BsonValue(s.TimestampUnixMs)));
            var values = new BsonArray(merged.Select(s => new BsonValue(s.Value)));
            var updated = new BsonDocument { ["_id"] = id, ["t"] = times, ["v"] = values };
            if (doc is null)
            {
                _samples.Insert(updated);
            }
            else
            {
                _samples.Update(updated);
            }

            var newest = merged[^1];
            if (!_newest.TryGetValue(series, out var known) || known is null || known.Value.TimestampUnixMs < newest.TimestampUnixMs)
            {
                _newest[series] = newest;
            }
        }
    }

    /// <summary>The readings of a series with a time in [fromUnixMs, toUnixMs], by time.</summary>
    public List<EnergySample> LoadSamples(int series, long fromUnixMs, long toUnixMs)
    {
        var result = new List<EnergySample>();
        if (toUnixMs < fromUnixMs)
        {
            return result;
        }

        var query = IdBetween(Id(series, BucketOf(Math.Max(0, fromUnixMs))), Id(series, BucketOf(Math.Max(0, toUnixMs))));
        foreach (var doc in _samples.Find(query))
        {
            result.AddRange(ReadSamples(doc).Where(s => s.TimestampUnixMs >= fromUnixMs && s.TimestampUnixMs <= toUnixMs));
        }

        return result;
    }

    /// <summary>The newest reading of a series before an instant, however old, or null.</summary>
    public EnergySample? LastBefore(int series, long unixMs)
    {
        if (Newest(series) is not { } newest)
        {
            return null;
        }

        if (newest.TimestampUnixMs < unixMs)
        {
            return newest;
        }

        var bucket = BucketOf(Math.Max(0, unixMs));
        var sameBucket = LoadSamples(series, bucket * BucketMs, unixMs - 1);
        if (sameBucket.Count > 0)
        {
            return sameBucket[^1];
        }

        if (bucket == 0)
        {
            return null;
        }

        var doc = _samples.Query()
            .Where(IdBetween(Id(series, 0), Id(series, bucket - 1)))
            .OrderByDescending("_id")
            .Limit(1)
            .FirstOrDefault();
        return doc is null ? null : ReadSamples(doc)[^1];
    }

    /// <summary>The oldest reading of a series after an instant, however far, or null.</summary>
    public EnergySample? FirstAfter(int series, long unixMs)
    {
        if (Newest(series) is not { } newest || newest.TimestampUnixMs <= unixMs)
        {
            return null;
        }

        var bucket = BucketOf(Math.Max(0, unixMs));
        var sameBucket = LoadSamples(series, unixMs + 1, ((bucket + 1) * BucketMs) - 1);
        if (sameBucket.Count > 0)
        {
            return sameBucket[0];
        }

        var doc = _samples.Query()
            .Where(IdBetween(Id(series, bucket + 1), Id(series, HourMask)))
            .OrderBy("_id")
            .Limit(1)
            .FirstOrDefault();
        return doc is null ? null : ReadSamples(doc)[0];
    }

    /// <summary>The newest reading of a series (cached; read once from the store per series), or null.</summary>
    private EnergySample? Newest(int series)
    {
        if (_newest.TryGetValue(series, out var known))
        {
            return known;
        }

        var doc = _samples.Query()
            .Where(IdBetween(Id(series, 0), Id(series, HourMask)))
            .OrderByDescending("_id")
            .Limit(1)
            .FirstOrDefault();
        var newest = doc is null ? (EnergySample?)null : ReadSamples(doc)[^1];
        _newest[series] = newest;
        return newest;
    }

    /// <summary>
    /// "_id BETWEEN @0 AND @1" with the bounds as parameters: LiteDB compiles an expression once per text, so bounds written
    /// into the text (as Query.Between does) would cost a compilation per query.
    /// </summary>
    private static BsonExpression IdBetween(long low, long high) =>
        BsonExpression.Create("_id BETWEEN @0 AND @1", new BsonValue(low), new BsonValue(high));

    private static long BucketOf(long unixMs) => EnergyCalculator.HourOf(unixMs) / SampleBucketHours;

    /// <summary>A lamp's stored hours in [fromHour, toHour], by hour.</summary>
    public Dictionary<long, LampHour> GetLampHours(int lampNo, long fromHour, long toHour) =>
        _lampHours.Find(IdBetween(Id(lampNo, fromHour), Id(lampNo, toHour))).Select(ReadLampHour).ToDictionary(h => h.Hour);

    /// <summary>Writes a lamp's hour; <paramref name="isNew"/>: it was not stored yet.</summary>
    public void PutLampHour(int lampNo, LampHour figures, bool isNew)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var doc = new BsonDocument
        {
            ["_id"] = Id(lampNo, figures.Hour),
            ["m"] = figures.MeasuredWh,
            ["r"] = figures.CounterResets,
            ["lit"] = figures.LitSeconds,
            ["rw"] = figures.RatedPowerW,
            ["bw"] = figures.ReplacedPowerW,
            ["gw"] = figures.GatewayNo,
            ["tn"] = figures.TownNo,
        };
        if (isNew)
        {
            _lampHours.Insert(doc);
        }
        else
        {
            _lampHours.Update(doc);
        }
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
        var docs = collection.Find(IdBetween(Id(no, Math.Max(0, fromHour)), Id(no, Math.Min(MaxHour, toHour))));
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
