using System.Globalization;
using LiteDB;

namespace City.Central.Assets;

/// <summary>
/// Towns, sites, lamps and maintenance conditions in a LiteDB file of their own beside central's store
/// (<c>{DataPath}/assets.db</c>): the sites and lamps of the births (replaced at each birth), the imported lamps (kept
/// until an import changes them) and the watched conditions with the instant each started.
/// </summary>
internal sealed class AssetStore : IDisposable
{
    public const string FileName = "assets.db";

    private const string SitesCollection = "sites";
    private const string BirthLampsCollection = "birthlamps";
    private const string ImportedLampsCollection = "imported";
    private const string ConditionsCollection = "conditions";
    private const string TagsCollection = "tags";
    private const string AcksCollection = "acks";

    private readonly LiteDatabase _database;
    private readonly ILiteCollection<BsonDocument> _sites;
    private readonly ILiteCollection<BsonDocument> _birthLamps;
    private readonly ILiteCollection<BsonDocument> _imported;
    private readonly ILiteCollection<BsonDocument> _conditions;
    private readonly ILiteCollection<BsonDocument> _tags;
    private readonly ILiteCollection<BsonDocument> _acks;
    private readonly Lock _write = new();

    public AssetStore(string dataPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataPath);
        Directory.CreateDirectory(dataPath);
        FilePath = Path.Combine(dataPath, FileName);
        _database = new LiteDatabase(new ConnectionString { Filename = FilePath, Connection = ConnectionType.Direct });
        _sites = _database.GetCollection(SitesCollection);
        _birthLamps = _database.GetCollection(BirthLampsCollection);
        _imported = _database.GetCollection(ImportedLampsCollection);
        _conditions = _database.GetCollection(ConditionsCollection);
        _tags = _database.GetCollection(TagsCollection);
        _acks = _database.GetCollection(AcksCollection);
        _birthLamps.EnsureIndex("gw");
    }

    public string FilePath { get; }

    public IReadOnlyList<SiteRecord> LoadSites() => [.. _sites.FindAll().Select(ReadSite)];

    public IReadOnlyList<LampFields> LoadBirthLamps() => [.. _birthLamps.FindAll().Select(ReadLamp)];

    public IReadOnlyList<LampFields> LoadImportedLamps() => [.. _imported.FindAll().Select(ReadLamp)];

    public IReadOnlyList<ConditionRecord> LoadConditions() => [.. _conditions.FindAll().Select(ReadCondition)];

    /// <summary>Replaces a gateway's site (deleted when null) and its birth lamps, in one transaction.</summary>
    public void SaveBirth(string gatewayId, SiteRecord? site, IReadOnlyList<LampFields> lamps)
    {
        ArgumentNullException.ThrowIfNull(lamps);
        InTransaction(() =>
        {
            if (site is null)
            {
                _sites.Delete(gatewayId);
            }
            else
            {
                _sites.Upsert(WriteSite(site));
            }

            _birthLamps.DeleteMany(Query.EQ("gw", gatewayId));
            _birthLamps.InsertBulk(lamps.Select(WriteLamp));
        });
    }

    /// <summary>Writes imported lamps (replacing the same gateway and lamp), all or none.</summary>
    public void SaveImported(IReadOnlyList<LampFields> lamps)
    {
        ArgumentNullException.ThrowIfNull(lamps);
        InTransaction(() =>
        {
            foreach (var lamp in lamps)
            {
                _imported.Upsert(WriteLamp(lamp));
            }
        });
    }

    public void SaveConditions(IReadOnlyCollection<ConditionRecord> conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.Count == 0)
        {
            return;
        }

        InTransaction(() =>
        {
            foreach (var condition in conditions)
            {
                _conditions.Upsert(WriteCondition(condition));
            }
        });
    }

    /// <summary>Every gateway's tags (gateways without tags are not stored).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> LoadTags() =>
        _tags.FindAll().ToDictionary(d => d["_id"].AsString, d => (IReadOnlyList<string>)[.. d["tags"].AsArray.Select(t => t.AsString)], StringComparer.Ordinal);

    /// <summary>Replaces a gateway's tags; none deletes the entry.</summary>
    public void SaveTags(string gatewayId, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        InTransaction(() =>
        {
            if (tags.Count == 0)
            {
                _tags.Delete(gatewayId);
            }
            else
            {
                _tags.Upsert(new BsonDocument { ["_id"] = gatewayId, ["tags"] = new BsonArray(tags.Select(t => new BsonValue(t))) });
            }
        });
    }

    /// <summary>Every acknowledgement of an alarm or event (its key, who, when).</summary>
    public IReadOnlyList<AlarmAck> LoadAcks() =>
        [.. _acks.FindAll().Select(d => new AlarmAck(d["_id"].AsString, d["by"].AsString, d["at"].AsInt64))];

    /// <summary>Stores acknowledgements (an existing key keeps its first one) and deletes those given in <paramref name="forget"/>.</summary>
    public void SaveAcks(IReadOnlyCollection<AlarmAck> acks, IReadOnlyCollection<string> forget)
    {
        ArgumentNullException.ThrowIfNull(acks);
        ArgumentNullException.ThrowIfNull(forget);
        InTransaction(() =>
        {
            foreach (var ack in acks)
            {
                _acks.Insert(new BsonDocument { ["_id"] = ack.Key, ["by"] = ack.By, ["at"] = ack.AtUnixMs });
            }

            foreach (var key in forget)
            {
                _acks.Delete(key);
            }
        });
    }

    public void Dispose() => _database.Dispose();

    private void InTransaction(Action write)
    {
        lock (_write)
        {
            _database.BeginTrans();
            try
            {
                write();
                _database.Commit();
            }
            catch (Exception)
            {
                _database.Rollback();
                throw;
            }
        }
    }

    private static string Key(string gatewayId, string item) => gatewayId + "|" + item;

    private static BsonDocument WriteSite(SiteRecord site) => new()
    {
        ["_id"] = site.GatewayId,
        ["town"] = site.Town,
        ["district"] = site.District,
        ["lat"] = site.Latitude,
        ["lon"] = site.Longitude,
        ["tz"] = site.TimeZone,
        ["at"] = site.UpdatedUnixMs,
    };

    private static SiteRecord ReadSite(BsonDocument doc) => new(
        doc["_id"].AsString, Text(doc["town"]), Text(doc["district"]), doc["lat"].AsDouble, doc["lon"].AsDouble, Text(doc["tz"]), doc["at"].AsInt64);

    private static BsonDocument WriteLamp(LampFields lamp) => new()
    {
        ["_id"] = Key(lamp.GatewayId, lamp.LampId),
        ["gw"] = lamp.GatewayId,
        ["lamp"] = lamp.LampId,
        ["pole"] = lamp.PoleId,
        ["lat"] = lamp.Latitude,
        ["lon"] = lamp.Longitude,
        ["model"] = lamp.LuminaireModel,
        ["rated"] = Number(lamp.RatedPowerW),
        ["replaced"] = Number(lamp.ReplacedPowerW),
        ["installed"] = lamp.InstalledOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["life"] = Number(lamp.RatedLifeHours),
        ["town"] = lamp.Town,
        ["district"] = lamp.District,
        ["line"] = lamp.Line,
        ["addr"] = lamp.Address is { } a ? new BsonValue(a) : BsonValue.Null,
        ["groups"] = lamp.Groups is { } g ? new BsonValue((long)g) : BsonValue.Null,
        ["at"] = lamp.UpdatedUnixMs,
    };

    private static LampFields ReadLamp(BsonDocument doc) => new(
        doc["gw"].AsString,
        doc["lamp"].AsString,
        Text(doc["pole"]),
        doc["lat"].AsDouble,
        doc["lon"].AsDouble,
        Text(doc["model"]),
        Number(doc["rated"]),
        Number(doc["replaced"]),
        Text(doc["installed"]) is { } day ? DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
        Number(doc["life"]),
        Text(doc["town"]),
        Text(doc["district"]),
        Text(doc["line"]),
        doc["addr"].IsNull ? null : doc["addr"].AsInt32,
        doc["groups"].IsNull ? null : (uint)doc["groups"].AsInt64,
        doc["at"].AsInt64);

    private static BsonDocument WriteCondition(ConditionRecord condition) => new()
    {
        ["_id"] = Key(condition.GatewayId, condition.Key),
        ["gw"] = condition.GatewayId,
        ["key"] = condition.Key,
        ["clear"] = Number(condition.LastClearMs),
        ["first"] = Number(condition.FirstSetMs),
        ["last"] = Number(condition.LastSetMs),
        ["detail"] = condition.Detail,
    };

    private static ConditionRecord ReadCondition(BsonDocument doc) => new(
        doc["gw"].AsString, doc["key"].AsString, Long(doc["clear"]), Long(doc["first"]), Long(doc["last"]), Text(doc["detail"]));

    private static string? Text(BsonValue value) => value.IsNull ? null : value.AsString;

    private static BsonValue Number(double? value) => value is { } v ? new BsonValue(v) : BsonValue.Null;

    private static BsonValue Number(long? value) => value is { } v ? new BsonValue(v) : BsonValue.Null;

    private static double? Number(BsonValue value) => value.IsNull ? null : value.AsDouble;

    private static long? Long(BsonValue value) => value.IsNull ? null : value.AsInt64;
}
