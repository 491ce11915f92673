using System.Diagnostics.Tracing;

namespace City.Benchmarks.Modbus;

/// <summary>
/// Samples what this process allocates, by type, from the runtime's GCAllocationTick events (one event per ~100 KB
/// allocated, naming the type of the object that crossed the threshold). Enough to tell which types make up the bytes
/// per request of a load run; the shares are statistical, not exact.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, long> _samplesByType = [];
    private readonly Lock _gate = new();
    private volatile bool _recording;

    public void Start() => _recording = true;

    public void Stop() => _recording = false;

    /// <summary>Sampled types, most frequent first, with their share of all samples.</summary>
    public IReadOnlyList<(string Type, double Share)> Top(int count)
    {
        lock (_gate)
        {
            long total = _samplesByType.Values.Sum();
            return total == 0
                ? []
                : [.. _samplesByType.OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key, (double)p.Value / total))];
        }
    }

    public long SampleCount
    {
        get
        {
            lock (_gate)
            {
                return _samplesByType.Values.Sum();
            }
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }

        int index = eventData.PayloadNames?.IndexOf("TypeName") ?? -1;
        string type = index >= 0 && eventData.Payload[index] is string name ? name : "?";
        lock (_gate)
        {
            _samplesByType[type] = _samplesByType.GetValueOrDefault(type) + 1;
        }
    }
}
