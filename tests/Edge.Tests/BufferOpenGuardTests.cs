using City.Edge.Buffer;
using Xunit;

namespace City.Edge.Tests;

public class OpenHangGuardTests
{
    [Fact]
    public void ASlowOpenThatBurnsLittleCpu_IsNotTakenForAHang()
    {
        // A starved CPU: 30 s of wall time, 0.4 s of CPU (the fault campaigns' restarts under load 50-100).
        Assert.False(OpenHangGuard.HasHung(TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(30), fileBytes: 20 << 20));
    }

    [Fact]
    public void AnOpenThatSpinsPastItsCpuBudget_IsAHang()
    {
        Assert.True(OpenHangGuard.HasHung(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(6), fileBytes: 1 << 20));
    }

    [Fact]
    public void TheCpuBudgetGrowsWithTheFile_ForTheFullCheckDecodesEveryBatch()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), OpenHangGuard.CpuBudget(0));
        Assert.Equal(TimeSpan.FromSeconds(5 + 128), OpenHangGuard.CpuBudget(1L << 30));
        Assert.False(OpenHangGuard.HasHung(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), fileBytes: 1L << 30));
    }

    [Fact]
    public void AnOpenBlockedWithoutCpu_IsAHangAfterTheWallLimit()
    {
        Assert.True(OpenHangGuard.HasHung(TimeSpan.Zero, OpenHangGuard.WallLimit + TimeSpan.FromSeconds(1), fileBytes: 0));
    }

    [Fact]
    public void Wait_ReturnsTheOpenedValue()
    {
        Assert.Equal(42, OpenHangGuard.Wait(Task.Run(async () => { await Task.Delay(300); return 42; }), fileBytes: 0));
    }
}

public class LiteDbAbandonedTransactionsTests
{
    [Fact]
    public void TheLiteDbInternalsTheGuardReads_AreStillThere()
    {
        // A LiteDB upgrade that moves them would leave failed transactions to the finalizer thread again.
        Assert.True(LiteDbAbandonedTransactions.CanReachTransactions);
        var path = Path.Combine(Path.GetTempPath(), $"guard-{Guid.NewGuid():N}.db");
        try
        {
            var db = new LiteDB.LiteDatabase(BatchBuffer.ConnectionFor(path));
            db.GetCollection("c").Insert(new LiteDB.BsonDocument { ["x"] = 1 });
            Assert.True(LiteDbAbandonedTransactions.DisposeDiscarded(db) >= 0);
        }
        finally
        {
            File.Delete(path);
            File.Delete(Path.ChangeExtension(path, null) + "-log.db");
        }
    }
}
