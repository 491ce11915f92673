using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.Priority;

/// <summary>One request as <c>GET /v1/priority</c> shows it.</summary>
internal sealed record PriorityRequestView(
    int RequestId,
    string VehicleId,
    string Route,
    int Approach,
    int ClassType,
    int ClassLevel,
    string Source,
    string State,
    string PrsStatus,
    DateTimeOffset ReceivedAt,
    DateTimeOffset EstimatedArrival,
    DateTimeOffset EstimatedDeparture,
    double? AckMs,
    string Detail);

/// <summary>The acknowledgement times (request arrival at the cabinet to the controller's answer) of the last requests.</summary>
internal sealed record PriorityAckStats(int Count, double? MedianMs, double? P95Ms, double? MaxMs);

/// <summary>A priority device as <c>GET /v1/priority</c> shows it.</summary>
internal sealed record PriorityDeviceView(
    string Device,
    string Controller,
    string? Listen,
    bool Enabled,
    IReadOnlyDictionary<string, long> Counters,
    PriorityAckStats Ack,
    IReadOnlyList<PriorityRequestView> Open,
    IReadOnlyList<PriorityRequestView> Recent,
    long MalformedDatagrams,
    long DroppedInputs);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<PriorityDeviceView>))]
[JsonSerializable(typeof(PriorityPlanDocument))]
internal sealed partial class PriorityJsonContext : JsonSerializerContext;

/// <summary>GET /v1/devices/{name}/plan of a priority device: what it listens to and what it asks the controller.</summary>
internal sealed record PriorityPlanDocument(string Device, string Protocol, string Endpoint, bool Enabled, string? Listen, int StatusPollMs, int ExpirySeconds,
    IReadOnlyList<string> Objects);

/// <summary>What every priority device's run publishes for the local API (one board per edge; the runs write, the API reads).</summary>
internal sealed class PriorityBoard
{
    public const int MaxRecent = 20;
    public const int MaxAckSamples = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeviceBoard> _devices = new(StringComparer.Ordinal);

    public DeviceBoard For(string device)
    {
        lock (_gate)
        {
            if (!_devices.TryGetValue(device, out var board))
            {
                board = new DeviceBoard();
                _devices[device] = board;
            }

            return board;
        }
    }

    /// <summary>A device's part: replaced whole by its run after every step, read whole by the API.</summary>
    internal sealed class DeviceBoard
    {
        private readonly Lock _gate = new();
        private readonly Queue<double> _acks = new();
        private IReadOnlyList<PriorityRequestView> _open = [];
        private IReadOnlyDictionary<string, long> _counters = new Dictionary<string, long>();
        private readonly Queue<PriorityRequestView> _recent = new();
        private long _malformed;
        private long _dropped;

        public void Publish(IReadOnlyList<PriorityRequestView> open, IReadOnlyDictionary<string, long> counters)
        {
            lock (_gate)
            {
                _open = open;
                _counters = counters;
            }
        }

        public void Closed(PriorityRequestView request)
        {
            lock (_gate)
            {
                _recent.Enqueue(request);
                while (_recent.Count > MaxRecent)
                {
                    _recent.Dequeue();
                }
            }
        }

        public void Acked(double milliseconds)
        {
            lock (_gate)
            {
                _acks.Enqueue(milliseconds);
                while (_acks.Count > MaxAckSamples)
                {
                    _acks.Dequeue();
                }
            }
        }

        public void Malformed() => Interlocked.Increment(ref _malformed);

        public void Dropped() => Interlocked.Increment(ref _dropped);

        public (IReadOnlyList<PriorityRequestView> Open, IReadOnlyList<PriorityRequestView> Recent, IReadOnlyDictionary<string, long> Counters, PriorityAckStats Ack,
            long Malformed, long Dropped) Snapshot()
        {
            lock (_gate)
            {
                var sorted = _acks.Order().ToArray();
                var stats = sorted.Length == 0
                    ? new PriorityAckStats(0, null, null, null)
                    : new PriorityAckStats(sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.95), sorted[^1]);
                return (_open, _recent.Reverse().ToList(), _counters, stats, Interlocked.Read(ref _malformed), Interlocked.Read(ref _dropped));
            }
        }

        /// <summary>Nearest-rank percentile of sorted samples.</summary>
        private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
