using System.Collections;
using System.Reflection;
using LiteDB;

namespace City.Central.Store;

/// <summary>
/// Closes a faulted LiteDB 5 engine without leaving its transactions to the GC's finalizer thread. A commit that failed
/// halfway (a full disk: some pages already handed to the log writer) leaves its transaction active, and every later
/// attempt to release it (rollback, the engine's close, which swallows the error) throws "discarded page must be
/// writable". The transaction stays registered with a finalizer that runs the same release on the finalizer thread,
/// where the exception ends the process (LiteDB issue 2828; central aborted a minute after a full disk). The engine is
/// discarded anyway, so its transactions' pages need no release: they are taken off the finalizer queue.
/// </summary>
internal static class LiteDbAbandonedTransactions
{
    // LiteDatabase._engine (LiteEngine) -> _monitor (TransactionMonitor) -> Transactions (TransactionService values).
    private static readonly FieldInfo? EngineField = typeof(LiteDatabase).GetField("_engine", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly Type? EngineType = typeof(LiteDatabase).Assembly.GetType("LiteDB.Engine.LiteEngine");
    private static readonly FieldInfo? MonitorField = EngineType?.GetField("_monitor", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly PropertyInfo? TransactionsProperty = MonitorField?.FieldType.GetProperty("Transactions", BindingFlags.Instance | BindingFlags.Public);

    /// <summary>False when this LiteDB version's internals are not the ones above (a test checks it stays true).</summary>
    public static bool CanReachTransactions => EngineField is not null && MonitorField is not null && TransactionsProperty is not null;

    /// <summary>Disposes the engine; every transaction it still held, disposed or not, will not be finalized.</summary>
    /// <returns>How many transactions it held; -1 when this LiteDB's internals could not be reached.</returns>
    public static int DisposeDiscarded(LiteDatabase database)
    {
        var before = OpenTransactions(database);
        try
        {
            database.Dispose();
        }
        finally
        {
            // The close may have failed halfway through the transactions; what it left is still listed.
            var left = OpenTransactions(database);
            foreach (var transaction in before ?? [])
            {
                GC.SuppressFinalize(transaction);
            }

            foreach (var transaction in left ?? [])
            {
                GC.SuppressFinalize(transaction);
            }
        }

        return before?.Count ?? -1;
    }

    private static List<object>? OpenTransactions(LiteDatabase database)
    {
        if (!CanReachTransactions || EngineField!.GetValue(database) is not { } engine || !EngineType!.IsInstanceOfType(engine)
            || MonitorField!.GetValue(engine) is not { } monitor || TransactionsProperty!.GetValue(monitor) is not IEnumerable transactions)
        {
            return null;
        }

        // The monitor's dictionary is not thread-safe; the callers hold the store's write side, so no operation runs.
        return [.. transactions.Cast<object>()];
    }
}
