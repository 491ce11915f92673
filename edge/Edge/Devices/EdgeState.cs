using System.Collections.Concurrent;
using City.Contract.Wire;

namespace City.Edge.Devices;

/// <summary>Live state shared by the loops and read by the local API. Thread-safe.</summary>
internal sealed class EdgeState
{
    private readonly ConcurrentDictionary<string, LatestValue> _latest = new(StringComparer.Ordinal);

    public EdgeState(string gatewayId, DateTimeOffset startedAt, IEnumerable<DeviceDefinition> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        GatewayId = gatewayId;
        StartedAt = startedAt;
        Devices = devices.Select(d => new DeviceState(d)).ToList();
    }

    public string GatewayId { get; }

    public DateTimeOffset StartedAt { get; }

    public CentralState Central { get; } = new();

    public IReadOnlyList<DeviceState> Devices { get; }

    public DeviceState Device(string name) => Devices.First(d => d.Name == name);

    public void SetLatest(string pointId, uint alias, string unit, City.Contract.PointValue value, Quality quality, DateTimeOffset timestamp) =>
        _latest[pointId] = new LatestValue(pointId, alias, unit, value, quality, timestamp);

    public IReadOnlyList<LatestValue> Latest() => _latest.Values.OrderBy(v => v.Id, StringComparer.Ordinal).ToList();
}

internal sealed record LatestValue(string Id, uint Alias, string Unit, City.Contract.PointValue Value, Quality Quality, DateTimeOffset Timestamp);

internal sealed class CentralState
{
    private readonly Lock _gate = new();
    private bool _connected;
    private DateTimeOffset? _since;
    private string? _lastError;
    private int _inFlight;

    public void SetConnected(DateTimeOffset since)
    {
        lock (_gate)
        {
            _connected = true;
            _since = since;
            _lastError = null;
        }
    }

    public void SetDisconnected(DateTimeOffset since, string? error)
    {
        lock (_gate)
        {
            if (_connected || _since is null)
            {
                _since = since;
            }

            _connected = false;
            _lastError = error ?? _lastError;
        }
    }

    public void SetInFlight(int count) => Volatile.Write(ref _inFlight, count);

    public (bool Connected, DateTimeOffset? Since, string? LastError, int InFlight) Snapshot()
    {
        lock (_gate)
        {
            return (_connected, _since, _lastError, Volatile.Read(ref _inFlight));
        }
    }
}

internal sealed class DeviceState(DeviceDefinition device)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _lastPollAt;
    private bool? _lastPollOk;
    private string? _lastError;
    private long _pollsOk;
    private long _pollsFailed;

    public string Name { get; } = device.Name;

    public string Protocol { get; } = device.Protocol;

    public string Endpoint { get; } = device.Endpoint;

    public int Points { get; } = device.Points.Count;

    /// <summary>False for a device with Enabled=false: it is never polled, so it has no poll to report.</summary>
    public bool Enabled { get; } = device.Enabled;

    public void RecordPoll(DateTimeOffset at, bool ok, string? error)
    {
        lock (_gate)
        {
            _lastPollAt = at;
            _lastPollOk = ok;
            if (ok)
            {
                _pollsOk++;
                _lastError = null;
            }
            else
            {
                _pollsFailed++;
                _lastError = error;
            }
        }
    }

    public (DateTimeOffset? LastPollAt, bool? LastPollOk, string? LastError, long PollsOk, long PollsFailed) Snapshot()
    {
        lock (_gate)
        {
            return (_lastPollAt, _lastPollOk, _lastError, _pollsOk, _pollsFailed);
        }
    }
}
