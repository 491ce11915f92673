using City.Central.Model;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>
/// The store on a full disk (a small tmpfs): commits fail, the store reopens, space returns, commits succeed again; and
/// nothing of the failed commits is left for the GC's finalizer thread. LiteDB 5 leaves a transaction whose commit failed
/// half-written undisposed (its rollback and its engine's close throw "discarded page must be writable", the close
/// swallowing it); its finalizer then throws the same on the GC's thread, which ends the process (central aborted about a
/// minute after the full-disk campaign). Without the store taking those transactions off the finalizer queue, this test
/// ends the test host.
/// </summary>
public sealed class StoreFullDiskTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task CommitsFailingOnAFullDisk_LeaveNoTransactionForTheFinalizer_AndCommitsResumeWhenSpaceReturns()
    {
        Assert.True(LiteDbAbandonedTransactions.CanReachTransactions, "this LiteDB's internals are not the ones the store reaches into");
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string name) => output.WriteLine($"{name}: {clock.Elapsed.TotalSeconds:F1} s, cpu {(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s");
        var mountPath = CentralHost.NewDataPath();
        using (var mount = new TmpfsMount(mountPath, "3m"))
        {
            var filler = Path.Combine(mountPath, "filler");
            var store = new LiteDbReadingStore(Path.Combine(mountPath, "central"), syncCommits: true, lockTimeout: TimeSpan.FromSeconds(1));
            try
            {
                var seq = 0UL;
                store.Commit(Batches("cab-0", ref seq, 2));
                Assert.True(store.IsHealthy);

                Phase("first commit");

                TmpfsMount.FillUntilFree(filler, 0);
                Phase("filled");
                var failures = 0;
                for (var attempt = 0; attempt < 3; attempt++)
                {
                    // Two writers at once (the ingest and the maintenance, say): the failure that leaves a transaction
                    // behind needs a second transaction in flight on the engine. That one waits for the lock the
                    // faulted transaction never releases: LiteDB's timeout, shortened here to a second.
                    var writers = Enumerable.Range(0, 2).Select(w => Task.Factory.StartNew(() =>
                    {
                        var local = 1000UL * (ulong)(attempt * 2 + w + 1);
                        try
                        {
                            store.Commit(Batches("cab-" + w, ref local, 3));
                            return 0;
                        }
                        catch (StoreFaultException)
                        {
                            return 1;
                        }
                    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
                    failures += (await Task.WhenAll(writers)).Sum();
                }

                Phase("failures " + failures);
                Assert.True(failures > 0, "no commit failed on the full disk");
                Assert.False(store.IsHealthy);

                File.Delete(filler);
                store.Commit(Batches("cab-0", ref seq, 2));
                Assert.True(store.IsHealthy);
                Phase("space back");
            }
            finally
            {
                store.Dispose();
            }

            // The faulted engines are garbage now; their transactions, if left finalizable, throw here on the
            // finalizer thread. Several rounds: the thread-local slot that holds one goes first.
            for (var round = 0; round < 4; round++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Phase("collected");
        }
    }

    private static CommitSet Batches(string gateway, ref ulong nextSeq, int count)
    {
        var seq = nextSeq;
        nextSeq += (ulong)count;
        var random = new Random((int)seq + gateway.Length);
        var state = new GatewayState(gateway) { Epoch = 1, HasBirth = true, Online = true };
        state.Catalogue = [new CataloguePoint(1, "meter1/power", "kW", PointType.Number, "meter1", "power")];
        var commit = new CommitSet();
        for (var i = 0; i < count; i++)
        {
            seq++;
            // Random values: they do not compress, so each batch takes a few pages.
            var readings = Enumerable.Range(0, 2000).Select(r => new Reading(1, (long)seq * 10_000_000 + r * 1000, PointValue.FromNumber(random.NextDouble()))).ToList();
            var batch = BatchCodec.Encode(new BatchHeader(gateway, 1, seq, 0), readings);
            state.CommittedSeqs.Add(seq);
            commit.Batches.Add(new StoredBatch(gateway, seq, 1, BatchKind.Telemetry, readings[0].TimestampUnixMs, readings[^1].TimestampUnixMs, readings.Count, batch.Compression, batch.Body.ToByteArray(), 0) { BodyCrc32C = batch.BodyCrc32C });
        }

        commit.Gateways.Add(new GatewayChange(state.Clone(), CatalogueChanged: true, LatestChanged: false));
        return commit;
    }
}
