using System.Globalization;
using System.Text.Json;
using LiteDB;

namespace City.Central.Commands;

/// <summary>
/// The commands and their status per gateway, in a LiteDB file of their own beside central's store
/// (<c>{DataPath}/commands.db</c>): one document per command (the audit trail: issuer, times, action) and one per
/// command and gateway (status, detail, reason, read-back, times, the signed payload). Keys sort by issue time, so a
/// listing pages with a cursor and neither repeats nor stalls.
/// </summary>
internal sealed class CommandStore : IDisposable
{
    public const string FileName = "commands.db";

    private const string CommandsCollection = "commands";
    private const string TargetsCollection = "targets";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly LiteDatabase _database;
    private readonly ILiteCollection<BsonDocument> _commands;
    private readonly ILiteCollection<BsonDocument> _targets;
    private readonly string _logFilePath;
    private readonly bool _syncCommits;
    private readonly Lock _write = new();

    public CommandStore(string dataPath, bool syncCommits)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataPath);
        Directory.CreateDirectory(dataPath);
        FilePath = Path.Combine(dataPath, FileName);
        _logFilePath = Path.Combine(dataPath, Path.GetFileNameWithoutExtension(FileName) + "-log" + Path.GetExtension(FileName));
        _syncCommits = syncCommits;
        _database = new LiteDatabase(new ConnectionString { Filename = FilePath, Connection = ConnectionType.Direct });
        _commands = _database.GetCollection(CommandsCollection);
        _targets = _database.GetCollection(TargetsCollection);
        _commands.EnsureIndex("k");
        _targets.EnsureIndex("k");
        _targets.EnsureIndex("cmd");
        _targets.EnsureIndex("st");
        _targets.EnsureIndex("gs");
    }

    public string FilePath { get; }

    /// <summary>
    /// Raised after every write of targets (new ones, status changes), with the targets as stored, under the store's write
    /// lock so that the order is the order of the writes: the live stream listens. A handler must not block nor throw.
    /// </summary>
    public event Action<IReadOnlyCollection<CommandTarget>>? Written;

    /// <summary>How many targets (one per command and gateway) are in each status, every status listed.</summary>
    public IReadOnlyDictionary<string, long> CountByStatus() =>
        CommandStatuses.All.ToDictionary(status => status, status => (long)_targets.Count(Query.EQ("st", status)), StringComparer.Ordinal);

    /// <summary>The listing cursor of a command: its issue time and id.</summary>
    public static string Cursor(long issuedAtUnixMs, string id) =>
        issuedAtUnixMs.ToString("D19", CultureInfo.InvariantCulture) + "|" + id;

    /// <summary>Stores a new command with its targets in one transaction.</summary>
    public void Insert(CommandRecord command, IReadOnlyList<CommandTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(targets);
        lock (_write)
        {
            _database.BeginTrans();
            try
            {
                _commands.Insert(ToDocument(command));
                _targets.InsertBulk(targets.Select(ToDocument));
                _database.Commit();
            }
            catch (Exception)
            {
                _database.Rollback();
                throw;
            }

            Sync();
            Written?.Invoke(targets);
        }
    }

    /// <summary>
    /// Writes changed targets in one transaction, and fsyncs (with Store:SyncCommits) unless <paramref name="sync"/> is
    /// false: a result is acknowledged only once on disk; a lost "sent" only costs a resend the edge dedupes.
    /// </summary>
    public void Update(IReadOnlyCollection<CommandTarget> targets, bool sync = true)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0)
        {
            return;
        }

        lock (_write)
        {
            _database.BeginTrans();
            try
            {
                foreach (var target in targets)
                {
                    _targets.Update(ToDocument(target));
                }

                _database.Commit();
            }
            catch (Exception)
            {
                _database.Rollback();
                throw;
            }

            if (sync)
            {
                Sync();
            }

            Written?.Invoke(targets);
        }
    }

    public CommandRecord? Find(string id)
    {
        var doc = _commands.FindById(id);
        return doc is null ? null : ToCommand(doc);
    }

    public CommandTarget? FindTarget(string id, string gateway)
    {
        var doc = _targets.FindById(TargetId(id, gateway));
        return doc is null ? null : ToTarget(doc);
    }

    public List<CommandTarget> Targets(string id) =>
        [.. _targets.Find(Query.EQ("cmd", id)).Select(ToTarget).OrderBy(t => t.Gateway, StringComparer.Ordinal)];

    /// <summary>The targets in this status, oldest first (pending ones at start and at a birth, for the expiry sweep).</summary>
    public List<CommandTarget> TargetsInStatus(string status) =>
        [.. _targets.Find(Query.EQ("st", status)).Select(ToTarget).OrderBy(t => t.IssuedAtUnixMs)];

    public List<CommandTarget> TargetsOf(string gateway, string status) =>
        [.. _targets.Find(Query.EQ("gs", gateway + "|" + status)).Select(ToTarget).OrderBy(t => t.IssuedAtUnixMs)];

    /// <summary>
    /// Commands issued at or after <paramref name="fromUnixMs"/> (and after the cursor <paramref name="after"/> when
    /// given), oldest first, at most <paramref name="limit"/>; with a gateway only those sent to it.
    /// </summary>
    public List<CommandRecord> List(string? gateway, long fromUnixMs, string? after, int limit)
    {
        var prefix = gateway is null ? string.Empty : gateway + "|";
        var start = prefix + Cursor(Math.Max(0, fromUnixMs), string.Empty);
        var low = after is not null && string.CompareOrdinal(prefix + after, start) >= 0
            ? Query.GT("k", prefix + after)
            : Query.GTE("k", start);
        var query = gateway is null
            ? _commands.Query().Where(low)
            : _targets.Query().Where(low).Where(Query.LT("k", gateway + "}"));
        var keys = query.OrderBy("k").Limit(limit).ToEnumerable().Select(d => d["cmd"].IsNull ? d["_id"].AsString : d["cmd"].AsString).ToList();
        return [.. keys.Select(Find).OfType<CommandRecord>()];
    }

    public void Dispose() => _database.Dispose();

    private static string TargetId(string id, string gateway) => id + "/" + gateway;

    private static BsonDocument ToDocument(CommandRecord command) => new()
    {
        ["_id"] = command.Id,
        ["k"] = Cursor(command.IssuedAtUnixMs, command.Id),
        ["iss"] = command.Issuer,
        ["at"] = command.IssuedAtUnixMs,
        ["na"] = command.NotAfterUnixMs,
        ["act"] = System.Text.Json.JsonSerializer.Serialize(command.Action, Json),
        ["gws"] = new BsonArray(command.Gateways.Select(g => new BsonValue(g))),
    };

    private static CommandRecord ToCommand(BsonDocument doc) => new(
        doc["_id"].AsString,
        doc["iss"].AsString,
        doc["at"].AsInt64,
        doc["na"].AsInt64,
        System.Text.Json.JsonSerializer.Deserialize<CommandAction>(doc["act"].AsString, Json) ?? throw new InvalidDataException($"command {doc["_id"].AsString}: no action"),
        [.. doc["gws"].AsArray.Select(v => v.AsString)]);

    private static BsonDocument ToDocument(CommandTarget target) => new()
    {
        ["_id"] = TargetId(target.CommandId, target.Gateway),
        ["k"] = target.Gateway + "|" + Cursor(target.IssuedAtUnixMs, target.CommandId),
        ["cmd"] = target.CommandId,
        ["gw"] = target.Gateway,
        ["st"] = target.Status,
        ["gs"] = target.Gateway + "|" + target.Status,
        ["at"] = target.IssuedAtUnixMs,
        ["na"] = target.NotAfterUnixMs,
        ["det"] = target.Detail,
        ["rsn"] = target.Reason,
        ["rb"] = target.ReadBack is null ? BsonValue.Null : new BsonValue(target.ReadBack),
        ["sent"] = Nullable(target.SentAtUnixMs),
        ["acc"] = Nullable(target.AcceptedAtUnixMs),
        ["fin"] = Nullable(target.FinishedAtUnixMs),
        ["upd"] = target.UpdatedAtUnixMs,
        ["p"] = target.Payload,
    };

    private static BsonValue Nullable(long? value) => value is { } v ? new BsonValue(v) : BsonValue.Null;

    private static long? Nullable(BsonValue value) => value.IsNull ? null : value.AsInt64;

    private static CommandTarget ToTarget(BsonDocument doc) => new()
    {
        CommandId = doc["cmd"].AsString,
        Gateway = doc["gw"].AsString,
        Status = doc["st"].AsString,
        IssuedAtUnixMs = doc["at"].AsInt64,
        NotAfterUnixMs = doc["na"].AsInt64,
        Detail = doc["det"].AsString ?? string.Empty,
        Reason = doc["rsn"].AsString ?? string.Empty,
        ReadBack = doc["rb"].IsNull ? null : doc["rb"].AsString,
        SentAtUnixMs = Nullable(doc["sent"]),
        AcceptedAtUnixMs = Nullable(doc["acc"]),
        FinishedAtUnixMs = Nullable(doc["fin"]),
        UpdatedAtUnixMs = doc["upd"].AsInt64,
        Payload = doc["p"].AsBinary ?? [],
    };

    /// <summary>LiteDB 5 writes a commit to its log file without fsync; a result is acknowledged only once on disk.</summary>
    private void Sync()
    {
        if (!_syncCommits || !File.Exists(_logFilePath))
        {
            return;
        }

        using var handle = File.OpenHandle(_logFilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        RandomAccess.FlushToDisk(handle);
    }
}
