using LiteDB;

namespace City.Central.Energy;

/// <summary>What the energy store keeps hourly figures for.</summary>
internal enum EnergyScope
{
    Lamp,
    Gateway,
    Town,
}

/// <summary>The figures of one hour of a lamp, a gateway or a town (sums over its lamps; <see cref="Lamps"/> of them have data).</summary>
internal sealed record HourTotals(long Hour, double MeasuredWh, double FullPowerWh, double BaselineWh, double LitSeconds, int CounterResets, int Lamps)
{
    public static HourTotals Zero(long hour) => new(hour, 0, 0, 0, 0, 0, 0);

    public HourTotals Plus(HourTotals other, int sign) => this with
    {
        MeasuredWh = MeasuredWh + (sign * other.MeasuredWh),
        FullPowerWh = FullPowerWh + (sign * other.FullPowerWh),
        BaselineWh = BaselineWh + (sign * other.BaselineWh),
        LitSeconds = LitSeconds + (sign * other.LitSeconds),
        CounterResets = CounterResets + (sign * other.CounterResets),
        Lamps = Lamps + (sign * other.Lamps),
    };
}

/// <summary>One lamp's hour as stored: its figures, and the gateway and town it was added to (for the rollups).</summary>
internal sealed record LampHour(long Hour, double MeasuredWh, int CounterResets, double LitSeconds, double RatedPowerW, double ReplacedPowerW, int GatewayNo, int TownNo)
{
    public HourTotals Totals => new(Hour, MeasuredWh, RatedPowerW * LitSeconds / 3600, ReplacedPowerW * LitSeconds / 3600, LitSeconds, CounterResets, 1);
}

/// <summary>
/// The energy store, <c>energy.db</c> (LiteDB) in Central:DataPath, apart from the readings store so that the ingest commits
/// never wait for it. Every lamp, gateway and town gets a number (collection <c>keys</c>); documents are keyed by
/// number x 2^22 + UTC hour, so a key's hours are one range of the primary index: <c>samples</c> (one document per lamp,
/// kind and 6 hours with its readings), <c>lamphours</c>, <c>gatewayhours</c> and <c>townhours</c> (the hourly figures).
/// One writer (the aggregator), any number of readers (the API).
/// </summary>
internal sealed partial class EnergyStore : IDisposable
{
    public const string FileName = "energy.db";

    private const int HourBits = 22;
    private const long HourMask = (1L << HourBits) - 1;

    /// <summary>The readings of a series are kept in one document per this many UTC hours.</summary>
    private const int SampleBucketHours = 6;
    private const long BucketMs = SampleBucketHours * EnergyCalculator.MsPerHour;

    private readonly LiteDatabase _database;
    private readonly ILiteCollection<BsonDocument> _keys;
    private readonly ILiteCollection<BsonDocument> _samples;
    private readonly ILiteCollection<BsonDocument> _lampHours;
    private readonly ILiteCollection<BsonDocument> _gatewayHours;
    private readonly ILiteCollection<BsonDocument> _townHours;
    private readonly Lock _keysLock = new();
    private readonly Dictionary<(EnergyScope Scope, string Name), int> _numbers = [];
    private readonly Dictionary<int, EnergySample?> _newest = [];
    private readonly Dictionary<EnergyScope, List<string>> _names = new() { [EnergyScope.Lamp] = [], [EnergyScope.Gateway] = [], [EnergyScope.Town] = [] };

    public EnergyStore(string dataPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataPath);
        Directory.CreateDirectory(dataPath);
        FilePath = Path.Combine(dataPath, FileName);
        _database = new LiteDatabase(new ConnectionString { Filename = FilePath, Connection = ConnectionType.Direct });
        try
        {
            _keys = _database.GetCollection("keys");
            _samples = _database.GetCollection("samples");
            _lampHours = _database.GetCollection("lamphours");
            _gatewayHours = _database.GetCollection("gatewayhours");
            _townHours = _database.GetCollection("townhours");
            LoadKeys();
        }
        catch
        {
            _database.Dispose();
            throw;
        }
    }

    public string FilePath { get; }

    /// <summary>The largest UTC hour a key can hold (year 2448).</summary>
    public static long MaxHour => HourMask;

    /// <summary>A lamp's name in the store: "{gateway}/{lamp id}" (gateway ids hold no '/').</summary>
    public static string LampName(string gatewayId, string lampId) => gatewayId + "/" + lampId;

    /// <summary>The names known for a scope, in the order they were first seen.</summary>
    public IReadOnlyList<string> Names(EnergyScope scope)
    {
        lock (_keysLock)
        {
            return [.. _names[scope]];
        }
    }

    /// <summary>The number of a name, or -1 when the store has never seen it.</summary>
    public int Find(EnergyScope scope, string name)
    {
        lock (_keysLock)
        {
            return _numbers.TryGetValue((scope, name), out var no) ? no : -1;
        }
    }

    /// <summary>The number of a name, given one the first time (writer only).</summary>
    public int NumberOf(EnergyScope scope, string name)
    {
        lock (_keysLock)
        {
            if (_numbers.TryGetValue((scope, name), out var no))
            {
                return no;
            }

            no = _numbers.Count + 1;
            _keys.Insert(new BsonDocument { ["_id"] = no, ["no"] = no, ["s"] = (int)scope, ["n"] = name });
            _numbers[(scope, name)] = no;
            _names[scope].Add(name);
            return no;
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction: all of it is written, or none.</summary>
    public void InTransaction(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        _database.BeginTrans();
        try
        {
            work();
            _database.Commit();
        }
        catch
        {
            // What the caches learnt in the transaction is forgotten with it.
            _database.Rollback();
            _newest.Clear();
            LoadKeys();
            throw;
        }
    }

    private void LoadKeys()
    {
        lock (_keysLock)
        {
            _numbers.Clear();
            foreach (var names in _names.Values)
            {
                names.Clear();
            }

            foreach (var doc in _keys.FindAll().OrderBy(d => d["no"].AsInt32))
            {
                var scope = (EnergyScope)doc["s"].AsInt32;
                var name = doc["n"].AsString;
                _numbers[(scope, name)] = doc["no"].AsInt32;
                _names[scope].Add(name);
            }
        }
    }

    /// <summary>Writes to disk what the log holds (also done by LiteDB on its own every 1,000 pages).</summary>
    public void Checkpoint() => _database.Checkpoint();

    public void Dispose() => _database.Dispose();

    private static long Id(int no, long hour) => ((long)no << HourBits) | (hour & HourMask);

    private static long HourOfId(long id) => id & HourMask;

    private ILiteCollection<BsonDocument> Rollup(EnergyScope scope) => scope switch
    {
        EnergyScope.Lamp => _lampHours,
        EnergyScope.Gateway => _gatewayHours,
        _ => _townHours,
    };
}
