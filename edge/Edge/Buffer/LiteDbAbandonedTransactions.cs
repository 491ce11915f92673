using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using LiteDB;

namespace City.Edge.Buffer;

/// <summary>
/// Closes a faulted LiteDB 5 engine without leaving its transactions to the GC's finalizer thread. A commit that failed
/// halfway (a full disk: some pages already handed to the log writer) leaves its transaction active, and every later
/// attempt to release it (rollback, the engine's close, which swallows the error) throws "discarded page must be
/// writable". The transaction stays registered with a finalizer that runs the same release on the finalizer thread,
/// where the exception ends the process (LiteDB issue 2828; central aborted a minute after a full disk). The engine is
/// discarded anyway, so its transactions' pages need no release: they are taken off the finalizer queue.
/// Central's store carries the same guard (edge and central share no code outside protocols/); this one also keeps the
/// LiteDB members it reads through the trimmer and NativeAOT.
/// </summary>
internal static class LiteDbAbandonedTransactions
{
    // LiteDatabase._engine (LiteEngine) -> _monitor (TransactionMonitor) -> Transactions (TransactionService values).
    // The DynamicDependency attributes keep exactly these members in a trimmed or NativeAOT edge.
    [DynamicDependency("_engine", typeof(LiteDatabase))]
    [DynamicDependency("_monitor", "LiteDB.Engine.LiteEngine", "LiteDB")]
    [DynamicDependency("Transactions", "LiteDB.Engine.TransactionMonitor", "LiteDB")]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The members read are kept by the DynamicDependency attributes.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The members read are kept by the DynamicDependency attributes.")]
    [UnconditionalSuppressMessage("Trimming", "IL2080", Justification = "The members read are kept by the DynamicDependency attributes.")]
    static LiteDbAbandonedTransactions()
    {
        EngineField = typeof(LiteDatabase).GetField("_engine", BindingFlags.Instance | BindingFlags.NonPublic);
        EngineType = typeof(LiteDatabase).Assembly.GetType("LiteDB.Engine.LiteEngine");
        MonitorField = EngineType?.GetField("_monitor", BindingFlags.Instance | BindingFlags.NonPublic);
        TransactionsProperty = MonitorField?.FieldType.GetProperty("Transactions", BindingFlags.Instance | BindingFlags.Public);
    }

    private static readonly FieldInfo? EngineField;
    private static readonly Type? EngineType;
    private static readonly FieldInfo? MonitorField;
    private static readonly PropertyInfo? TransactionsProperty;

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

        // The monitor's dictionary is not thread-safe; the buffer closes its store from its one writer, so no operation runs.
        return [.. transactions.Cast<object>()];
    }
}
