using LiteDB;

namespace City.Central.Lighting;

/// <summary>
/// Central's lighting programs, in a LiteDB file of their own beside central's store (<c>{DataPath}/lighting.db</c>):
/// the TALQ calendars and control programs as the JSON central serves, the assignment of each gateway and each gateway's
/// lighting status. Every document is its key and one JSON text; each write is one document, atomic on its own.
/// </summary>
internal sealed class LightingStore : IDisposable
{
    public const string FileName = "lighting.db";

    public const string Calendars = "calendars";
    public const string Programs = "programs";
    public const string Assignments = "assignments";
    public const string Statuses = "statuses";

    private readonly LiteDatabase _database;
    private readonly string _logFilePath;
    private readonly bool _syncCommits;
    private readonly Lock _write = new();

    public LightingStore(string dataPath, bool syncCommits)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataPath);
        Directory.CreateDirectory(dataPath);
        FilePath = Path.Combine(dataPath, FileName);
        _logFilePath = Path.Combine(dataPath, Path.GetFileNameWithoutExtension(FileName) + "-log" + Path.GetExtension(FileName));
        _syncCommits = syncCommits;
        _database = new LiteDatabase(new ConnectionString { Filename = FilePath, Connection = ConnectionType.Direct });
    }

    public string FilePath { get; }

    /// <summary>Every document of a collection: key → JSON.</summary>
    public Dictionary<string, string> Load(string collection) =>
        _database.GetCollection(collection).FindAll().ToDictionary(d => d["_id"].AsString, d => d["json"].AsString, StringComparer.Ordinal);

    public void Put(string collection, string key, string json)
    {
        lock (_write)
        {
            _database.GetCollection(collection).Upsert(new BsonDocument { ["_id"] = key, ["json"] = json });
            Sync();
        }
    }

    public void Delete(string collection, string key)
    {
        lock (_write)
        {
            _database.GetCollection(collection).Delete(key);
            Sync();
        }
    }

    public void Dispose() => _database.Dispose();

    /// <summary>With Store:SyncCommits, the write is on disk before it is answered (the log file flushed).</summary>
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
