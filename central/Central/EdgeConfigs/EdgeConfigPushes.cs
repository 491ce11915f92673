using City.Central.Commands;
using City.Contract;
using LiteDB;

namespace City.Central.EdgeConfigs;

/// <summary>One configuration pushed to a gateway, as stored; its status is the status of its command at that gateway.</summary>
internal sealed record EdgeConfigPush(string Gateway, int Number, string Version, string CommandId, string Issuer, long PushedAtUnixMs, string ConfigJson);

/// <summary>
/// The edge configurations pushed per gateway (PUT /api/v1/gateways/{id}/config), numbered 1, 2, ... per gateway, in a LiteDB
/// file of their own (<c>{DataPath}/edge-configs.db</c>). Each push is a signed <c>edge-config</c> command through
/// <see cref="CommandService"/>: delivery, expiry and results are the command path's.
/// </summary>
internal sealed class EdgeConfigPushes : IDisposable
{
    public const string FileName = "edge-configs.db";

    /// <summary>How long a push may wait for an offline gateway before it expires (the longest a command may live).</summary>
    public const int PushExpirySeconds = 86_400;

    private readonly LiteDatabase _database;
    private readonly CommandService _commands;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public EdgeConfigPushes(string dataPath, CommandService commands, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataPath);
        Directory.CreateDirectory(dataPath);
        _database = new LiteDatabase(new ConnectionString { Filename = Path.Combine(dataPath, FileName), Connection = ConnectionType.Direct });
        _commands = commands;
        _time = time;
    }

    /// <summary>Issues the configuration to the gateway as a signed command and stores the push.</summary>
    public EdgeConfigPush Push(string gateway, string configJson, string issuer)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        var version = EdgeConfigVersion.Of(configJson);
        lock (_gate)
        {
            var collection = Collection();
            var number = collection.Find(Query.EQ("gateway", gateway)).Select(d => d["number"].AsInt32).DefaultIfEmpty(0).Max() + 1;
            var action = new CommandAction { Kind = ActionKinds.EdgeConfig, Version = version, ConfigJson = configJson };
            var outcome = _commands.Issue(new CommandRequest(null, [gateway], action, PushExpirySeconds), issuer);
            var push = new EdgeConfigPush(gateway, number, version, outcome.Command.Id, issuer, _time.GetUtcNow().ToUnixTimeMilliseconds(), configJson);
            collection.Insert(new BsonDocument
            {
                ["_id"] = $"{gateway}/{number:D6}",
                ["gateway"] = gateway,
                ["number"] = number,
                ["version"] = version,
                ["commandId"] = push.CommandId,
                ["issuer"] = issuer,
                ["pushedAt"] = push.PushedAtUnixMs,
                ["json"] = configJson,
            });
            return push;
        }
    }

    /// <summary>The gateway's pushes, newest first.</summary>
    public List<EdgeConfigPush> History(string gateway)
    {
        lock (_gate)
        {
            return Collection().Find(Query.EQ("gateway", gateway))
                .Select(d => new EdgeConfigPush(d["gateway"].AsString, d["number"].AsInt32, d["version"].AsString, d["commandId"].AsString,
                    d["issuer"].AsString, d["pushedAt"].AsInt64, d["json"].AsString))
                .OrderByDescending(p => p.Number)
                .ToList();
        }
    }

    /// <summary>The push's state: its command's status at the gateway (pending, sent, accepted, done, failed, rejected, expired) and detail.</summary>
    public (string Status, string Reason, string Detail) StatusOf(EdgeConfigPush push)
    {
        ArgumentNullException.ThrowIfNull(push);
        var target = _commands.Target(push.CommandId, push.Gateway);
        return target is null ? ("unknown", string.Empty, string.Empty) : (target.Status, target.Reason, target.Detail);
    }

    public void Dispose() => _database.Dispose();

    private ILiteCollection<BsonDocument> Collection()
    {
        var collection = _database.GetCollection("pushes");
        collection.EnsureIndex("gateway");
        return collection;
    }
}
