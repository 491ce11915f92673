using System.Diagnostics;
using System.Globalization;
using City.Contract;
using City.Edge.Buffer;

namespace City.Benchmarks;

/// <summary>
/// `edge-path`: the buffer's side of a connected edge, in process and without waits, to count what one reading costs
/// in managed allocations and what the buffer holds in memory. Each cycle is one flush of the buffer writer (the
/// readings of one FlushIntervalMs window, 38 by default: gw-001's ~75 readings/s), then the forwarder's turn: the
/// pending batches taken and acknowledged at once. Prints the bytes allocated per reading and per cycle, the managed
/// heap after a full collection (large object heap apart: LiteDB's page cache lives there) and the process's RSS.
/// </summary>
internal static class EdgePathReport
{
    public static int Run(string[] args)
    {
        var cycles = 20_000;
        var perCycle = 38;
        var points = 35;
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--cycles": cycles = int.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                case "--readings-per-cycle": perCycle = int.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                case "--points": points = int.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                default:
                    Console.Error.WriteLine($"edge-path: unknown argument '{args[i]}' (--cycles N, --readings-per-cycle N, --points N)");
                    return 2;
            }
        }

        using var ticks = Environment.GetEnvironmentVariable("ALLOC_TICKS") == "1" ? new AllocationTicks() : null;
        var directory = Directory.CreateTempSubdirectory("edge-path-").FullName;
        try
        {
            using var buffer = BatchBuffer.Open(Path.Combine(directory, "buffer.db"), maxBytes: 1L << 30, gatewayId: "gw-path");
            var group = new List<Reading>(perCycle);
            IReadOnlyList<IReadOnlyList<Reading>> groups = [group];
            var at = Telemetry.Start;
            var value = 0.0;
            long appendBytes = 0, takeBytes = 0, ackBytes = 0;

            void Cycle()
            {
                group.Clear();
                for (var r = 0; r < perCycle; r++)
                {
                    value += 0.25;
                    group.Add(new Reading((uint)(r % points) + 1, at, PointValue.FromNumber(value)));
                }

                at += 500;
                var before = GC.GetAllocatedBytesForCurrentThread();
                buffer.Append(groups);
                var appended = GC.GetAllocatedBytesForCurrentThread();
                var taken = buffer.TakePending(16, 0);
                var seqs = new List<ulong>(taken.Count);
                foreach (var batch in taken)
                {
                    seqs.Add(batch.Seq);
                }

                var took = GC.GetAllocatedBytesForCurrentThread();
                buffer.Acknowledge(seqs);
                appendBytes += appended - before;
                takeBytes += took - appended;
                ackBytes += GC.GetAllocatedBytesForCurrentThread() - took;
            }

            // Warm-up: the JIT, LiteDB's first pages and its cache's first segments.
            for (var c = 0; c < Math.Min(cycles / 10, 2000); c++)
            {
                Cycle();
            }

            (appendBytes, takeBytes, ackBytes) = (0, 0, 0);
            var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
            var gen0 = GC.CollectionCount(0);
            ticks?.Counting = true;
            var watch = Stopwatch.StartNew();
            for (var c = 0; c < cycles; c++)
            {
                Cycle();
            }

            watch.Stop();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var info = GC.GetGCMemoryInfo();
            var loh = info.GenerationInfo[3].SizeAfterBytes;
            var readings = (long)cycles * perCycle;
            var files = new DirectoryInfo(directory).GetFiles().Sum(f => f.Length);
            Console.WriteLine($"edge-path: {cycles} cycles of {perCycle} readings ({readings} readings) in {watch.Elapsed.TotalSeconds:F1} s " +
                $"({watch.Elapsed.TotalMilliseconds * 1000 / cycles:F0} us per cycle)");
            Console.WriteLine($"  allocated      {allocated / (double)readings:F0} B per reading, {allocated / (double)cycles:F0} B per cycle; {GC.CollectionCount(0) - gen0} gen0 collections");
            Console.WriteLine($"  per cycle      append {appendBytes / cycles} B, take pending {takeBytes / cycles} B, acknowledge {ackBytes / cycles} B (this thread)");
            Console.WriteLine($"  managed heap   {info.HeapSizeBytes / 1048576.0:F1} MB after a full collection, of which large objects {loh / 1048576.0:F1} MB (LiteDB's page cache)");
            foreach (var (type, count, bytes) in ticks?.Top(12) ?? [])
            {
                Console.WriteLine($"  alloc ticks    {count,6} x {type} (largest objects sampled: {bytes / Math.Max(count, 1)} B average)");
            }

            Console.WriteLine($"  process RSS    {Environment.WorkingSet / 1048576.0:F1} MB; buffer files {files / 1048576.0:F1} MB");
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>Tallies the runtime's allocation ticks (one per ~100 KB allocated) by type: where the bytes go.</summary>
internal sealed class AllocationTicks : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, (long Ticks, long Bytes)> _byType = new(StringComparer.Ordinal);

    public bool Counting { get; set; }

    public IEnumerable<(string Type, long Ticks, long Bytes)> Top(int n)
    {
        lock (_byType)
        {
            return _byType.OrderByDescending(kv => kv.Value.Ticks).Take(n).Select(kv => (kv.Key, kv.Value.Ticks, kv.Value.Bytes)).ToList();
        }
    }

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
    {
        if (!Counting || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }

        var type = eventData.PayloadNames?.IndexOf("TypeName") is int t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var size = eventData.PayloadNames?.IndexOf("ObjectSize") is int s and >= 0 ? Convert.ToInt64(eventData.Payload[s], CultureInfo.InvariantCulture) : 0;
        lock (_byType)
        {
            var (ticks, bytes) = _byType.GetValueOrDefault(type);
            _byType[type] = (ticks + 1, bytes + size);
        }
    }
}
