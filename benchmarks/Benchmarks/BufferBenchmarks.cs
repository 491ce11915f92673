using BenchmarkDotNet.Attributes;
using City.Contract;
using City.Edge.Buffer;

namespace City.Benchmarks;

/// <summary>
/// The edge buffer's write path: readings encoded into batches and committed in one LiteDB
/// transaction (group commit), then deleted on acknowledgement. One operation = 10 batches of 500 readings.
/// </summary>
[MemoryDiagnoser]
public class BufferBenchmarks
{
    private const int BatchesPerCommit = 10;
    private const int ReadingsPerBatch = 500;

    private readonly List<IReadOnlyList<Reading>> _groups = [];
    private string _directory = string.Empty;
    private BatchBuffer? _buffer;

    public static int ReadingsPerOperation => BatchesPerCommit * ReadingsPerBatch;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("buffer-bench-").FullName;
        _buffer = BatchBuffer.Open(Path.Combine(_directory, "buffer.db"), maxBytes: 1L << 32, gatewayId: "bench");
        var readings = Telemetry.Periodic(points: 50, perPoint: 100);
        for (var i = 0; i < BatchesPerCommit; i++)
        {
            _groups.Add(readings.GetRange(i * ReadingsPerBatch, ReadingsPerBatch));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _buffer?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Append 5,000 readings as 10 batches in one transaction, then acknowledge them in one more.</summary>
    [Benchmark(OperationsPerInvoke = 1)]
    public long Append_then_acknowledge_5000_readings()
    {
        var result = _buffer!.Append(_groups);
        _buffer.TakePending(result.Seqs.Count, 0); // only batches handed out for publishing can be acknowledged
        _buffer.Acknowledge(result.Seqs);
        return result.ReadingsStored;
    }

    /// <summary>Append only (the buffer grows, as during an outage).</summary>
    [Benchmark]
    public long Append_5000_readings() => _buffer!.Append(_groups).ReadingsStored;
}
