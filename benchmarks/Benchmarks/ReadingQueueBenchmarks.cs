using BenchmarkDotNet.Attributes;
using City.Contract;
using City.Edge.Buffer;

namespace City.Benchmarks;

/// <summary>
/// The edge's per-reading path from a poller into the buffer writer's queue, with and without the clock guard that
/// marks readings taken while the clock is known bad. One operation = 5,000 readings written and read back.
/// </summary>
[MemoryDiagnoser]
public class ReadingQueueBenchmarks
{
    private readonly List<Reading> _readings = Telemetry.Periodic(points: 50, perPoint: 100);
    private readonly ReadingQueue _plain = new(10_000);
    private readonly ReadingQueue _guarded = new(10_000, new ClockGuard(TimeProvider.System));

    [Benchmark(Baseline = true)]
    public int WithoutClockGuard() => Pass(_plain);

    [Benchmark]
    public int WithClockGuard() => Pass(_guarded);

    private int Pass(ReadingQueue queue)
    {
        var count = 0;
        foreach (var reading in _readings)
        {
            queue.Writer.TryWrite(reading);
        }

        while (queue.Reader.TryRead(out _))
        {
            count++;
        }

        return count;
    }
}
