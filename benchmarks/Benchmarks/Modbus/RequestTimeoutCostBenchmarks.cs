using BenchmarkDotNet.Attributes;

namespace City.Benchmarks.Modbus;

/// <summary>
/// What ModbusTcpClient pays per request for its timeout, outside the codec: a CancellationTokenSource with a timer on the
/// injected TimeProvider, linked with the caller's token, both disposed when the request ends. Compared with re-arming one
/// long-lived source (CancelAfter + TryReset), to size the saving a change in protocols/Modbus could bring.
/// </summary>
[MemoryDiagnoser]
public class RequestTimeoutCostBenchmarks
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _reused = new();

    /// <summary>As the client does it today: new timed source + linked source per request (the caller's token cannot be cancelled here).</summary>
    [Benchmark(Baseline = true)]
    public bool TimedAndLinkedSourcePerRequest()
    {
        using var timeout = new CancellationTokenSource(Timeout, TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken.None, timeout.Token);
        return linked.Token.IsCancellationRequested;
    }

    [Benchmark]
    public bool TimedSourcePerRequest()
    {
        using var timeout = new CancellationTokenSource(Timeout, TimeProvider.System);
        return timeout.Token.IsCancellationRequested;
    }

    /// <summary>One source kept by the client, re-armed for each request and reset after it.</summary>
    [Benchmark]
    public bool ReusedSourceRearmed()
    {
        _reused.CancelAfter(Timeout);
        bool cancelled = _reused.Token.IsCancellationRequested;
        _reused.TryReset();
        return cancelled;
    }
}
