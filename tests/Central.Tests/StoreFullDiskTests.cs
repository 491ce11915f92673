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
public sealed class StoreFullDiskTests
{
    [Fact]
    public async Task CommitsFailingOnAFullDisk_LeaveNoTransactionForTheFinalizer_AndCommitsResumeWhenSpaceReturns()
    {
        var mountPath = CentralHost.NewDataPath();
        using (var mount = new TmpfsMount(mountPath, "3m"))
        {
            var filler = Path.Combine(mountPath, "filler");
            var store = new LiteDbReadingStore(Path.Combine(mountPath, "central"), syncCommits: true);
            try
            {
                var seq = 0UL;
                store.Commit(Batches("cab-0", ref seq, 2));
                Assert.True(store.IsHealthy);

                TmpfsMount.FillUntilFree(filler, 0);
                var failures = 0;
                for (var attempt = 0; attempt < 6; attempt++)
                {
                    // Two writers, as central's ingest and its maintenance: each thread's transaction is its own.
                    var tasks = Enumerable.Range(0, 2).Select(w => Task.Factory.StartNew(() =>
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
                    }, TaskCreationOptions.LongRunning)).ToArray();
                    failures += (await Task.WhenAll(tasks)).Sum();
                }

                Assert.True(failures > 0, "no commit failed on the full disk");
                Assert.False(store.IsHealthy);

                File.Delete(filler);
                store.Commit(Batches("cab-0", ref seq, 2));
                Assert.True(store.IsHealthy);
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
