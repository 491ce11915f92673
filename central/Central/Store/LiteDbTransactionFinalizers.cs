using System.Collections;
using System.Reflection;
using LiteDB;

namespace City.Central.Store;

/// <summary>
/// LiteDB 5 disposes a transaction it never finished (a commit that failed, then a rollback that failed: a full disk) from
/// its finalizer, on the GC's thread, where the exception it throws there ("discarded page must be writable") ends the
/// process, a minute or so after the fault (LiteDB issue 2828). Before a faulted engine is let go, its open transactions
/// are taken off the finalizer queue: they die with the engine, which the store has already replaced.
/// </summary>
internal static class LiteDbTransactionFinalizers
{
    /// <summary>Suppresses the finalizers of the engine's open transactions; the number suppressed, or null when LiteDB's layout is not the one known (5.0.x).</summary>
    public static int? Suppress(LiteDatabase database)
    {
        var engine = Field(database, "_engine");
        var monitor = engine is null ? null : Field(engine, "_monitor");
        if (monitor is null || Field(monitor, "_transactions") is not IDictionary transactions)
        {
            return null;
        }

        var count = 0;
        lock (transactions)
        {
            foreach (var transaction in transactions.Values)
            {
                if (transaction is not null)
                {
                    GC.SuppressFinalize(transaction);
                    count++;
                }
            }
        }

        return count;
    }

    private static object? Field(object owner, string name) =>
        owner.GetType().GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(owner);
}
