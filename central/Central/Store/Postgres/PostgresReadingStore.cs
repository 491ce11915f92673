using City.Central.Configuration;
using City.Central.Model;
using City.Contract.Wire;
using Npgsql;

namespace City.Central.Store.Postgres;

/// <summary>
/// Central's store in PostgreSQL (Central:Store:Kind=postgres): readings one row each in daily partitions, written with
/// binary COPY; one row per batch whose primary key (gateway, buffer id, seq) is the dedupe, inserted in the same
/// transaction as the batch's readings; gateways, catalogue, latest values and events in tables of their own. Several
/// centrals may write one database: counters are added, latest values kept only when newer, the catalogue upserted.
/// See docs/postgres.md for the schema and example queries.
/// </summary>
internal sealed partial class PostgresReadingStore : IReadingStore
{
    private const int DeadlockRetries = 3;
    private const int CopyWriteBufferSize = 64 * 1024;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;

    // The catalogue (point names for the rows, types for the readers; each map immutable once in) and the latest values
    // last written (only those that changed are written; under _commitGate), per gateway.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyDictionary<uint, CataloguePoint>> _catalogues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyDictionary<uint, LatestValue>> _writtenLatest = new(StringComparer.Ordinal);
    private readonly Lock _commitGate = new();
    private volatile bool _healthy = true;
    private volatile string? _problem;

    private PostgresReadingStore(NpgsqlDataSource dataSource, string description, TimeProvider time)
    {
        _dataSource = dataSource;
        Description = description;
        _time = time;
    }

    /// <summary>host:port/database, without the password: for logs and problems.</summary>
    public string Description { get; }

    public bool IsHealthy => _healthy;

    public string? Problem => _problem;

    /// <summary>
    /// Connects, applies the missing migrations and returns the store; throws <see cref="StoreUnavailableException"/>
    /// (one line naming the setting and the server) when the server cannot be reached or refuses.
    /// </summary>
    public static PostgresReadingStore Open(string connectionString, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var description = Describe(builder);
        var source = new NpgsqlDataSourceBuilder(connectionString);
        if (!builder.ContainsKey("Write Buffer Size"))
        {
            // A COPY of a group's readings goes out in larger writes than the default 8 KiB.
            source.ConnectionStringBuilder.WriteBufferSize = CopyWriteBufferSize;
        }

        var dataSource = source.Build();
        try
        {
            PostgresMigrations.Apply(dataSource);
            var store = new PostgresReadingStore(dataSource, description, time);
            store.LoadPartitions();
            return store;
        }
        catch (Exception exception) when (exception is NpgsqlException or PostgresException or TimeoutException or InvalidOperationException)
        {
            dataSource.Dispose();
            throw new StoreUnavailableException(
                $"{StoreSettings.ConnectionStringKey}: cannot use PostgreSQL at {description}: {OneLine(exception)}", exception);
        }
    }

    /// <summary>host:port/database of a connection string.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
    }

    /// <summary>Every gateway with its catalogue, stream state, counters and latest values.</summary>
    public IReadOnlyList<GatewayState> LoadGateways()
    {
        using var connection = _dataSource.OpenConnection();
        var states = ReadGateways(connection);
        lock (_commitGate)
        {
            foreach (var state in states)
            {
                _catalogues[state.Id] = state.Catalogue.ToDictionary(p => p.Alias);
                _writtenLatest[state.Id] = state.Latest;
            }
        }

        return states;
    }

    /// <summary>
    /// Writes the set in one transaction (retried on a deadlock with another central); batches already stored (by this
    /// central or another) are skipped with their readings and listed. No gateway fails alone (PostgreSQL has no
    /// damaged page to route around): throws when nothing could be written.
    /// </summary>
    public CommitResult Commit(CommitSet commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.IsEmpty)
        {
            return CommitResult.Empty;
        }

        lock (_commitGate)
        {
            var rows = PrepareRows(commit);
            EnsurePartitions(rows.Days);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var already = WriteCommit(commit, rows);
                    _healthy = true;
                    return new CommitResult(NoGateway, already);
                }
                catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                    && attempt < DeadlockRetries)
                {
                    // Another central held rows this commit needed: nothing was written; try again.
                }
                catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.CheckViolation && attempt < DeadlockRetries)
                {
                    // No partition for a reading's day: another central's retention dropped one this central still knew.
                    LoadPartitions();
                    EnsurePartitions(rows.Days);
                }
                catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    _healthy = false;
                    _problem = $"PostgreSQL {Description}: commit failed: {OneLine(exception)}";
                    throw new StoreFaultException($"PostgreSQL {Description}", "commit", exception);
                }
            }
        }
    }

    public void Dispose() => _dataSource.Dispose();

    private HashSet<BatchKey> WriteCommit(CommitSet commit, PreparedRows rows)
    {
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        ForgetSeqs(connection, transaction, commit);
        var inserted = InsertBatches(connection, transaction, commit.Batches);
        var already = new HashSet<BatchKey>();
        foreach (var batch in commit.Batches)
        {
            if (!inserted.Contains(BatchKey.Of(batch)))
            {
                already.Add(BatchKey.Of(batch));
            }
        }

        CopyReadings(connection, rows, already);
        CopyEvents(connection, commit, rows, already);
        WriteGateways(connection, transaction, commit, already);
        transaction.Commit();
        RememberWritten(commit);
        return already;
    }

    /// <summary>An admin's reset cleared the gateway's committed seqs: its batches' keys no longer hold back a batch sent again.</summary>
    private static void ForgetSeqs(NpgsqlConnection connection, NpgsqlTransaction transaction, CommitSet commit)
    {
        foreach (var change in commit.Gateways.Where(g => g.SeqsCleared))
        {
            using var delete = new NpgsqlCommand("DELETE FROM batches WHERE gateway = $1", connection, transaction);
            delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.State.Id });
            delete.ExecuteNonQuery();
        }
    }

    private static string OneLine(Exception exception)
    {
        var message = exception is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : exception.Message;
        if (exception.InnerException is { } inner && exception is not PostgresException)
        {
            message += $" ({inner.Message})";
        }

        return message.ReplaceLineEndings(" ");
    }

    private static readonly IReadOnlySet<string> NoGateway = new HashSet<string>();

    /// <summary>The batch kind as the batches table spells it.</summary>
    internal static string KindName(BatchKind kind) => kind == BatchKind.Events ? "events" : "telemetry";
}

/// <summary>The store's server cannot be used at start: the message is one line naming the setting and the server.</summary>
internal sealed class StoreUnavailableException(string message, Exception inner) : Exception(message, inner);
